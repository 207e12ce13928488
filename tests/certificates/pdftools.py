"""Reading certificate PDFs back the way a person or a verifier would (poppler, zxing-cpp)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image


def pdftotext(path: Path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout


def qr_texts(path: Path, tmp_path: Path) -> list[str] | None:
    """The QR codes' texts on page 1, or ``None`` when no decoder is installed."""
    try:
        import zxingcpp  # type: ignore[import-not-found, unused-ignore]
    except ImportError:
        return None
    if shutil.which("pdftoppm") is None:
        return None
    prefix = tmp_path / "page"
    subprocess.run(
        [
            "pdftoppm",
            "-png",
            "-r",
            "150",
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
            str(path),
            str(prefix),
        ],
        check=True,
        timeout=60,
    )
    with Image.open(prefix.with_suffix(".png")) as image:
        return [r.text for r in zxingcpp.read_barcodes(image)]
