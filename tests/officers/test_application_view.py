"""The timeline's wording of audit rows."""

from __future__ import annotations

from datetime import UTC, datetime

from sevadwar.audit.models import AuditEntry
from sevadwar.catalogue.loader import default_catalogue_dir, load_catalogue
from sevadwar.officers.application_view import _details
from sevadwar.officers.texts import Texts


def entry(data: dict[str, object]) -> AuditEntry:
    return AuditEntry(
        at=datetime(2026, 11, 28, tzinfo=UTC),
        actor="officer:1",
        action="application.document_verified",
        subject="application:DL-2222-3333",
        data=data,
    )


def test_a_document_sent_in_reply_is_named_not_shown_as_its_id() -> None:
    service = load_catalogue(default_catalogue_dir())["income"]
    hindi = _details(entry({"document": "info_reply", "accepted": True}), service, {}, Texts("hi"))
    assert "जवाब में भेजा गया दस्तावेज़" in hindi and "info_reply" not in hindi
    english = _details(entry({"document": "photo"}), service, {}, Texts("en"))
    assert english == service.document("photo").label.get("en")
    unknown = _details(entry({"document": "mystery"}), service, {}, Texts("en"))
    assert unknown == "mystery"  # no label anywhere: the id, rather than nothing
