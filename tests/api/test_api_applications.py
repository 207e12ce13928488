"""Reading applications: the DESIGN.md shape, the timeline, filters and cursor pagination."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient

from api.conftest import CheckedClient
from certificates.factories import AADHAAR, AADHAAR_MASKED, submit
from sevadwar.runtime import Runtime


def test_one_application(runtime: Runtime, api: CheckedClient, keys: dict[str, str]) -> None:
    reference = submit(runtime)
    body = api.get(f"/api/v1/applications/{reference.lower()}", key=keys["revenue"]).json()
    assert body["reference"] == reference
    assert body["service"]["id"] == "income"
    assert body["service"]["name"]["hi"] == "आय प्रमाण पत्र"
    assert body["status"] == "submitted"
    assert body["stage"]["id"]
    assert body["submitted_at"].startswith("2026-11-20T06:30")
    assert body["due_at"].startswith("2026-12-04")  # 14 days
    assert body["sla"] == {"due_at": body["due_at"], "days_late": 0, "compensation_rupees": 0}
    assert [e["event"] for e in body["timeline"]] == ["submitted"]
    assert body["timeline"][0]["actor"] == "citizen"
    assert body["answers"]["aadhaar"] == AADHAAR_MASKED
    assert AADHAAR not in str(body)
    assert body["certificate"] is None


def test_list_filters_and_pages(
    runtime: Runtime, api: CheckedClient, keys: dict[str, str], clock: object
) -> None:
    references = []
    for _ in range(5):
        references.append(submit(runtime))
        clock.advance(minutes=1)  # type: ignore[attr-defined]
    ews = submit(runtime, "ews", answers={"applicant_name": "आशा"})
    key = keys["revenue"]

    seen, cursor, pages = [], None, 0
    while True:
        params: dict[str, str | int] = {"limit": 2}
        if cursor:
            params["cursor"] = cursor
        page = api.get("/api/v1/applications", key=key, params=params).json()
        seen += [i["reference"] for i in page["items"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [*references, ews]
    assert pages == 3

    only_ews = api.get("/api/v1/applications", key=key, params={"service": "ews"}).json()
    assert [i["reference"] for i in only_ews["items"]] == [ews]
    since = (runtime.clock() - timedelta(minutes=1, seconds=30)).isoformat()
    recent = api.get("/api/v1/applications", key=key, params={"since": since}).json()
    assert [i["reference"] for i in recent["items"]] == [references[-1], ews]
    by_status = api.get(
        "/api/v1/applications", key=key, params=[("status", "rejected"), ("status", "issued")]
    )
    assert by_status.json() == {"items": [], "next_cursor": None}

    for bad in (
        {"cursor": "not-a-cursor"},
        {"since": "2026-11-20T06:30:00"},
        {"status": "lost"},
        {"limit": 0},
        {"service": "\x00"},  # PostgreSQL refuses NUL: a 422, not a 500
        {"service": "Income Certificate"},
    ):
        refused = api.get("/api/v1/applications", key=key, params=bad)
        assert refused.status_code == 422, bad
        assert refused.json()["error"]["code"] in ("invalid_cursor", "invalid_request")


def test_the_openapi_document_describes_the_api(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    paths = document["paths"]
    assert {
        "/api/v1/applications",
        "/api/v1/applications/{reference}",
        "/api/v1/applications/{reference}/decision",
    } <= set(paths)
    read = paths["/api/v1/applications/{reference}"]["get"]
    assert read["security"] == [{"HTTPBearer": []}]
    assert {"200", "401", "404"} <= set(read["responses"])
    decision = paths["/api/v1/applications/{reference}/decision"]["post"]
    assert {"200", "401", "404", "409", "422"} <= set(decision["responses"])
    schema = document["components"]["schemas"]["Application"]
    assert {"reference", "service", "status", "timeline", "certificate"} <= set(schema["required"])
    assert "/verify/{number}.json" in paths
    docs = client.get("/api/docs")
    assert docs.status_code == 200
    assert "openapi.json" in docs.text


def test_the_checker_catches_what_the_document_does_not_say(client: TestClient) -> None:
    import httpx
    import pytest

    from api.openapi_check import OpenApiChecker, OpenApiMismatch

    checker = OpenApiChecker(client.get("/openapi.json").json())
    request = httpx.Request("GET", "http://testserver/api/v1/applications")
    for status, body in (
        (200, {"items": "nope", "next_cursor": None}),
        (418, {}),
        (401, {"detail": "x"}),
    ):
        with pytest.raises(OpenApiMismatch):
            checker.check(httpx.Response(status, json=body, request=request))
    ok = httpx.Response(200, json={"items": [], "next_cursor": None}, request=request)
    assert checker.check(ok).status_code == 200


def test_nul_characters_are_refused_not_stored(
    runtime: Runtime, api: CheckedClient, keys: dict[str, str]
) -> None:
    """Found by the schemathesis run: a NUL in a query reached PostgreSQL and made a 500."""
    reference = submit(runtime)
    key = keys["revenue"]
    assert api.get("/api/v1/applications/DL-%00", key=key).status_code == 404
    decision = api.post(
        f"/api/v1/applications/{reference}/decision",
        key=key,
        json={"decision": "reject", "reason": "bad\u0000reason"},
    )
    assert decision.status_code == 422
    assert api.get(f"/api/v1/applications/{reference}", key=key).json()["status"] == "submitted"
