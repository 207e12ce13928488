"""What each officer role may do in the back office.

The workflow (``applications/workflow.py``) has the last word on every decision (maker–checker,
open and paid applications, the stages); this table decides which forms an officer is shown and
which requests are refused before the workflow is asked. IT administrators run the system and
see no citizen data here (security-compliance §2.4): they watch the dashboard instead.
"""

from __future__ import annotations

from enum import StrEnum

from sevadwar.catalogue.schema import Role


class Permission(StrEnum):
    VIEW_APPLICATIONS = "view_applications"
    VERIFY_DOCUMENTS = "verify_documents"
    REQUEST_INFO = "request_info"
    FIELD_VERIFICATION = "field_verification"
    FORWARD = "forward"
    DECIDE = "decide"
    HANDLE_TICKETS = "handle_tickets"


# Seniority: an officer may finish a stage meant for their role or a junior one.
RANK: dict[Role, int] = {
    Role.DEALING_ASSISTANT: 1,
    Role.VERIFYING_OFFICER: 2,
    Role.APPROVING_OFFICER: 3,
    Role.DEPARTMENT_ADMIN: 4,
    Role.IT_ADMIN: 0,
}

_CASEWORK = frozenset(
    {Permission.VIEW_APPLICATIONS, Permission.REQUEST_INFO, Permission.HANDLE_TICKETS}
)

# Deciders do not verify or send for field verification: the workflow would make them the
# "maker" of the application and so unable to decide it (maker–checker).
PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.DEALING_ASSISTANT: _CASEWORK
    | {Permission.VERIFY_DOCUMENTS, Permission.FIELD_VERIFICATION, Permission.FORWARD},
    Role.VERIFYING_OFFICER: _CASEWORK
    | {Permission.VERIFY_DOCUMENTS, Permission.FIELD_VERIFICATION, Permission.FORWARD},
    Role.APPROVING_OFFICER: _CASEWORK | {Permission.FORWARD, Permission.DECIDE},
    Role.DEPARTMENT_ADMIN: _CASEWORK
    | {
        Permission.VERIFY_DOCUMENTS,
        Permission.FIELD_VERIFICATION,
        Permission.FORWARD,
        Permission.DECIDE,
    },
    Role.IT_ADMIN: frozenset(),
}

# A second factor is required for these roles (DESIGN: "a TOTP second factor required for
# approvers and admins"); optional for the others.
SECOND_FACTOR_REQUIRED = frozenset({Role.APPROVING_OFFICER, Role.DEPARTMENT_ADMIN, Role.IT_ADMIN})

# Who may be named for a field verification.
FIELD_VERIFIERS = frozenset({Role.DEALING_ASSISTANT, Role.VERIFYING_OFFICER})


def can(role: Role, permission: Permission) -> bool:
    return permission in PERMISSIONS.get(role, frozenset())


def may_finish_stage(role: Role, stage_role: Role) -> bool:
    """Whether ``role`` may forward an application out of a stage assigned to ``stage_role``."""
    return can(role, Permission.FORWARD) and RANK[role] >= RANK[stage_role]


def needs_department(role: Role) -> bool:
    return role is not Role.IT_ADMIN
