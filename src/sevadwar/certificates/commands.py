"""``sevadwar certificate verify FILE.pdf | verify-qr TOKEN | keys | revoke NUMBER --reason TEXT``."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import Any


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("certificate", help="check or cancel issued certificates")
    commands = parser.add_subparsers(dest="certificate_command", required=True)

    verify = commands.add_parser("verify", help="check a certificate PDF's signature offline")
    verify.add_argument("file", type=Path, help="the certificate PDF")
    verify.add_argument(
        "--cert",
        type=Path,
        default=None,
        help="trust this certificate (PEM) instead of the deployment's",
    )
    verify.set_defaults(func=run_verify)

    keys = commands.add_parser(
        "keys", help="show which key signs certificates (the generated one or a DSC)"
    )
    keys.set_defaults(func=run_keys)

    verify_qr = commands.add_parser(
        "verify-qr", help="check the signed payload of a certificate's QR code"
    )
    verify_qr.add_argument("text", help="the QR code's text (the URL) or just the part after '#'")
    verify_qr.set_defaults(func=run_verify_qr)

    revoke = commands.add_parser("revoke", help="cancel a certificate (the citizen is told)")
    revoke.add_argument("number")
    revoke.add_argument("--reason", required=True)
    revoke.set_defaults(func=run_revoke)


def _settings() -> Any:
    from sevadwar.settings import SettingsError, load_settings

    try:
        return load_settings()
    except SettingsError as exc:
        print(exc, file=sys.stderr)
        raise SystemExit(2) from None


def _identity(settings: Any) -> Any:
    """The deployment's signing identity without creating one: the DSC if configured, else the
    generated key if it exists; ``None`` when there is none yet. A bad DSC exits with 2."""
    from datetime import UTC, datetime

    from sevadwar.certificates.keys import (
        SIGNING_CERT,
        SIGNING_KEY,
        SigningFiles,
        SigningKeyError,
        generated_identity,
        load_configured_identity,
        signing_config,
    )

    try:
        dsc = signing_config(settings)
        if dsc is not None:
            return load_configured_identity(dsc, now=datetime.now(UTC), to_sign=False)
    except SigningKeyError as exc:
        print(exc, file=sys.stderr)
        raise SystemExit(2) from None
    keys_dir = settings.data_dir / "keys"
    files = SigningFiles(keys_dir / SIGNING_KEY, keys_dir / SIGNING_CERT)
    if not (files.key.is_file() and files.cert.is_file()):
        return None
    return generated_identity(files)


def run_verify(args: argparse.Namespace) -> int:
    from sevadwar.certificates.signing import (
        identity_trust_roots,
        trust_roots,
        validate_certificate_pdf,
    )

    pinned = None
    if args.cert is not None:
        if not args.cert.is_file():
            print(f"no certificate at {args.cert}: nothing to trust", file=sys.stderr)
            return 2
        trusted = trust_roots(args.cert)
    else:
        identity = _identity(_settings())
        if identity is None:
            print("this deployment has no signing key yet: nothing to trust", file=sys.stderr)
            return 2
        trusted, pinned = identity_trust_roots(identity), identity.fingerprint()
    try:
        data = args.file.read_bytes()
    except OSError as exc:
        print(f"cannot read {args.file}: {exc.strerror}", file=sys.stderr)
        return 2
    for name in ("pyhanko", "pyhanko_certvalidator"):  # they log expected failures as tracebacks
        logging.getLogger(name).setLevel(logging.CRITICAL)
    report = validate_certificate_pdf(data, trusted)
    print(report.summary)
    if report.signer:
        print(f"signed by: {report.signer}")
    if pinned is not None and report.ok and report.signer_sha256 != pinned:
        print("BROKEN: signed under the same CA, but not with this deployment's certificate")
        return 1
    if report.ok:
        print(
            "INTACT/TRUSTED: the signature is intact, covers the whole file and is the deployment's"
        )
        return 0
    print(
        "BROKEN: do not trust this file (changed after signing, or not signed by this deployment)"
    )
    return 1


def run_verify_qr(args: argparse.Namespace) -> int:
    from sevadwar.certificates.keys import load_or_create_qr_key
    from sevadwar.certificates.qr import InvalidQrPayload, verify_payload

    token = args.text.split("#", 1)[1] if "#" in args.text else args.text
    key = load_or_create_qr_key(_settings().data_dir / "keys").public_key()
    try:
        payload = verify_payload(token, [key])
    except InvalidQrPayload as exc:
        print(f"BROKEN: {exc}")
        return 1
    valid = payload.valid_until.isoformat() if payload.valid_until else "until cancelled"
    print(
        f"GENUINE: {payload.number} · {payload.service_id} · {payload.holder_name}"
        f" · issued {payload.issued_on} · valid {valid}"
    )
    return 0


def run_keys(args: argparse.Namespace) -> int:
    from cryptography import x509

    from sevadwar.certificates.keys import load_or_create_qr_key
    from sevadwar.certificates.qr import key_id

    settings = _settings()
    identity = _identity(settings)
    if identity is None:
        print("PDF signer: the deployment's own key, generated on the first certificate issued")
    else:
        cert = identity.certificate
        kind = "DSC from the settings" if identity.configured else "the deployment's own key"
        print(f"PDF signer: {kind} ({identity.source})")
        print(f"  subject:  {cert.subject.rfc4514_string()}")
        print(f"  issuer:   {cert.issuer.rfc4514_string()}")
        print(f"  serial:   {cert.serial_number:x}")
        print(
            f"  valid:    {cert.not_valid_before_utc:%Y-%m-%d} to"
            f" {cert.not_valid_after_utc:%Y-%m-%d}"
        )
        print(f"  SHA-256:  {identity.fingerprint()}")
        try:
            usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
            usages = [
                name
                for name, present in (
                    ("digitalSignature", usage.digital_signature),
                    ("nonRepudiation", usage.content_commitment),
                )
                if present
            ]
            print(f"  usage:    {', '.join(usages) or '-'}")
        except x509.ExtensionNotFound:
            print("  usage:    (no key usage extension)")
        for ca in identity.chain:
            print(f"  chain:    {ca.subject.rfc4514_string()}")
        for warning in identity.warnings:
            print(f"  WARNING:  {warning}")
    qr = load_or_create_qr_key(settings.data_dir / "keys").public_key()
    print(f"QR payload: the deployment's Ed25519 key, key id {key_id(qr)}")
    return 0


def run_revoke(args: argparse.Namespace) -> int:
    from sevadwar.applications.access import NotVisible
    from sevadwar.applications.workflow import Actor
    from sevadwar.certificates.revocation import revoke_certificate
    from sevadwar.runtime import build_runtime
    from sevadwar.storage.db import transaction

    runtime = build_runtime(_settings())
    try:
        with transaction(runtime.sessions) as session:
            certificate = revoke_certificate(
                session,
                runtime.workflow,
                args.number,
                reason=args.reason,
                actor=Actor("system", "cli"),
            )
            number = certificate.number
    except NotVisible:
        print(f"no certificate {args.number}", file=sys.stderr)
        return 1
    except ValueError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    finally:
        runtime.close()
    print(f"{number} is cancelled")
    return 0
