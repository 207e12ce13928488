"""Authentication and department scoping of ``/api/v1``: 401 without a good key, 404 across
departments, for every endpoint."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import select

from api.conftest import CheckedClient
from certificates.factories import submit
from sevadwar.api.actions import do_revoke_api_key
from sevadwar.cli import main
from sevadwar.officers.models import ApiKey
from sevadwar.runtime import Runtime
from sevadwar.storage.db import transaction

NO_EFFECT = {"decision": "reject", "reason_code": "no_such_reason", "reason": "x"}


def test_without_a_good_key_every_endpoint_answers_401(
    runtime: Runtime, api: CheckedClient, keys: dict[str, str]
) -> None:
    reference = submit(runtime)
    revenue = keys["revenue"]
    with transaction(runtime.sessions) as session:
        assert do_revoke_api_key(
            session, prefix=revenue[:12], actor="system:test", now=runtime.clock()
        )
    wrong = revenue[:-4] + ("AAAA" if not revenue.endswith("AAAA") else "BBBB")
    for key in (None, "nonsense", wrong, revenue, "sdw_00000000_" + "A" * 43):
        for response in (
            api.get("/api/v1/applications", key=key),
            api.get(f"/api/v1/applications/{reference}", key=key),
            api.post(f"/api/v1/applications/{reference}/decision", key=key, json=NO_EFFECT),
        ):
            assert response.status_code == 401, (key, response.text)
            assert response.headers["www-authenticate"].startswith("Bearer")
            assert response.json()["error"]["code"] == "unauthorized"
    basic = api.client.get(
        "/api/v1/applications", headers={"Authorization": f"Basic {keys['mcd']}"}
    )
    assert api.checker.check(basic).status_code == 401


def test_keys_are_stored_only_as_hashes(runtime: Runtime, keys: dict[str, str]) -> None:
    with transaction(runtime.sessions) as session:
        rows = {r.department: r for r in session.scalars(select(ApiKey))}
    for department, key in keys.items():
        row = rows[department]
        assert key.startswith(row.prefix + "_")
        assert len(key) >= 50
        assert row.key_hash == hashlib.sha256(key.encode()).hexdigest()
        assert key not in (row.prefix, row.key_hash)


@pytest.mark.parametrize("department", ["revenue", "mcd", "food"])
def test_a_key_sees_only_its_departments_applications(
    runtime: Runtime, api: CheckedClient, keys: dict[str, str], department: str
) -> None:
    owned = {
        "revenue": submit(runtime, "income"),
        "mcd": submit(runtime, "birth-death-correction", answers={"record_type": "birth"}),
        "food": submit(runtime, "ration-card-new", answers={"applicant_name": "सीता"}),
    }
    key = keys[department]
    listed = api.get("/api/v1/applications", key=key).json()
    assert [item["reference"] for item in listed["items"]] == [owned[department]]
    for owner, reference in owned.items():
        mine = owner == department
        read = api.get(f"/api/v1/applications/{reference}", key=key)
        assert read.status_code == (200 if mine else 404)
        decided = api.post(f"/api/v1/applications/{reference}/decision", key=key, json=NO_EFFECT)
        assert decided.status_code == (422 if mine else 404)
        if mine:
            assert read.json()["department"] == department
            assert decided.json()["error"]["code"] == "unknown_reason"
        else:
            assert read.json()["error"]["code"] == "not_found"
            missing = api.get("/api/v1/applications/DL-2222-2222", key=key).json()
            assert (
                read.json()["error"]["message"].replace(reference, "DL-2222-2222")
                == missing["error"]["message"]
            )


def test_apikey_create_prints_the_key_alone_on_its_last_line(
    runtime: Runtime,
    api: CheckedClient,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: object,
) -> None:
    monkeypatch.chdir(str(tmp_path))
    monkeypatch.setenv("SEVADWAR_DATABASE_URL", runtime.settings.database_url)
    monkeypatch.setenv("SEVADWAR_DATA_DIR", str(runtime.settings.data_dir))
    assert main(["apikey", "create", "--department", "revenue"]) == 0
    key = capsys.readouterr().out.strip().splitlines()[-1]
    assert key.startswith("sdw_")
    assert " " not in key
    reference = submit(runtime)
    assert api.get(f"/api/v1/applications/{reference}", key=key).status_code == 200
    assert main(["apikey", "revoke", key[:12]]) == 0
    assert api.get(f"/api/v1/applications/{reference}", key=key).status_code == 401


def test_apikey_webhook_rotation_says_until_when_the_old_secret_signs(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SEVADWAR_DATABASE_URL", runtime.settings.database_url)
    monkeypatch.setenv("SEVADWAR_DATA_DIR", str(runtime.settings.data_dir))
    url = "https://edistrict.example.gov.in/events"
    assert main(["apikey", "create", "--department", "revenue", "--webhook-url", url]) == 0
    prefix = capsys.readouterr().out.strip().splitlines()[-1][:12]
    assert main(["apikey", "webhook", prefix, "--url", url]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[1].startswith("whsec_")
    assert out[2].startswith("The secret it replaces signs events too until ")
    assert "UTC" in out[2]
    assert main(["apikey", "webhook", prefix, "--remove"]) == 0
    assert "The secret it replaces" not in capsys.readouterr().out
