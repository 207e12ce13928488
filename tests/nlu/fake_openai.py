"""A tiny OpenAI-compatible server for tests: transcriptions and chat completions.

It records every request it receives (so tests can assert what was sent, e.g. that prompts were
redacted) and answers from a script set by the test.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route


@dataclass
class FakeOpenAI:
    transcript: str = "mujhe income certificate chahiye"
    answer: str = "The fee is Rs 10."
    status: int = 200
    requests: list[dict[str, Any]] = field(default_factory=list)

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/v1/audio/transcriptions", self._transcribe, methods=["POST"]),
                Route("/v1/chat/completions", self._chat, methods=["POST"]),
            ]
        )

    async def _transcribe(self, request: Request) -> Response:
        async with request.form() as form:
            upload = form["file"]
            assert not isinstance(upload, str)
            audio = await upload.read()
            self.requests.append(
                {
                    "path": request.url.path,
                    "authorization": request.headers.get("authorization"),
                    "model": form.get("model"),
                    "language": form.get("language"),
                    "filename": upload.filename,
                    "content_type": upload.content_type,
                    "audio": audio,
                }
            )
        if self.status != 200:
            return JSONResponse({"error": {"message": "nope"}}, status_code=self.status)
        return JSONResponse({"text": f" {self.transcript} "})

    async def _chat(self, request: Request) -> Response:
        body = await request.json()
        self.requests.append(
            {
                "path": request.url.path,
                "authorization": request.headers.get("authorization"),
                "body": body,
            }
        )
        if self.status != 200:
            return JSONResponse({"error": {"message": "nope"}}, status_code=self.status)
        return JSONResponse(
            {
                "id": "chatcmpl-1",
                "object": "chat.completion",
                "choices": [{"index": 0, "message": {"role": "assistant", "content": self.answer}}],
            }
        )
