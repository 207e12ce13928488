"""``sevadwar officer create``, ``sevadwar demo seed`` and ``sevadwar audit verify``."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from office_desk import Desk
from sqlalchemy import func, select, update

from sevadwar.audit.models import AuditEntry
from sevadwar.cli import main
from sevadwar.officers.demo import demo_data
from sevadwar.officers.models import Office, Officer
from sevadwar.settings import Settings
from sevadwar.storage.db import transaction

BASE32 = re.compile(r"^[A-Z2-7]{32}$")


@pytest.fixture
def cli_env(settings: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The CLI reads the environment: point it at the test database, with the test secret key."""
    monkeypatch.chdir(tmp_path)  # no stray .env
    for name in list(os.environ):
        if name.startswith("SEVADWAR_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("SEVADWAR_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("SEVADWAR_DATA_DIR", str(settings.data_dir))
    assert settings.secret_key is not None
    monkeypatch.setenv("SEVADWAR_SECRET_KEY", settings.secret_key.get_secret_value())


@pytest.mark.usefixtures("cli_env")
def test_officer_create_prints_the_totp_secret_last_for_approvers(
    desk: Desk, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        [
            "officer",
            "create",
            "--username",
            "revenue.sdm",
            "--password",
            "a long pass phrase",
            "--role",
            "approving_officer",
            "--department",
            "revenue",
        ]
    )
    assert code == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert BASE32.match(lines[-1])
    # the printed secret is the one that logs in
    desk.secrets["revenue.sdm"] = lines[-1]
    assert (
        desk.login("revenue.sdm", password="a long pass phrase").get("/office").status_code == 200
    )


@pytest.mark.usefixtures("cli_env")
def test_officer_create_without_a_second_factor_prints_no_secret(
    desk: Desk, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        main(
            [
                "officer",
                "create",
                "--username",
                "mcd.clerk",
                "--password",
                "a long pass phrase",
                "--role",
                "dealing_assistant",
                "--department",
                "mcd",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out.strip().splitlines()
    assert out == [out[0]]
    assert "mcd.clerk" in out[0]
    assert not BASE32.match(out[-1])


REFUSALS = [
    (
        ["--password", "short", "--role", "dealing_assistant", "--department", "revenue"],
        "too short",
    ),
    (
        ["--password", "Password@123", "--role", "dealing_assistant", "--department", "revenue"],
        "common",
    ),
    (["--password", "a long pass phrase", "--role", "approving_officer"], "needs --department"),
    (
        ["--password", "a long pass phrase", "--role", "it_admin", "--department", "revenue"],
        "no department",
    ),
]


@pytest.mark.usefixtures("cli_env")
def test_officer_create_refuses_with_a_clear_message(
    desk: Desk, capsys: pytest.CaptureFixture[str]
) -> None:
    for arguments, message in REFUSALS:
        assert main(["officer", "create", "--username", "someone", *arguments]) == 2
        assert message in capsys.readouterr().err
    with transaction(desk.runtime.sessions) as session:
        assert session.scalar(select(func.count()).select_from(Officer)) == 0


@pytest.mark.usefixtures("cli_env")
def test_officer_create_refuses_an_unknown_role_or_department_and_a_duplicate(
    desk: Desk, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(
            [
                "officer",
                "create",
                "--username",
                "x",
                "--password",
                "a long pass phrase",
                "--role",
                "boss",
            ]
        )
    assert stopped.value.code == 2
    with pytest.raises(SystemExit):
        main(
            [
                "officer",
                "create",
                "--username",
                "x",
                "--password",
                "a long pass phrase",
                "--role",
                "dealing_assistant",
                "--department",
                "nasa",
            ]
        )
    args = [
        "officer",
        "create",
        "--username",
        "dup",
        "--password",
        "a long pass phrase",
        "--role",
        "dealing_assistant",
        "--department",
        "revenue",
    ]
    assert main(args) == 0
    assert main(args) == 2
    assert "already exists" in capsys.readouterr().err


@pytest.mark.usefixtures("cli_env")
def test_demo_seed_is_idempotent_and_prints_credentials(
    desk: Desk, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["demo", "seed"]) == 0
    first = capsys.readouterr().out
    assert main(["demo", "seed"]) == 0
    second = capsys.readouterr().out
    password = demo_data()["password"]
    assert password in first
    for username in (
        "revenue.assistant",
        "revenue.verifier",
        "revenue.approver",
        "revenue.admin",
        "mcd.assistant",
        "mcd.verifier",
        "mcd.approver",
        "mcd.admin",
        "it.admin",
    ):
        assert username in first
    secrets_first = re.findall(r"^\s+(\S+)\s+\S+\s+\S+\s+([A-Z2-7]{32})$", first, re.MULTILINE)
    secrets_second = re.findall(r"^\s+(\S+)\s+\S+\s+\S+\s+([A-Z2-7]{32})$", second, re.MULTILINE)
    assert {u for u, _ in secrets_first} == {
        "revenue.approver",
        "revenue.admin",
        "mcd.approver",
        "mcd.admin",
        "it.admin",
    }
    assert secrets_first == secrets_second  # the same officers, nothing created twice
    with transaction(desk.runtime.sessions) as session:
        assert session.scalar(select(func.count()).select_from(Officer)) == 9
        offices = list(session.scalars(select(Office)))
        assert {o.department for o in offices} == {
            "revenue",
            "mcd",
            "djb",
            "power",
            "food",
            "transport",
            "social-welfare",
            "wcd",
            "labour",
            "police",
        }
        assert (
            len([o for o in offices if o.department == "revenue"]) == 12
        )  # headquarters + 11 districts
        assistant = session.scalars(
            select(Officer).where(Officer.username == "revenue.assistant")
        ).one()
        verifier = session.get(Officer, assistant.supervisor_id)
        assert verifier is not None
        assert verifier.username == "revenue.verifier"
    # the demo approver logs in with the printed password and secret
    desk.secrets["revenue.approver"] = dict(secrets_first)["revenue.approver"]
    assert desk.login("revenue.approver", password=password).get("/office").status_code == 200


@pytest.mark.usefixtures("cli_env")
def test_audit_verify_names_the_first_broken_row(
    desk: Desk, capsys: pytest.CaptureFixture[str]
) -> None:
    desk.income_application()
    desk.income_application(citizen="919810000099")
    assert main(["audit", "verify"]) == 0
    assert "audit chain OK" in capsys.readouterr().out
    with transaction(desk.runtime.sessions) as session:
        rows = list(session.scalars(select(AuditEntry.id).order_by(AuditEntry.id)))
        session.execute(
            update(AuditEntry).where(AuditEntry.id == rows[1]).values(actor="officer:999")
        )
    assert main(["audit", "verify"]) == 1
    assert f"BROKEN at row {rows[1]}" in capsys.readouterr().out
