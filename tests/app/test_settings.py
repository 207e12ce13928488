"""Typed settings: defaults, masked secrets, and a clear stop on invalid values."""

from __future__ import annotations

import pytest

from sevadwar.cli import main
from sevadwar.settings import Settings, SettingsError, load_settings


def test_defaults_run_on_sqlite_with_the_simulator_only(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("SEVADWAR_DATABASE_URL", "SEVADWAR_WHATSAPP_APP_SECRET"):
        monkeypatch.delenv(name, raising=False)
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.database_url == "sqlite:///./var/sevadwar.db"
    assert settings.is_sqlite
    assert not settings.whatsapp_enabled


def test_secrets_are_masked_in_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SEVADWAR_WHATSAPP_APP_SECRET", "super-secret-value")
    monkeypatch.setenv("SEVADWAR_WHATSAPP_ACCESS_TOKEN", "EAAG-token-value")
    settings = load_settings(_env_file=None)
    assert "super-secret-value" not in repr(settings)
    assert "EAAG-token-value" not in str(settings)
    assert settings.whatsapp_app_secret is not None
    assert settings.whatsapp_app_secret.get_secret_value() == "super-secret-value"


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("SEVADWAR_DATABASE_URL", "mysql://root@localhost/x"),
        ("SEVADWAR_WHATSAPP_RATE_PER_SECOND", "-5"),
        ("SEVADWAR_PUBLIC_URL", "not a url"),
        ("SEVADWAR_PAYMENT_PROVIDER", "paypal"),
        ("SEVADWAR_WORKERS", "many"),
    ],
)
def test_invalid_values_name_the_variable(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError) as error:
        load_settings(_env_file=None)
    assert variable in str(error.value)


def test_the_cli_stops_with_the_variable_named(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SEVADWAR_DATABASE_URL", "oracle://nowhere")
    with pytest.raises(SystemExit) as stopped:
        main(["db", "upgrade"])
    assert stopped.value.code == 2
    assert "SEVADWAR_DATABASE_URL" in capsys.readouterr().err


def test_plain_postgresql_urls_use_the_psycopg_driver() -> None:
    settings = Settings(database_url="postgresql://u@h/db", _env_file=None)  # type: ignore[call-arg]
    assert settings.database_url == "postgresql+psycopg://u@h/db"
