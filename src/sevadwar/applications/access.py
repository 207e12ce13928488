"""Who may see which application: the ONE access function every officer-facing path uses.

An officer sees only applications of their own department (and, where they belong to an office,
of that office); IT administrators see everything; department systems (API keys) see their
department. Anything else is "not found", so a guessed reference reveals nothing.
"""

from __future__ import annotations

from sqlalchemy import Select, select, true
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from sevadwar.applications.models import Application
from sevadwar.applications.workflow import Actor
from sevadwar.catalogue.schema import Role


class NotVisible(LookupError):
    """The application does not exist for this actor (answer 404, never 403 with details)."""


def visibility(actor: Actor, *, office_id: int | None = None) -> ColumnElement[bool]:
    """The SQL condition for "applications this actor may see"."""
    if actor.kind == "system" or (actor.kind == "officer" and actor.role is Role.IT_ADMIN):
        return true()
    if not actor.department:
        return Application.id.is_(None)  # nothing
    condition: ColumnElement[bool] = Application.department == actor.department
    if office_id is not None and actor.role not in (Role.DEPARTMENT_ADMIN, None):
        condition = condition & (
            (Application.office_id == office_id) | Application.office_id.is_(None)
        )
    return condition


def visible_applications(actor: Actor, *, office_id: int | None = None) -> Select[Application]:
    return select(Application).where(visibility(actor, office_id=office_id))


def application_for(
    session: Session,
    actor: Actor,
    reference: str,
    *,
    office_id: int | None = None,
    lock: bool = False,
) -> Application:
    """The application with this reference if ``actor`` may see it; else NotVisible."""
    if "\x00" in reference:  # never in a reference, and PostgreSQL refuses it in a query
        raise NotVisible(reference)
    statement = visible_applications(actor, office_id=office_id).where(
        Application.reference == reference
    )
    if lock and session.get_bind().dialect.name == "postgresql":
        statement = statement.with_for_update()
    application = session.scalars(statement).first()
    if application is None:
        raise NotVisible(reference)
    return application
