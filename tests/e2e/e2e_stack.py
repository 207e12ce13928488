"""The live stack used by end-to-end tests on loopback: the real app (with its worker threads) and the fake Graph API.

Citizens are played through the fake's control API, which signs and POSTs real webhooks to the
app; replies travel through the outbox and the sender to the fake, which records them and
sends status callbacks back.
"""

from __future__ import annotations

import base64
import io
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
from PIL import Image, ImageDraw

from sevadwar.app import create_app
from sevadwar.fakes.graph_api import run_fake_graph, serve_app_in_thread
from sevadwar.fakes.graph_state import FakeConfig, FakeGraph, SentMessage
from sevadwar.runtime import Runtime, build_runtime
from sevadwar.settings import Settings

ACCESS_TOKEN = "test-access-token"
APP_SECRET = "test-app-secret"


def document_photo() -> bytes:
    """A phone photo of a document: big enough to read, with location data in its EXIF."""
    image = Image.new("RGB", (1200, 900), "white")
    draw = ImageDraw.Draw(image)
    for y in range(60, 860, 40):
        draw.line((60, y, 1140, y), fill=(40, 40, 40), width=3)
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (28.0, 36.0, 50.0), 3: "E", 4: (77.0, 13.0, 0.0)}  # GPS: Delhi
    exif[0x010F] = "PhoneMaker"
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85, exif=exif)
    return buffer.getvalue()


@dataclass
class Citizen:
    stack: Stack
    wa_id: str
    user_id: str
    seen: int = 0
    last: list[dict[str, Any]] = field(default_factory=list)

    def _post(self, **message: Any) -> None:
        body = {"wa_id": self.wa_id, "user_id": self.user_id, "name": "Test Citizen", **message}
        response = self.stack.control.post("/_fake/inbound", json=body)
        assert response.status_code == 200, response.text
        assert response.json()["delivered"], response.json()

    def says(self, text: str) -> list[dict[str, Any]]:
        self._post(text=text)
        return self.replies()

    def taps(self, title: str) -> list[dict[str, Any]]:
        """Tap the button or list row titled ``title`` in the last replies."""
        for body in reversed(self.last):
            interactive = body.get("interactive", {})
            action = interactive.get("action", {})
            for button in action.get("buttons", []):
                if button["reply"]["title"] == title:
                    self._post(button_reply={"id": button["reply"]["id"], "title": title})
                    return self.replies()
            for section in action.get("sections", []):
                for row in section["rows"]:
                    if row["title"] == title:
                        self._post(list_reply={"id": row["id"], "title": title})
                        return self.replies()
        raise AssertionError(f"no choice {title!r} in {self.last}")

    def sends_voice(self) -> list[dict[str, Any]]:
        self._post(
            media={
                "type": "audio",
                "mime_type": "audio/ogg",
                "voice": True,
                "data_base64": base64.b64encode(b"OggS" + b"\0" * 2000).decode(),
            }
        )
        return self.replies()

    def sends_photo(
        self, data: bytes | None = None, mime_type: str = "image/jpeg"
    ) -> list[dict[str, Any]]:
        """Send a photo (by default a readable 1200×900 JPEG of a document, with GPS in its EXIF)."""
        payload = base64.b64encode(data if data is not None else document_photo()).decode("ascii")
        self._post(media={"type": "image", "mime_type": mime_type, "data_base64": payload})
        return self.replies()

    def replies(self, *, settle: float = 0.6, timeout: float = 15.0) -> list[dict[str, Any]]:
        """The messages the citizen received since last asked, once no more arrive for ``settle`` s."""
        deadline = time.monotonic() + timeout
        count, stable_since = -1, time.monotonic()
        while time.monotonic() < deadline:
            now_count = len(self._sent())
            if now_count != count:
                count, stable_since = now_count, time.monotonic()
            elif count > self.seen and time.monotonic() - stable_since >= settle:
                break
            time.sleep(0.05)
        sent = self._sent()
        self.last = [m.body for m in sent[self.seen :]]
        self.seen = len(sent)
        assert self.last, "no reply arrived"
        return self.last

    def _sent(self) -> list[SentMessage]:
        return self.stack.fake.messages_to(self.user_id)


@dataclass
class Stack:
    runtime: Runtime
    fake: FakeGraph
    app_url: str
    control: httpx.Client

    def citizen(
        self, wa_id: str = "919810012345", user_id: str = "IN.13491208655302741918"
    ) -> Citizen:
        return Citizen(self, wa_id, user_id)


def text_of(body: dict[str, Any]) -> str:
    """What a person reads in one sent message body."""
    if body.get("type") == "text":
        return str(body["text"]["body"])
    if body.get("type") == "interactive":
        return str(body["interactive"]["body"]["text"])
    if body.get("type") == "template":
        return " ".join(
            p["text"]
            for c in body["template"].get("components", [])
            for p in c.get("parameters", [])
        )
    return ""


def choices_of(body: dict[str, Any]) -> list[str]:
    action = body.get("interactive", {}).get("action", {})
    titles = [b["reply"]["title"] for b in action.get("buttons", [])]
    titles += [r["title"] for s in action.get("sections", []) for r in s["rows"]]
    return titles


@contextmanager
def live_stack(database_url: str, tmp_path: Any, **overrides: Any) -> Iterator[Stack]:
    config = FakeConfig(access_token=ACCESS_TOKEN, app_secret=APP_SECRET)
    with run_fake_graph(config=config) as (fake, fake_url):
        settings = Settings(
            database_url=database_url,
            data_dir=tmp_path / "data",
            secret_key="e2e-secret-key",  # type: ignore[arg-type]
            whatsapp_access_token=ACCESS_TOKEN,  # type: ignore[arg-type]
            whatsapp_phone_number_id=config.number.phone_number_id,
            whatsapp_app_secret=APP_SECRET,  # type: ignore[arg-type]
            whatsapp_verify_token="e2e-verify",  # type: ignore[arg-type]
            whatsapp_api_base_url=f"{fake_url}/v24.0",  # type: ignore[arg-type]
            workers=2,
            senders=2,
            _env_file=None,  # type: ignore[call-arg]
        ).model_copy(update=overrides)
        runtime = build_runtime(settings)
        app = create_app(runtime=runtime, start_workers=True)
        with (
            serve_app_in_thread(app) as app_url,
            httpx.Client(base_url=fake_url, timeout=20) as control,
        ):
            fake.configure(webhook_url=f"{app_url}/webhooks/whatsapp")
            yield Stack(runtime, fake, app_url, control)
        runtime.close()
