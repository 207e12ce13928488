"""A real DSC configured through the settings signs the certificates; a bad one stops the start."""

from __future__ import annotations

import base64
import logging
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519
from fastapi.testclient import TestClient

from certificates.factories import submit
from certificates.pdftools import qr_texts
from certificates.pki import (
    Pki,
    pem,
    usage,
    write_key,
    write_pem,
    write_pkcs12,
)
from sevadwar.app import create_app
from sevadwar.certificates.issuer import certificate_keys
from sevadwar.certificates.keys import (
    SIGNING_CERT,
    SIGNING_KEY,
    SigningKeyError,
    fingerprint,
    load_configured_identity,
    signing_config,
)
from sevadwar.certificates.qr import verify_payload
from sevadwar.certificates.signing import trust_roots, validate_certificate_pdf
from sevadwar.cli import main
from sevadwar.runtime import Runtime, build_runtime
from sevadwar.settings import Settings, SettingsError

from .test_certificate_issue import approve

PASSWORD = "dsc-pfx-पासवर्ड-1"
Clock = Callable[[], datetime]  # the shared ``clock`` fixture


@pytest.fixture
def pki(clock: Clock) -> Pki:
    return Pki.make(clock())


def configured(settings: Settings, **signing: Any) -> Settings:
    """``settings`` with ``SEVADWAR_SIGNING_*`` values, as the environment would give them."""
    return Settings(
        **{**settings.model_dump(), **signing},
        _env_file=None,
    )


@pytest.fixture
def bare(tmp_path: Path) -> Settings:
    """Settings for checks that need no database."""
    return Settings(data_dir=tmp_path / "data", _env_file=None)


@pytest.fixture
def dsc_files(pki: Pki, tmp_path: Path) -> dict[str, Path]:
    key, cert = pki.signer()
    folder = tmp_path / "dsc"
    folder.mkdir()
    return {
        "pkcs12": write_pkcs12(folder / "dsc.pfx", key, cert, [pki.sub], PASSWORD.encode()),
        "key": write_key(folder / "dsc.key", key, b"pem-key-password"),
        "cert": write_pem(folder / "dsc.crt", cert),
        "chain": write_pem(folder / "chain.pem", pki.sub, pki.root),
        "root": write_pem(folder / "root.pem", pki.root),
        "signer": write_pem(folder / "signer.pem", cert),
    }


def signer_of(files: dict[str, Path]) -> str:
    from cryptography import x509

    return fingerprint(x509.load_pem_x509_certificate(files["signer"].read_bytes()))


@pytest.fixture
def pkcs12_runtime(
    settings: Settings, clock: Clock, dsc_files: dict[str, Path]
) -> Iterator[Runtime]:
    runtime = build_runtime(
        configured(
            settings,
            signing_pkcs12=dsc_files["pkcs12"],
            signing_pkcs12_password=PASSWORD,
        ),
        clock=clock,
    )
    yield runtime
    runtime.close()


def issued_pdf(runtime: Runtime) -> tuple[str, bytes]:
    certificate = approve(runtime, submit(runtime))
    assert runtime.blobs is not None
    assert certificate.blob_key
    return certificate.number, runtime.blobs.get(certificate.blob_key)


def test_a_pkcs12_dsc_signs_the_certificates(
    pkcs12_runtime: Runtime, dsc_files: dict[str, Path], tmp_path: Path
) -> None:
    runtime = pkcs12_runtime
    number, pdf = issued_pdf(runtime)

    # trusting only the root: the path signer → Sub-CA needs the chain embedded in the signature
    report = validate_certificate_pdf(pdf, trust_roots(dsc_files["root"]))
    assert report.ok, report.summary
    assert report.summary.startswith("INTACT:TRUSTED")
    assert report.signer_sha256 == signer_of(dsc_files)
    assert "DS Registrar of Births and Deaths Delhi 1" in report.signer
    keys_dir = runtime.settings.data_dir / "keys"
    assert not (keys_dir / SIGNING_KEY).exists()  # the generated key was not made, let alone used
    assert not (keys_dir / SIGNING_CERT).exists()

    # a signer the deployment never had, under another root, is not trusted
    other = Pki.make(runtime.clock())
    assert not validate_certificate_pdf(
        pdf, trust_roots(write_pem(tmp_path / "o.pem", other.root))
    ).ok

    with TestClient(create_app(runtime=runtime, start_workers=False)) as client:
        published = client.get("/verify/keys.json").json()
        assert published["pdf"]["sha256"] == signer_of(dsc_files)
        assert published["pdf"]["certificate_pem"] == pem(
            *_certs(dsc_files["signer"]), runtime_chain(dsc_files)
        ).decode("ascii")
        assert client.get(f"/verify/{number}.json").json()["status"] == "valid"
    qr_key = ed25519.Ed25519PublicKey.from_public_bytes(
        base64.urlsafe_b64decode(published["qr"][0]["public_key"] + "==")
    )
    pdf_path = tmp_path / "dsc-certificate.pdf"
    pdf_path.write_bytes(pdf)
    codes = qr_texts(pdf_path, tmp_path)
    if codes is not None:  # the QR payload is signed by the deployment's Ed25519 key, not the DSC
        assert len(codes) == 1
        assert verify_payload(codes[0].split("#", 1)[1], [qr_key]).number == number


def _certs(path: Path) -> list[Any]:
    from cryptography import x509

    return x509.load_pem_x509_certificates(path.read_bytes())


def runtime_chain(files: dict[str, Path]) -> Any:
    return _certs(files["chain"])[0]  # the PKCS#12 holds the Sub-CA only


def test_pem_key_certificate_and_chain_sign_the_certificates(
    settings: Settings, clock: Clock, dsc_files: dict[str, Path]
) -> None:
    runtime = build_runtime(
        configured(
            settings,
            signing_key=dsc_files["key"],
            signing_key_password="pem-key-password",
            signing_cert=dsc_files["cert"],
            signing_chain=dsc_files["chain"],
        ),
        clock=clock,
    )
    try:
        _, pdf = issued_pdf(runtime)
    finally:
        runtime.close()
    report = validate_certificate_pdf(pdf, trust_roots(dsc_files["root"]))
    assert report.ok, report.summary
    assert report.signer_sha256 == signer_of(dsc_files)


def test_a_wrong_pkcs12_password_stops_the_start(
    settings: Settings, clock: Clock, dsc_files: dict[str, Path]
) -> None:
    bad = configured(settings, signing_pkcs12=dsc_files["pkcs12"], signing_pkcs12_password="not-it")
    with pytest.raises(SigningKeyError) as raised:
        build_runtime(bad, clock=clock)
    message = str(raised.value)
    assert "wrong password" in message
    assert f"SEVADWAR_SIGNING_PKCS12={dsc_files['pkcs12']}" in message
    assert "not-it" not in message and PASSWORD not in message
    assert isinstance(raised.value, SettingsError)  # a configuration error like any other

    missing = configured(settings, signing_pkcs12=dsc_files["pkcs12"])
    with pytest.raises(SigningKeyError, match="set SEVADWAR_SIGNING_PKCS12_PASSWORD"):
        build_runtime(missing, clock=clock)


def test_a_key_that_is_not_the_certificates_stops_the_start(
    settings: Settings, clock: Clock, pki: Pki, dsc_files: dict[str, Path], tmp_path: Path
) -> None:
    other_key, _ = pki.signer("someone else")
    mismatched = configured(
        settings,
        signing_key=write_key(tmp_path / "other.key", other_key),
        signing_cert=dsc_files["cert"],
    )
    with pytest.raises(SigningKeyError, match="private key does not belong to this certificate"):
        build_runtime(mismatched, clock=clock)


def _config(settings: Settings, **signing: Any) -> Any:
    config = signing_config(configured(settings, **signing))
    assert config is not None
    return config


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ("expired", "expired on"),
        ("not_yet_valid", "not valid before"),
        ("encryption_only", "neither digitalSignature nor nonRepudiation"),
        ("no_key_usage", "no key usage extension"),
        ("missing_file", "cannot read the file"),
        ("not_a_certificate", "not an X.509 certificate"),
        ("encrypted_key_without_password", "set SEVADWAR_SIGNING_KEY_PASSWORD"),
        ("wrong_key_password", "wrong SEVADWAR_SIGNING_KEY_PASSWORD"),
    ],
)
def test_unusable_dscs_are_refused_with_the_reason(
    bare: Settings, pki: Pki, dsc_files: dict[str, Path], tmp_path: Path, case: str, expected: str
) -> None:
    now = pki.now
    files: dict[str, Any] = {"signing_key": write_key(tmp_path / "k.pem", pki.signer()[0])}
    if case in ("expired", "not_yet_valid", "encryption_only", "no_key_usage"):
        window: dict[str, Any] = {
            "expired": {
                "not_before": now - timedelta(days=800),
                "not_after": now - timedelta(days=1),
            },
            "not_yet_valid": {"not_before": now + timedelta(days=2)},
        }.get(case, {})
        key, cert = pki.signer(
            key_usage=usage(signing=False, non_repudiation=False)
            if case == "encryption_only"
            else None,
            no_key_usage=case == "no_key_usage",
            **window,
        )
        files = {
            "signing_key": write_key(tmp_path / "k.pem", key),
            "signing_cert": write_pem(tmp_path / "c.pem", cert),
        }
    elif case == "missing_file":
        files["signing_cert"] = tmp_path / "nowhere.crt"
    elif case == "not_a_certificate":
        files["signing_cert"] = write_key(tmp_path / "swapped.pem", pki.signer()[0])
    elif case == "encrypted_key_without_password":
        files = {"signing_key": dsc_files["key"], "signing_cert": dsc_files["cert"]}
    else:
        files = {
            "signing_key": dsc_files["key"],
            "signing_key_password": "guess",
            "signing_cert": dsc_files["cert"],
        }
    with pytest.raises(SigningKeyError) as raised:
        load_configured_identity(_config(bare, **files), now=now)
    assert expected in str(raised.value)
    assert "SEVADWAR_SIGNING_" in str(raised.value)
    if case == "expired":  # PDFs signed before the expiry can still be checked against it
        kept = load_configured_identity(_config(bare, **files), now=now, to_sign=False)
        assert any("expired on" in warning for warning in kept.warnings)


@pytest.mark.parametrize(
    ("signing", "expected"),
    [
        ({"signing_pkcs12": "a.p12", "signing_cert": "c.pem"}, "both set"),
        ({"signing_key": "k.pem"}, "SEVADWAR_SIGNING_CERT is not set"),
        ({"signing_cert": "c.pem"}, "SEVADWAR_SIGNING_KEY is not set"),
        ({"signing_chain": "chain.pem"}, "no DSC is"),
        ({"signing_pkcs12_password": "x"}, "SEVADWAR_SIGNING_PKCS12 is not"),
    ],
)
def test_contradictory_settings_are_refused(
    bare: Settings, signing: dict[str, str], expected: str
) -> None:
    with pytest.raises(SigningKeyError, match=expected):
        signing_config(configured(bare, **signing))
    assert signing_config(bare) is None  # nothing set: the generated deployment key


def test_doubtful_dscs_start_with_warnings(
    bare: Settings, pki: Pki, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    key, cert = pki.signer(
        key_usage=usage(non_repudiation=False), not_after=pki.now + timedelta(days=10)
    )
    identity = load_configured_identity(
        _config(
            bare,
            signing_key=write_key(tmp_path / "k.pem", key),
            signing_cert=write_pem(tmp_path / "c.pem", cert),
        ),
        now=pki.now,
    )
    text = "\n".join(identity.warnings)
    assert "lacks nonRepudiation" in text
    assert "expires in 9 days" in text or "expires in 10 days" in text
    assert "set SEVADWAR_SIGNING_CHAIN" in text  # the Sub-CA that issued it is not given
    assert identity.trust_anchors() == [cert]

    clean_key, clean = pki.signer()
    fine = load_configured_identity(
        _config(
            bare,
            signing_key=write_key(tmp_path / "k2.pem", clean_key),
            signing_cert=write_pem(tmp_path / "c2.pem", clean, pki.root, pki.sub),
        ),
        now=pki.now,
    )
    assert fine.warnings == ()
    assert fine.chain == (pki.sub, pki.root)  # put in order, whatever the file's order

    with caplog.at_level(logging.WARNING, logger="sevadwar.certificates.issuer"):
        certificate_keys(
            tmp_path / "keys",
            common_name="unused",
            now=pki.now,
            dsc=_config(
                bare,
                signing_key=write_key(tmp_path / "k3.pem", key),
                signing_cert=write_pem(tmp_path / "c3.pem", cert),
            ),
        )
    assert "lacks nonRepudiation" in caplog.text  # the operator sees it in the start-up log


def test_the_cli_shows_the_dsc_and_pins_it(
    pkcs12_runtime: Runtime,
    pki: Pki,
    dsc_files: dict[str, Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, pdf = issued_pdf(pkcs12_runtime)
    good = tmp_path / "good.pdf"
    good.write_bytes(pdf)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SEVADWAR_DATA_DIR", str(pkcs12_runtime.settings.data_dir))
    monkeypatch.setenv("SEVADWAR_SIGNING_PKCS12", str(dsc_files["pkcs12"]))
    monkeypatch.setenv("SEVADWAR_SIGNING_PKCS12_PASSWORD", PASSWORD)

    assert main(["certificate", "keys"]) == 0
    out = capsys.readouterr().out
    assert "DSC from the settings" in out
    assert signer_of(dsc_files) in out
    assert "DS Registrar of Births and Deaths Delhi 1" in out
    assert "Test Sub-CA for Document Signer 2026" in out  # the chain
    assert "digitalSignature, nonRepudiation" in out
    assert PASSWORD not in out

    assert main(["certificate", "verify", str(good)]) == 0
    assert "INTACT/TRUSTED" in capsys.readouterr().out

    # another DSC of the same CA: its signatures chain to the same root, but are not ours
    key, cert = pki.signer("DS Some Other Office 1")
    monkeypatch.setenv(
        "SEVADWAR_SIGNING_PKCS12",
        str(write_pkcs12(tmp_path / "other.p12", key, cert, [pki.sub], PASSWORD.encode())),
    )
    assert main(["certificate", "verify", str(good)]) == 1
    assert "not with this deployment's certificate" in capsys.readouterr().out

    monkeypatch.setenv("SEVADWAR_SIGNING_PKCS12_PASSWORD", "wrong")
    with pytest.raises(SystemExit) as stopped:
        main(["certificate", "keys"])
    assert stopped.value.code == 2
    assert "wrong password" in capsys.readouterr().err
