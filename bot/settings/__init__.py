"""Settings from the environment and `.env` (pydantic-settings), in sections (bot/settings/sections.py).

Every variable keeps its environment name (BOT_TOKEN, DATABASE_PATH, …), documented in `.env.example`;
each section reads its own variables (``settings.telegram.bot_token``, ``settings.storage.database_path``).
``Settings(**values)`` takes values by those names too, whatever their section. A wrong value stops the
start with a message that names the variable (`describe_validation_error`).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError
from pydantic.fields import FieldInfo

from bot import texts
from bot.settings.sections import (
    DeadlineSettings,
    LogSettings,
    PeopleSettings,
    ReminderSettings,
    ReportSettings,
    Section,
    TelegramSettings,
    WebSettings,
)
from bot.settings.storage import BackupSettings, StorageSettings


class Settings(BaseModel):
    """Everything the bot reads, section by section."""

    model_config = ConfigDict(frozen=True)

    deadlines: DeadlineSettings
    telegram: TelegramSettings
    people: PeopleSettings
    storage: StorageSettings
    backups: BackupSettings
    reminders: ReminderSettings
    reports: ReportSettings
    web: WebSettings
    logs: LogSettings

    def __init__(self, **values: Any) -> None:
        """Values by their environment names (``database_path=…``), the rest from the environment and
        `.env` (``_env_file=None``: not from `.env`); every wrong value of every section in one error."""
        env_file = {"_env_file": values.pop("_env_file")} if "_env_file" in values else {}
        sections: dict[str, Section] = {}
        errors: list[Any] = []
        for name, field in type(self).model_fields.items():
            section: type[Section] = field.annotation  # type: ignore[assignment]
            try:
                sections[name] = section(**env_file, **{k: v for k, v in values.items() if k in section.model_fields})
            except ValidationError as exc:
                errors.extend(exc.errors())
        if errors:
            raise ValidationError.from_exception_data(type(self).__name__, errors)
        super().__init__(**sections)

    @classmethod
    def variables(cls) -> dict[str, FieldInfo]:
        """Every setting by its name (the environment variable in lower case), whatever its section."""
        return {name: info for field in cls.model_fields.values()
                for name, info in field.annotation.model_fields.items()}  # type: ignore[union-attr]


def load_deadline_settings(**overrides: object) -> DeadlineSettings:
    """Only the deadline settings (``python -m deadlines``): BOT_TOKEN and the chats are not read."""
    return DeadlineSettings(**overrides)  # type: ignore[arg-type]


def describe_validation_error(error: ValidationError) -> str:
    """One Russian line per wrong variable, naming it as it is spelled in `.env`."""
    lines = []
    for item in error.errors():
        loc = [str(p) for p in item.get("loc", ()) if not str(p).isdigit()]
        message = str(item.get("msg", "")).removeprefix("Value error, ")
        name = loc[0].upper() if loc else ""
        if name:
            value = item.get("input")
            hidden = any(w in name.lower() for w in ("token", "secret", "passphrase")) or isinstance(value, dict)
            shown = "" if hidden else texts.CONFIG_WRONG_VALUE_SHOWN.format(value=value)
            lines.append(texts.CONFIG_WRONG_VALUE.format(name=name, shown=shown, message=message))
        else:
            lines.append(texts.CONFIG_ERROR.format(message=message))
    return "\n".join(lines) + texts.CONFIG_FIX_HINT
