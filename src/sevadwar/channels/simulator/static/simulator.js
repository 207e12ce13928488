// The simulator page: posts what the citizen types or taps, and shows what the outbox delivered.
(function () {
  "use strict";
  const chat = document.getElementById("chat");
  const form = document.getElementById("composer");
  const input = document.getElementById("composer-input");
  const attach = document.getElementById("attach");
  const params = new URLSearchParams(location.search);
  let session = params.get("session") || localStorage.getItem("sevadwar-session");
  if (!session) { session = newId(); localStorage.setItem("sevadwar-session", session); }
  let last = 0;

  // Inline icons for the page's own controls: they draw without an emoji font on the machine.
  const ICONS = {
    clip: "M16.5 6v11.5a4 4 0 0 1-8 0V5a2.5 2.5 0 0 1 5 0v10.5a1 1 0 0 1-2 0V6H10v9.5a2.5 2.5 0 0 0 5 0V5a4 4 0 0 0-8 0v12.5a5.5 5.5 0 0 0 11 0V6h-1.5z",
    doc: "M14 2H6a2 2 0 0 0-2 2v16a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2V8l-6-6zm4 18H6V4h7v5h5v11zM8 12h8v2H8zm0 4h8v2H8z",
    link: "M3.9 12a3.1 3.1 0 0 1 3.1-3.1h4V7H7a5 5 0 0 0 0 10h4v-1.9H7A3.1 3.1 0 0 1 3.9 12zM8 13h8v-2H8v2zm9-6h-4v1.9h4a3.1 3.1 0 0 1 0 6.2h-4V17h4a5 5 0 0 0 0-10z",
  };

  function icon(name) {
    return `<svg class="icon" aria-hidden="true" focusable="false" viewBox="0 0 24 24"><path d="${ICONS[name]}"/></svg>`;
  }

  // Hindi is the page language; a message with no Devanagari is marked English for screen readers.
  function markLanguage(element, text) {
    if (text && !/[\u0900-\u097F]/.test(text)) element.lang = "en";
  }

  function newId() {
    const bytes = new Uint8Array(12);
    crypto.getRandomValues(bytes);
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  function escapeHtml(text) {
    return text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
  }

  // WhatsApp formatting: *bold*, _italic_, line breaks.
  function format(text) {
    return escapeHtml(text || "")
      .replace(/\*([^*\n]+)\*/g, "<strong>$1</strong>")
      .replace(/(^|[\s(])_([^_\n]+)_(?=$|[\s).,!?])/g, "$1<em>$2</em>")
      .replace(/\n/g, "<br>");
  }

  function bubble(direction) {
    const div = document.createElement("div");
    div.className = "msg " + direction;
    const who = document.createElement("span");
    who.className = "who";
    who.textContent = direction === "in" ? "सेवा द्वार · Sevadwar" : "आप · You";
    div.appendChild(who);
    chat.appendChild(div);
    return div;
  }

  function addHtml(div, cls, html) {
    const span = document.createElement("span");
    if (cls) span.className = cls;
    span.innerHTML = html;
    div.appendChild(span);
  }

  function choiceButton(title, description, onClick) {
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = title;
    if (description) {
      const desc = document.createElement("span");
      desc.className = "desc";
      desc.textContent = description;
      button.appendChild(desc);
    }
    button.addEventListener("click", onClick);
    return button;
  }

  function render(message) {
    const div = bubble("in");
    if (message.header) addHtml(div, "header", format(message.header));
    if (message.kind === "template") {
      addHtml(div, "", format((message.body_params || []).join("\n")));
    } else if (message.kind === "document" || message.kind === "image") {
      const link = document.createElement("a");
      link.href = message.link || "#";
      link.innerHTML = icon("doc") + escapeHtml(message.filename || message.caption || "document");
      div.appendChild(link);
      if (message.caption) addHtml(div, "", "<br>" + format(message.caption));
    } else {
      addHtml(div, "", format(message.body));
    }
    if (message.footer) addHtml(div, "footer", format(message.footer));
    const choices = document.createElement("div");
    choices.className = "choices";
    if (message.kind === "buttons") {
      message.buttons.forEach((b) => choices.appendChild(choiceButton(b.title, null, () => send({ reply_id: b.id, text: b.title }))));
      div.appendChild(choices);
    } else if (message.kind === "list") {
      const open = document.createElement("button");
      open.type = "button";
      open.className = "list-open";
      open.textContent = "☰ " + message.button;
      open.setAttribute("aria-expanded", "false");
      choices.hidden = true;
      open.addEventListener("click", () => {
        choices.hidden = !choices.hidden;
        open.setAttribute("aria-expanded", String(!choices.hidden));
        if (!choices.hidden) choices.querySelector("button").focus();
      });
      message.sections.forEach((section) => section.rows.forEach((row) =>
        choices.appendChild(choiceButton(row.title, row.description, () => send({ reply_id: row.id, text: row.title })))));
      div.appendChild(open);
      div.appendChild(choices);
    } else if (message.kind === "cta_url") {
      const link = document.createElement("a");
      link.href = message.url;
      link.innerHTML = icon("link") + escapeHtml(message.label);
      link.target = "_blank";
      link.rel = "noopener";
      choices.appendChild(link);
      div.appendChild(choices);
    }
    markLanguage(div, div.textContent.slice(div.firstChild.textContent.length));
    chat.scrollTop = chat.scrollHeight;
  }

  async function send(body) {
    const payload = Object.assign({ session: session, id: newId() }, body);
    const div = bubble("out");
    addHtml(div, "", body.media ? icon("clip") + escapeHtml(body.media.filename || "file") : format(body.text || ""));
    markLanguage(div, body.text);
    chat.scrollTop = chat.scrollHeight;
    await fetch("/simulator/api/messages", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(payload),
    });
    poll();
  }

  let polling = false;
  async function poll() {
    if (polling) return;
    polling = true;
    try {
      const response = await fetch(`/simulator/api/messages?session=${session}&after=${last}`);
      if (response.ok) {
        const data = await response.json();
        data.messages.forEach((m) => render(m.message));
        last = data.last;
      }
    } finally {
      polling = false;
    }
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    input.value = "";
    send({ text: text });
  });

  attach.addEventListener("change", async () => {
    const file = attach.files[0];
    if (!file) return;
    const data = new FormData();
    data.append("file", file);
    const response = await fetch("/simulator/api/media", { method: "POST", body: data });
    attach.value = "";
    if (response.ok) {
      const media = await response.json();
      send({ media: media });
    }
  });

  document.getElementById("reset").addEventListener("click", () => {
    session = newId();
    localStorage.setItem("sevadwar-session", session);
    chat.innerHTML = "";
    last = 0;
    input.focus();
  });

  setInterval(poll, 700);
  poll();
})();
