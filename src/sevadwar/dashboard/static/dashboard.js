/* Sevadwar dashboard: keeps the panels current from /dashboard/stream (Server-Sent Events).
   The server renders every panel; this script swaps the ones that changed, keeps keyboard
   focus where it was, and lists the latest activity. The browser's EventSource reconnects by
   itself and sends Last-Event-ID, so the server can send what was missed. */
(function () {
  "use strict";
  var root = document.getElementById("dashboard");
  var status = document.getElementById("live-status");
  var list = document.getElementById("activity");
  if (!root || !status || !list || !window.EventSource) { return; }
  var labels = JSON.parse(list.getAttribute("data-labels") || "{}");
  var MAX_ITEMS = 15;

  function stamp() {
    var now = new Date();
    var time = now.toLocaleTimeString("en-GB", { hour12: false });
    status.textContent = status.getAttribute("data-updated").replace("{time}", time);
  }

  function setPanels(panels) {
    Object.keys(panels).forEach(function (id) {
      var panel = document.getElementById("panel-" + id);
      if (!panel) { return; }
      var active = document.activeElement;
      var focusedId = active && panel.contains(active) ? active.id : "";
      var details = Array.prototype.map.call(panel.querySelectorAll("details"), function (d) { return d.open; });
      panel.innerHTML = panels[id];
      Array.prototype.forEach.call(panel.querySelectorAll("details"), function (d, i) { d.open = !!details[i]; });
      if (focusedId) {
        var again = document.getElementById(focusedId);
        if (again) { again.focus(); }
      }
    });
    stamp();
  }

  function addActivity(data) {
    var item = document.createElement("li");
    item.textContent = data.at + " · " + (labels[data.kind] || data.kind) + (data.service ? " · " + data.service : "");
    list.insertBefore(item, list.firstChild);
    while (list.children.length > MAX_ITEMS) { list.removeChild(list.lastChild); }
  }

  var source = new EventSource(root.getAttribute("data-stream"));
  source.addEventListener("snapshot", function (e) { setPanels(JSON.parse(e.data).panels); });
  source.addEventListener("view", function (e) { setPanels(JSON.parse(e.data).panels); });
  source.addEventListener("change", function (e) {
    var data = JSON.parse(e.data);
    if (labels[data.kind]) { addActivity(data); }
  });
  source.addEventListener("open", function () { root.setAttribute("data-connected", "1"); });
  source.addEventListener("error", function () {
    root.setAttribute("data-connected", "0");
    status.textContent = status.getAttribute("data-offline");
  });
})();
