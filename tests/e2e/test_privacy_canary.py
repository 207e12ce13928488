"""Privacy canary: after a full journey, no full Aadhaar and no unmasked phone number anywhere.

The citizen types a known Aadhaar number and a known mobile number; then every table is dumped,
the logs are formatted as they would be shipped, and every stored PDF is turned into text.
"""

from __future__ import annotations

import logging
import re
import shutil
import subprocess
import time

import pytest
from e2e_stack import Stack
from sqlalchemy import func, select, text

from sevadwar.applications.models import Application
from sevadwar.applications.workflow import Actor
from sevadwar.catalogue.schema import Role
from sevadwar.logs import JsonFormatter
from sevadwar.messaging.models import InboxEvent, InboxState, OutboxMessage, OutboxState
from sevadwar.runtime import Runtime
from sevadwar.storage.db import transaction
from sevadwar.storage.models import metadata

AADHAAR = "234567890124"
MOBILE = "9812345670"
WA_PHONE = "919811100077"


def canaries(blob: str) -> list[str]:
    digits = re.sub(r"[\s\-]", "", blob)
    return [c for c in (AADHAAR, MOBILE, WA_PHONE) if c in digits]


def busy(runtime: Runtime) -> int:
    """Webhooks not yet read and messages not yet sent."""
    with transaction(runtime.sessions) as session:
        inbox = session.scalar(
            select(func.count())
            .select_from(InboxEvent)
            .where(InboxEvent.state == InboxState.PENDING)
        )
        outbox = session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.state.in_([OutboxState.PENDING, OutboxState.SENDING]))
        )
    return int(inbox or 0) + int(outbox or 0)


def settled(runtime: Runtime, timeout: float = 20.0) -> None:
    """Wait until nothing is pending twice in a row, half a second apart (the status webhook of
    the last message sent may still be on its way)."""
    deadline, quiet = time.monotonic() + timeout, 0
    while time.monotonic() < deadline:
        quiet = quiet + 1 if busy(runtime) == 0 else 0
        if quiet == 2:
            return
        time.sleep(0.5)
    raise AssertionError("the inbox and the outbox did not settle")


def test_no_aadhaar_or_phone_number_survives_in_clear(
    stack: Stack, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    ravi = stack.citizen(wa_id=WA_PHONE, user_id="IN.77777777777777777777")
    ravi.says(f"Hello, I need an income certificate. My number is {MOBILE}")
    ravi.taps("English")
    ravi.taps("I agree")
    ravi.taps("Apply now")
    for said in [
        "Ravi Kumar Sharma",
        "Mohan Lal Sharma",
        "1",
        "12-3-90",
        "private job",
        "Acme Traders",
        "4",
        "120000",
        "3",
        "1",
        "House 12, Street 4, Laxmi Nagar",
        "110092",
        "2",
        "2345 6789 0124",
        MOBILE,
    ]:
        ravi.says(said)
    for _ in range(5):
        ravi.sends_photo()
    ravi.taps("Skip")
    ravi.sends_photo()
    done = ravi.taps("Submit")
    assert "has been submitted" in str(done)

    runtime = stack.runtime
    approver = Actor("officer", "sdm", role=Role.APPROVING_OFFICER, department="revenue")
    with transaction(runtime.sessions) as session:
        application = session.scalars(select(Application)).one()
        runtime.workflow.approve(
            session, application, actor=approver
        )  # issues the certificate, if any
    # Meta's webhooks carry the number until the worker has read them (seconds): what is checked
    # is what stays, so the delivery statuses of the approval's messages are processed first.
    settled(runtime)

    found: dict[str, list[str]] = {}
    with transaction(runtime.sessions) as session:
        for table in metadata.sorted_tables:
            rows = session.execute(text(f'SELECT * FROM "{table.name}"')).all()
            hits = canaries(" ".join(str(row) for row in rows))
            if hits:
                found[f"table {table.name}"] = hits
    formatter = JsonFormatter()
    log_hits = canaries(" ".join(formatter.format(record) for record in caplog.records))
    if log_hits:
        found["logs"] = log_hits
    store = runtime.conversations.uploads.store  # type: ignore[union-attr]
    pdftotext = shutil.which("pdftotext")
    pdfs = 0
    for key in list(store.keys()):
        data = store.get(key)
        if data.startswith(b"%PDF") and pdftotext:
            pdfs += 1
            extracted = subprocess.run(
                [pdftotext, "-", "-"], input=data, capture_output=True, check=True
            ).stdout
            if hits := canaries(extracted.decode("utf-8", "replace")):
                found[f"pdf {key}"] = hits
    assert found == {}, found
