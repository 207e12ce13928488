"""One typed settings object, read once from the environment (and ``.env``).

Nothing else in Sevadwar reads ``os.environ``. Secrets are ``SecretStr`` so their ``repr`` is
masked. An invalid value stops the start with a message naming the variable
(:func:`load_settings`).
"""

from __future__ import annotations

import secrets
from enum import StrEnum
from pathlib import Path
from typing import Any

from pydantic import AnyHttpUrl, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ENV_PREFIX = "SEVADWAR_"


class PaymentProvider(StrEnum):
    SANDBOX = "sandbox"
    RAZORPAY = "razorpay"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        frozen=True,
    )

    database_url: str = "sqlite:///./var/sevadwar.db"
    data_dir: Path = Path("./var")
    public_url: AnyHttpUrl = AnyHttpUrl("http://127.0.0.1:8000")
    secret_key: SecretStr | None = None
    catalogue_dir: Path | None = None  # default: ./catalogue, else the one shipped with the code

    whatsapp_access_token: SecretStr | None = None
    whatsapp_phone_number_id: str | None = None
    whatsapp_app_secret: SecretStr | None = None
    whatsapp_verify_token: SecretStr | None = None
    whatsapp_api_base_url: AnyHttpUrl = AnyHttpUrl("https://graph.facebook.com/v24.0")
    whatsapp_fallback_template: str = "service_update"  # approved utility template, 131047 fallback
    whatsapp_rate_per_second: float = Field(default=80.0, gt=0, le=1000)

    payment_provider: PaymentProvider = PaymentProvider.SANDBOX
    razorpay_key_id: str | None = None
    razorpay_key_secret: SecretStr | None = None
    razorpay_webhook_secret: SecretStr | None = None
    razorpay_api_base_url: AnyHttpUrl = AnyHttpUrl("https://api.razorpay.com/v1")

    redis_url: str | None = None  # the shared WhatsApp rate limit in Redis (else the database)
    workers: int = Field(default=4, ge=0, le=64)  # in-process inbox worker threads (0: none)
    senders: int = Field(default=2, ge=0, le=64)  # in-process outbox sender threads
    log_level: str = "INFO"
    log_json: bool = True

    stt_base_url: AnyHttpUrl | None = None  # OpenAI-compatible transcription endpoint
    stt_api_key: SecretStr | None = None
    stt_model: str = "whisper-1"
    llm_base_url: AnyHttpUrl | None = None  # OpenAI-compatible chat endpoint
    llm_api_key: SecretStr | None = None
    llm_model: str = "gpt-4o-mini"

    # A real DSC for certificate PDFs, instead of the key generated into DATA_DIR/keys: a PKCS#12
    # file, or PEM key + certificate (+ chain). Checked at start-up (certificates/keys.py).
    signing_pkcs12: Path | None = None
    signing_pkcs12_password: SecretStr | None = None
    signing_key: Path | None = None
    signing_key_password: SecretStr | None = None  # for an encrypted PEM key
    signing_cert: Path | None = None
    signing_chain: Path | None = None  # intermediate (and root) CA certificates, PEM

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str) -> str:
        if not value.startswith(("sqlite://", "postgresql://", "postgresql+psycopg://")):
            raise ValueError("must start with sqlite:// or postgresql+psycopg://")
        if value.startswith("postgresql://"):
            value = "postgresql+psycopg://" + value.removeprefix("postgresql://")
        return value

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        value = value.upper()
        if value not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
            raise ValueError("must be one of DEBUG, INFO, WARNING, ERROR")
        return value

    @property
    def whatsapp_enabled(self) -> bool:
        return all(
            (
                self.whatsapp_access_token,
                self.whatsapp_phone_number_id,
                self.whatsapp_app_secret,
                self.whatsapp_verify_token,
            )
        )

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def public_base(self) -> str:
        return str(self.public_url).rstrip("/")

    def resolved_secret_key(self) -> bytes:
        """The secret key, generated into ``DATA_DIR/secret_key`` on first start when unset."""
        if self.secret_key is not None:
            return self.secret_key.get_secret_value().encode()
        path = self.data_dir / "secret_key"
        if not path.exists():
            self.data_dir.mkdir(parents=True, exist_ok=True)
            path.write_text(secrets.token_urlsafe(48), encoding="utf-8")
            path.chmod(0o600)
        return path.read_text(encoding="utf-8").strip().encode()


class SettingsError(Exception):
    """Invalid configuration; the message names each offending variable."""


def load_settings(**overrides: Any) -> Settings:
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        lines = []
        for error in exc.errors():
            name = ENV_PREFIX + "_".join(str(part) for part in error["loc"]).upper()
            lines.append(f"{name}: {error['msg']}")
        raise SettingsError("invalid configuration:\n  " + "\n  ".join(lines)) from None
