"""Helpers for the back-office tests (the fixtures are in ``conftest.py``).

Officers are made by the real action, applications submitted by the real action with documents
stored through the real upload path, and officers log in over HTTP.
"""

from __future__ import annotations

import io
import re
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from fastapi.testclient import TestClient
from fpdf import FPDF
from PIL import Image
from sqlalchemy import func, select

from sevadwar.applications.actions import do_submit_application
from sevadwar.applications.models import Application
from sevadwar.audit.models import AuditEntry
from sevadwar.catalogue.schema import DocumentSpec, Role
from sevadwar.channels.base import Channel, Citizen, InboundMessage, Media, MessageKind
from sevadwar.documents.uploads import Stored
from sevadwar.messaging.models import OutboxMessage
from sevadwar.nlu.entities import mask_aadhaar
from sevadwar.officers.actions import do_create_officer
from sevadwar.officers.totp import code_at
from sevadwar.runtime import Runtime
from sevadwar.storage.db import transaction
from sevadwar.tickets.actions import do_open_ticket
from sevadwar.tickets.models import Ticket, TicketKind

PASSWORD = "correct horse battery staple"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def jpeg_bytes() -> bytes:
    image = Image.new("RGB", (640, 480), (30, 90, 160))
    for x in range(0, 640, 16):
        for y in range(0, 480, 16):
            image.putpixel((x, y), (250, 250, 250))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG")
    return buffer.getvalue()


def pdf_bytes() -> bytes:
    pdf = FPDF()
    pdf.set_font("helvetica", size=12)
    pdf.add_page()
    pdf.cell(text="Salary slip")
    return bytes(pdf.output())


def csrf_of(html: str) -> str:
    match = CSRF.search(html)
    assert match, "no CSRF token on the page"
    return match.group(1)


@dataclass
class LoggedIn:
    client: TestClient
    officer_id: int
    csrf: str
    username: str

    def post(self, path: str, data: dict[str, str] | None = None, **kwargs: Any) -> Any:
        return self.client.post(
            path, data={"csrf_token": self.csrf, **(data or {})}, follow_redirects=False, **kwargs
        )

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.client.get(path, follow_redirects=False, **kwargs)


@dataclass
class Desk:
    """Builds officers, applications and tickets, and logs officers in."""

    runtime: Runtime
    client: TestClient
    stack: ExitStack
    secrets: dict[str, str | None] = field(default_factory=dict)
    uploads: int = 0

    # ------------------------------------------------------------------ officers

    def officer(
        self, username: str, role: Role, department: str | None = "revenue", *, totp: bool = False
    ) -> int:
        with transaction(self.runtime.sessions) as session:
            created = do_create_officer(
                session,
                self.runtime.cipher,
                username=username,
                password=PASSWORD,
                role=role,
                department=department,
                full_name=username.replace(".", " ").title(),
                actor="system:test",
                now=self.runtime.clock(),
                with_second_factor=totp or None,
            )
            self.secrets[username] = created.totp_secret
            return created.officer.id

    def new_client(self) -> TestClient:
        return self.stack.enter_context(TestClient(self.client.app))

    def code(self, username: str, at: datetime | None = None) -> str:
        secret = self.secrets[username]
        assert secret
        return code_at(secret, at or self.runtime.clock())

    def login(
        self, username: str, *, client: TestClient | None = None, password: str = PASSWORD
    ) -> LoggedIn:
        client = client or self.new_client()
        page = client.get("/office/login")
        assert page.status_code == 200
        response = client.post(
            "/office/login",
            data={"username": username, "password": password, "csrf_token": csrf_of(page.text)},
            follow_redirects=False,
        )
        assert response.status_code == 303, response.text
        if response.headers["location"].startswith("/office/login/code"):
            page = client.get("/office/login/code")
            response = client.post(
                "/office/login/code",
                data={"code": self.code(username), "csrf_token": csrf_of(page.text)},
                follow_redirects=False,
            )
            assert response.status_code == 303, response.text
        home = client.get("/office")
        assert home.status_code == 200
        with transaction(self.runtime.sessions) as session:
            from sevadwar.officers.models import Officer

            officer = session.scalars(select(Officer).where(Officer.username == username)).one()
            officer_id = officer.id
        return LoggedIn(client, officer_id, csrf_of(home.text), username)

    # ------------------------------------------------------------------ applications

    def upload(
        self,
        citizen_key: str,
        service_id: str,
        spec_id: str,
        data: bytes,
        mime: str,
        *,
        spec: DocumentSpec | None = None,
        replace: bool = True,
    ) -> Stored:
        uploads = self.runtime.conversations.uploads
        assert uploads is not None
        uploads.simulator_media.mkdir(parents=True, exist_ok=True)
        self.uploads += 1
        name = f"upload-{self.uploads}"
        (uploads.simulator_media / name).write_bytes(data)
        message = InboundMessage(
            message_id=f"m-{self.uploads}",
            citizen=Citizen(key=citizen_key, channel=Channel.SIMULATOR),
            timestamp=self.runtime.clock(),
            kind=MessageKind.IMAGE if mime.startswith("image/") else MessageKind.DOCUMENT,
            media=Media(media_id=name, mime_type=mime),
        )
        spec = spec or self.runtime.catalogue[service_id].document(spec_id)
        with transaction(self.runtime.sessions) as session:
            result = uploads.receive(session, message, service_id, spec, replace=replace)
        assert isinstance(result, Stored), result
        return result

    def income_application(self, *, citizen: str = "919810000001", language: str = "hi") -> str:
        """An income certificate application (Revenue) with a photo and a PDF."""
        photo = self.upload(citizen, "income", "photo", jpeg_bytes(), "image/jpeg")
        salary = self.upload(citizen, "income", "income_proof", pdf_bytes(), "application/pdf")
        answers = {
            "applicant_name": "Ramesh Kumar",
            "father_name": "Suresh Kumar",
            "gender": "male",
            "date_of_birth": "1990-08-15",
            "occupation": "labour",
            "family_members": 5,
            "family_annual_income": 180000,
            "ration_card_type": "none",
            "housing": "rented",
            "address": "H. No. 12, Gali No. 3, Sant Nagar, Burari",
            "pincode": "110084",
            "district": "north",
            "aadhaar": {
                "enc": self.runtime.cipher.encrypt("234567890124"),
                "masked": mask_aadhaar("234567890124"),
            },
        }
        documents = {
            "photo": {
                "document_id": photo.document_id,
                "sha256": photo.sha256,
                "type": photo.file_type,
            },
            "income_proof": {
                "document_id": salary.document_id,
                "sha256": salary.sha256,
                "type": salary.file_type,
            },
            "previous_certificate": {"skipped": True},
        }
        return self._submit("income", citizen, language, answers, documents)

    def birth_application(self, *, citizen: str = "919810000002", language: str = "en") -> str:
        """A birth certificate application (MCD), free of charge."""
        report = self.upload(
            citizen, "birth-certificate", "hospital_birth_report", pdf_bytes(), "application/pdf"
        )
        answers = {
            "child_name": "Aarav",
            "father_name": "Vikram Singh",
            "mother_name": "Priya Singh",
            "sex": "male",
        }
        documents = {
            "hospital_birth_report": {
                "document_id": report.document_id,
                "sha256": report.sha256,
                "type": "pdf",
            }
        }
        return self._submit("birth-certificate", citizen, language, answers, documents)

    def _submit(
        self,
        service_id: str,
        citizen: str,
        language: str,
        answers: dict[str, Any],
        documents: dict[str, Any],
    ) -> str:
        with transaction(self.runtime.sessions) as session:
            application = do_submit_application(
                session,
                self.runtime.catalogue[service_id],
                citizen_key=citizen,
                channel="whatsapp",
                language=language,
                answers=answers,
                documents=documents,
                fee_paise=0,
                now=self.runtime.clock(),
            )
            return application.reference

    def ticket(
        self,
        kind: TicketKind,
        *,
        reference: str | None = None,
        language: str = "hi",
        citizen: str = "919810000009",
    ) -> int:
        with transaction(self.runtime.sessions) as session:
            ticket = do_open_ticket(
                session,
                kind=kind,
                citizen_key=citizen,
                channel="whatsapp",
                language=language,
                text="मेरा आवेदन अटका हुआ है" if kind is TicketKind.GRIEVANCE else "",
                reference=reference,
                now=self.runtime.clock(),
            )
            return ticket.id

    # ------------------------------------------------------------------ reading

    def application(self, reference: str) -> Application:
        with transaction(self.runtime.sessions) as session:
            return session.scalars(
                select(Application).where(Application.reference == reference)
            ).one()

    def ticket_row(self, ticket_id: int) -> Ticket:
        with transaction(self.runtime.sessions) as session:
            ticket = session.get(Ticket, ticket_id)
            assert ticket is not None
            return ticket

    def documents(self, reference: str) -> list[Any]:
        from sevadwar.documents.models import Document

        with transaction(self.runtime.sessions) as session:
            application = session.scalars(
                select(Application).where(Application.reference == reference)
            ).one()
            return list(
                session.scalars(
                    select(Document)
                    .where(Document.application_id == application.id)
                    .order_by(Document.id)
                )
            )

    def outbox_texts(self, citizen: str) -> list[str]:
        with transaction(self.runtime.sessions) as session:
            rows = session.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.citizen_key == citizen)
                .order_by(OutboxMessage.id)
            )
            return [str(r.payload.get("text") or r.payload.get("body") or r.payload) for r in rows]

    def audit(self, subject: str | None = None) -> list[AuditEntry]:
        with transaction(self.runtime.sessions) as session:
            statement = select(AuditEntry).order_by(AuditEntry.id)
            if subject:
                statement = statement.where(AuditEntry.subject == subject)
            return list(session.scalars(statement))

    def counts(self) -> tuple[int, int]:
        with transaction(self.runtime.sessions) as session:
            audit = session.scalar(select(func.count()).select_from(AuditEntry)) or 0
            outbox = session.scalar(select(func.count()).select_from(OutboxMessage)) or 0
            return int(audit), int(outbox)
