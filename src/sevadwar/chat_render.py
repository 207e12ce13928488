"""Plain-text rendering of outbound messages for the terminal chat."""

from __future__ import annotations

from typing import Any


def render_plain(payload: dict[str, Any]) -> tuple[str, dict[str, str]]:
    """The text to print and a map from what the user may type (number or title) to a reply id."""
    kind = payload.get("kind")
    if kind == "read":
        return "", {}
    lines = [str(payload.get(key)) for key in ("header", "body") if payload.get(key)]
    choices: dict[str, str] = {}
    options: list[tuple[str, str, str | None]] = []
    if kind == "buttons":
        options = [(b["id"], b["title"], None) for b in payload["buttons"]]
    elif kind == "list":
        options = [
            (r["id"], r["title"], r.get("description"))
            for s in payload["sections"]
            for r in s["rows"]
        ]
    elif kind == "cta_url":
        lines.append(f"[{payload['label']}] {payload['url']}")
    elif kind in ("document", "image"):
        lines.append(f"[{payload.get('filename') or 'file'}] {payload.get('link') or ''}")
    elif kind == "template":
        lines.append(" ".join(payload.get("body_params") or []))
        if document := payload.get("document"):
            lines.append(f"[{document.get('filename') or 'file'}] {document.get('link') or ''}")
    for number, (reply_id, title, description) in enumerate(options, 1):
        lines.append(f"  [{number}] {title}" + (f" — {description}" if description else ""))
        choices[str(number)] = reply_id
        choices[title] = reply_id
    return "\n".join(lines), choices
