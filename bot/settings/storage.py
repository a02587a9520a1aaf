"""The storage sections of the settings: the database (SQLite file or PostgreSQL URL) and the backups."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import BeforeValidator, Field, SecretStr, field_validator

from bot import texts
from bot.domain.times import parse_times
from bot.settings.sections import BACKUP_PASSPHRASE_MIN, Section, _secret


def _postgresql_url(value: object) -> object:
    text = value.get_secret_value() if isinstance(value, SecretStr) else ("" if value is None else str(value))
    if not text.strip():
        return None
    if not text.startswith(("postgresql://", "postgres://")):
        raise ValueError(texts.CONFIG["database_url"])
    return text


class StorageSettings(Section):
    database_path: Path = Path("./data/bot.sqlite3")
    # Issue 15: empty — SQLite at DATABASE_PATH; postgresql://user:password@host:port/db — PostgreSQL 14+
    # for everything (docs/postgresql.md).
    database_url: Annotated[SecretStr | None, BeforeValidator(_postgresql_url)] = None

    # Months after a case is finished until its personal data is anonymised (bot/services/retention.py).
    retention_months: int = Field(36, ge=1, le=1200)

    def database_target(self) -> str | Path:
        """What ``storage.connect.open_database`` gets: the PostgreSQL URL when set, else the SQLite file."""
        return self.database_url.get_secret_value() if self.database_url else self.database_path


class BackupSettings(Section):
    """bot/services/backups.py, storage/backup.py; docs/backup.md."""

    # Folder of the backups; how many scheduled/manual backups to keep; daily times (empty: none).
    backup_dir: Path = Path("./data/backups")
    backup_keep: int = Field(14, ge=1)
    backup_times: str = "03:00"
    # The passphrase /backup encrypts with before the file leaves the server (scrypt + AES-GCM,
    # storage/backup_crypto.py); without it /backup refuses to send. Local scheduled backups stay plain.
    backup_passphrase: SecretStr | None = None

    @field_validator("backup_passphrase", mode="before")
    @classmethod
    def _passphrase(cls, value: object) -> object:
        return _secret(value, lambda v: len(v) >= BACKUP_PASSPHRASE_MIN,
                       texts.CONFIG["backup_passphrase"].format(min=BACKUP_PASSPHRASE_MIN))

    @field_validator("backup_times")
    @classmethod
    def _times_of_day(cls, value: str) -> str:
        parse_times(value)
        return value
