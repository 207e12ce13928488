"""Every feature's models, imported once so ``metadata`` knows every table (Alembic uses it)."""

from __future__ import annotations

from sevadwar.api import models as _api
from sevadwar.applications import models as _applications
from sevadwar.audit import models as _audit
from sevadwar.certificates import models as _certificates
from sevadwar.conversation import models as _conversation
from sevadwar.dashboard import models as _dashboard
from sevadwar.documents import models as _documents
from sevadwar.messaging import models as _messaging
from sevadwar.officers import models as _officers
from sevadwar.payments import models as _payments
from sevadwar.privacy import models as _privacy
from sevadwar.storage.base import Base
from sevadwar.tickets import models as _tickets

metadata = Base.metadata

__all__ = [
    "_api",
    "_applications",
    "_audit",
    "_certificates",
    "_conversation",
    "_dashboard",
    "_documents",
    "_messaging",
    "_officers",
    "_payments",
    "_privacy",
    "_tickets",
    "metadata",
]
