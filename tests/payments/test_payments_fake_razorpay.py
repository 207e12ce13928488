"""The fake Razorpay's own contract: auth, validation, control API, hosted page, CLI."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime

import pytest
from starlette.testclient import TestClient

from sevadwar.fakes.razorpay import FakeRazorpay, create_app

NOW = datetime(2026, 11, 20, 6, 30, tzinfo=UTC)
AUTH = ("rzp_test_sevadwar", "fake_key_secret")
BODY = {
    "amount": 2500,
    "currency": "INR",
    "reference_id": "PAY-1",
    "description": "Fee",
    "expire_by": int(NOW.timestamp()) + 3600,
    "callback_url": "http://127.0.0.1:8000/paid",
    "callback_method": "get",
}


@pytest.fixture
def fake() -> FakeRazorpay:
    return FakeRazorpay(clock=lambda: NOW, public_url="http://testserver")


@pytest.fixture
def api(fake: FakeRazorpay) -> TestClient:
    return TestClient(create_app(fake))


def test_every_api_call_needs_basic_auth(api: TestClient) -> None:
    for method, path in (
        ("POST", "/v1/payment_links"),
        ("GET", "/v1/payment_links"),
        ("GET", "/v1/payment_links/plink_x"),
    ):
        response = api.request(method, path, json=BODY, auth=("rzp_test_sevadwar", "nope"))
        assert response.status_code == 401
        assert response.json()["error"] == {
            "code": "BAD_REQUEST_ERROR",
            "description": "Authentication failed",
            "field": None,
            "source": "NA",
            "step": "NA",
            "reason": "NA",
            "metadata": {},
        }


def test_create_fetch_and_list(api: TestClient) -> None:
    created = api.post("/v1/payment_links", json=BODY, auth=AUTH).json()
    assert created["id"].startswith("plink_")
    assert created["status"] == "created"
    assert created["short_url"].startswith("http://testserver/i/")
    fetched = api.get(f"/v1/payment_links/{created['id']}", auth=AUTH).json()
    assert fetched == created
    listed = api.get("/v1/payment_links", params={"reference_id": "PAY-1"}, auth=AUTH).json()
    assert [link["id"] for link in listed["payment_links"]] == [created["id"]]
    duplicate = api.post("/v1/payment_links", json=BODY, auth=AUTH)
    assert duplicate.status_code == 400
    assert duplicate.json()["error"]["field"] == "reference_id"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"amount": 99}, "amount"),
        ({"amount": "2500"}, "amount"),
        ({"reference_id": "x" * 41}, "reference_id"),
        ({"expire_by": int(NOW.timestamp()) + 60}, "expire_by"),
    ],
)
def test_invalid_links_are_refused(api: TestClient, change: dict[str, object], field: str) -> None:
    response = api.post("/v1/payment_links", json={**BODY, **change}, auth=AUTH)
    assert response.status_code == 400
    assert response.json()["error"]["field"] == field


def test_link_expires_on_its_own_once_due(fake: FakeRazorpay, api: TestClient) -> None:
    created = api.post("/v1/payment_links", json=BODY, auth=AUTH).json()
    fake.clock = lambda: datetime.fromtimestamp(BODY["expire_by"] + 1, UTC)  # type: ignore[arg-type,operator]
    assert api.get(f"/v1/payment_links/{created['id']}", auth=AUTH).json()["status"] == "expired"


def test_control_pay_without_a_webhook_url_records_undelivered(
    fake: FakeRazorpay, api: TestClient
) -> None:
    link = api.post("/v1/payment_links", json=BODY, auth=AUTH).json()
    result = api.post(f"/_fake/payment_links/{link['id']}/pay", json={"outcome": "failed"}).json()
    assert [e["event"] for e in result["events"]] == ["payment.failed"]
    deliveries = api.get("/_fake/deliveries").json()
    assert deliveries[0]["error"] == "no webhook_url configured"
    assert (
        api.post("/_fake/config", json={"webhook_url": "http://127.0.0.1:9/x"}).json()[
            "webhook_url"
        ]
        == "http://127.0.0.1:9/x"
    )
    assert api.get(f"/v1/payment_links/{link['id']}", auth=AUTH).json()["status"] == "created"


def test_hosted_page_pays_and_returns_to_the_callback(fake: FakeRazorpay, api: TestClient) -> None:
    link = api.post("/v1/payment_links", json=BODY, auth=AUTH).json()
    code = link["short_url"].rsplit("/", 1)[1]
    assert "Pay INR 25.00" in api.get(f"/i/{code}").text
    response = api.post(f"/i/{code}", data={"outcome": "paid"}, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith(
        "http://127.0.0.1:8000/paid?razorpay_payment_id=pay_"
    )
    assert fake.links[link["id"]].status == "paid"


def test_command_line_help() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "sevadwar.fakes.razorpay", "--help"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert "--webhook-url" in result.stdout
