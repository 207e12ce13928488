"""The audit chain is linked at commit: a long transaction that audits does not hold up others,
a rolled-back one leaves nothing, and the chain stays whole and in id order."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from sevadwar.audit.actions import do_append_audit, verify_chain
from sevadwar.audit.models import AuditEntry
from sevadwar.runtime import Runtime
from sevadwar.storage.db import transaction


def _append(session: object, action: str) -> None:
    do_append_audit(session, actor="system:test", action=action, subject="test:1")  # type: ignore[arg-type]


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)  # SQLite: one writer
def test_an_open_transaction_does_not_hold_up_another_that_audits(runtime: Runtime) -> None:
    with runtime.sessions() as slow:
        slow.begin()
        _append(slow, "first.started")
        slow.flush()
        with transaction(runtime.sessions) as quick:
            # Were the chain's lock taken at the first append, this would wait for the open
            # transaction above: fail after two seconds rather than hang.
            quick.execute(text("SET LOCAL lock_timeout = '2s'"))
            _append(quick, "second")
        _append(slow, "first.finished")
        slow.commit()
    with runtime.sessions() as session:
        actions = list(session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))
        assert actions == ["second", "first.started", "first.finished"]
        report = verify_chain(session)
        assert report.ok and report.rows == 3


def test_a_rolled_back_transaction_leaves_no_entry(runtime: Runtime) -> None:
    with runtime.sessions() as session:
        session.begin()
        _append(session, "undone")
        session.rollback()
        session.begin()
        _append(session, "kept")
        session.commit()
    with runtime.sessions() as session:
        assert list(session.scalars(select(AuditEntry.action))) == ["kept"]
        assert verify_chain(session).ok
