"""``sevadwar chat``: the terminal chat, driven through stdin like a person typing.

It needs no browser: it runs the real engine, inbox, outbox and workers in the subprocess, on a
fresh SQLite database.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from browser.support import sevadwar_command, sevadwar_env

pytestmark = pytest.mark.slow

TIMEOUT = 90  # seconds for the whole conversation, start-up and migrations included


def run_chat(folder: Path, *lines: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        sevadwar_command("chat"),
        input="".join(f"{line}\n" for line in lines),
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=sevadwar_env(folder),
        cwd=folder,
        timeout=TIMEOUT,
        check=False,
    )


def test_chat_welcomes_and_takes_numbered_choices(tmp_path: Path) -> None:
    result = run_chat(tmp_path, "hi", "1", "1", "quit")

    assert result.returncode == 0, result.stderr[-3000:]
    out = result.stdout
    assert "type 'quit' to leave" in out
    # "hi" gets the bilingual welcome and the language choice, numbered for the keyboard.
    assert "Namaste" in out
    assert "[1] हिन्दी" in out
    assert "[2] English" in out
    # "1" picks हिन्दी: the consent notice follows in Hindi ...
    assert "हम हिन्दी में बात करेंगे" in out
    assert "[1] मैं सहमत हूँ" in out
    # ... and "1" again agrees, which brings the main menu.
    assert "आपकी सहमति दर्ज कर ली गई है" in out
    assert out.index("Namaste") < out.index("हम हिन्दी") < out.index("सहमति दर्ज")


def test_chat_ends_cleanly_at_end_of_input(tmp_path: Path) -> None:
    result = run_chat(tmp_path, "hi")

    assert result.returncode == 0, result.stderr[-3000:]
    assert "Namaste" in result.stdout
