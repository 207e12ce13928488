"""``sevadwar certificate verify FILE.pdf``: INTACT/TRUSTED when issued, BROKEN after one byte."""

from __future__ import annotations

from pathlib import Path

import pytest

from certificates.factories import submit
from sevadwar.cli import main
from sevadwar.runtime import Runtime

from .test_certificate_issue import approve


def test_verify_command_checks_the_signature_offline(
    runtime: Runtime,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    certificate = approve(runtime, submit(runtime))
    assert runtime.blobs is not None
    assert certificate.blob_key
    pdf = runtime.blobs.get(certificate.blob_key)
    good = tmp_path / "good.pdf"
    good.write_bytes(pdf)
    tampered = bytearray(pdf)
    tampered[len(pdf) // 2] ^= 0x20
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(bytes(tampered))
    monkeypatch.chdir(tmp_path)  # no stray .env
    monkeypatch.setenv("SEVADWAR_DATA_DIR", str(runtime.settings.data_dir))

    assert main(["certificate", "verify", str(good)]) == 0
    out = capsys.readouterr().out
    assert "INTACT:TRUSTED" in out
    assert "INTACT/TRUSTED" in out

    assert main(["certificate", "verify", str(bad)]) == 1
    assert "BROKEN" in capsys.readouterr().out

    stranger = tmp_path / "other.pem"
    from sevadwar.certificates.keys import load_or_create_signing_files

    other = load_or_create_signing_files(
        tmp_path / "other-keys", common_name="someone else", now=runtime.clock()
    )
    stranger.write_bytes(other.cert.read_bytes())
    assert main(["certificate", "verify", str(good), "--cert", str(stranger)]) == 1
    assert "BROKEN" in capsys.readouterr().out


def test_verify_qr_command(
    runtime: Runtime,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from sevadwar.certificates.issuer import CertificateIssuer
    from sevadwar.certificates.qr import QrPayload, qr_url, sign_payload

    issuer = runtime.workflow.issue_certificate
    assert isinstance(issuer, CertificateIssuer)
    key = issuer.keys(runtime.clock()).qr_key
    token = sign_payload(
        key, QrPayload("DLC-2222-2222-2222", "income", runtime.clock().date(), None, "आशा")
    )
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SEVADWAR_DATA_DIR", str(runtime.settings.data_dir))
    assert main(["certificate", "verify-qr", qr_url("http://x", "DLC-2222-2222-2222", token)]) == 0
    assert "GENUINE" in capsys.readouterr().out
    # One signature character changed (not the last ones: "AAA" there left a signature whose top
    # bits were already zero unchanged, about once in a thousand runs).
    at = token.index(".") + 10
    tampered = token[:at] + ("B" if token[at] == "A" else "A") + token[at + 1 :]
    assert main(["certificate", "verify-qr", tampered]) == 1
    assert "BROKEN" in capsys.readouterr().out
