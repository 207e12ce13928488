"""``sevadwar certificate verify FILE.pdf | verify-qr TOKEN | revoke NUMBER --reason TEXT``."""

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


def run_verify(args: argparse.Namespace) -> int:
    from sevadwar.certificates.keys import SIGNING_CERT
    from sevadwar.certificates.signing import trust_roots, validate_certificate_pdf

    cert = args.cert or _settings().data_dir / "keys" / SIGNING_CERT
    if not cert.is_file():
        print(f"no signing certificate at {cert}: nothing to trust", file=sys.stderr)
        return 2
    try:
        data = args.file.read_bytes()
    except OSError as exc:
        print(f"cannot read {args.file}: {exc.strerror}", file=sys.stderr)
        return 2
    for name in ("pyhanko", "pyhanko_certvalidator"):  # they log expected failures as tracebacks
        logging.getLogger(name).setLevel(logging.CRITICAL)
    report = validate_certificate_pdf(data, trust_roots(cert))
    print(report.summary)
    if report.signer:
        print(f"signed by: {report.signer}")
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
