"""Officers, their offices, their sessions, and department API keys."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from sevadwar.storage.base import Base, UTCDateTime, utcnow
from sevadwar.storage.encrypted import EncryptedText
from sevadwar.storage.types import BigIntPK


class Office(Base):
    """An office that processes applications (e.g. SDM East for the Revenue Department)."""

    __tablename__ = "offices"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    department: Mapped[str] = mapped_column(String(32))
    code: Mapped[str] = mapped_column(String(48), unique=True)  # e.g. "revenue-east"
    name_en: Mapped[str] = mapped_column(String(200))
    name_hi: Mapped[str] = mapped_column(String(200))
    district: Mapped[str | None] = mapped_column(String(32))  # the catalogue's district option id


class Officer(Base):
    __tablename__ = "officers"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(32))  # catalogue.schema.Role
    department: Mapped[str | None] = mapped_column(String(32))  # None only for IT admins
    office_id: Mapped[int | None] = mapped_column(ForeignKey("offices.id"))
    supervisor_id: Mapped[int | None] = mapped_column(ForeignKey("officers.id"))
    totp_secret: Mapped[str | None] = mapped_column(String(200))  # encrypted
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class OfficerSession(Base):
    __tablename__ = "officer_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 of the cookie token
    officer_id: Mapped[int] = mapped_column(ForeignKey("officers.id"))
    csrf_token: Mapped[str] = mapped_column(String(64))
    second_factor_done: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_officer_sessions_officer", "officer_id"),)


class LoginAttempt(Base):
    """Failed logins by username and by client address, for throttling."""

    __tablename__ = "login_attempts"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(64))
    address: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        Index("ix_login_attempts_username", "username", "at"),
        Index("ix_login_attempts_address", "address", "at"),
    )


class ApiKey(Base):
    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    department: Mapped[str] = mapped_column(String(32))
    prefix: Mapped[str] = mapped_column(
        String(16), unique=True
    )  # shown in lists; the key starts with it
    key_hash: Mapped[str] = mapped_column(String(64))  # sha256 of the whole key
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    name: Mapped[str | None] = mapped_column(String(64))  # the system, e.g. "edistrict"
    webhook_url: Mapped[str | None] = mapped_column(String(500))  # events are POSTed here
    webhook_secret: Mapped[str | None] = mapped_column(  # shown once
        EncryptedText, deferred=True, deferred_group="webhook_secrets"
    )
    # The secret it replaced, still signing events beside the new one until the date (a rotation).
    previous_webhook_secret: Mapped[str | None] = mapped_column(
        EncryptedText, deferred=True, deferred_group="webhook_secrets"
    )
    previous_secret_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
