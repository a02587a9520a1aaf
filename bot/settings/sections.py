"""The sections of the settings (bot/settings/__init__.py puts them together): each reads its own
variables, by their environment names, from the environment and `.env`."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any, Literal, Self
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BeforeValidator,
    Field,
    SecretStr,
    ValidationInfo,
    create_model,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot import texts
from bot.domain.times import parse_times
from deadlines.calendar import CalendarOverrides, WorkCalendar
from deadlines.rules import RULES, Deadlines, RuleSpec
from deadlines.schedule import Schedule, parse_work_days, parse_work_hours

Clock = Literal["working", "calendar"]

TELEGRAM_API_DEFAULT = "https://api.telegram.org"
#: What Telegram allows in X-Telegram-Bot-Api-Secret-Token.
WEBHOOK_SECRET_RE = re.compile(r"[A-Za-z0-9_-]{1,256}")
#: A shorter webhook secret can be guessed: at least this many characters (issue 13).
WEBHOOK_SECRET_MIN = 32
#: A passphrase for the backups sent to Telegram: at least this many characters.
BACKUP_PASSPHRASE_MIN = 12
#: The minutes of each rule's clock by default (the final clock has none of its own).
RULE_MINUTES = {"route": 30, "decline": 30, "answer": 180, "draft": 60, "approval": 60, "rework": 30,
                "publish": 10, "info": 120}


def _parse_ids(value: object) -> object:
    if isinstance(value, str):
        parts = [p.strip() for p in value.replace(";", ",").split(",")]
        ids: list[int] = []
        for part in parts:
            if not part:
                continue
            try:
                ids.append(int(part))
            except ValueError:
                raise ValueError(texts.CONFIG["id_list"].format(part=part)) from None
        return ids
    if isinstance(value, int):
        return [value]
    return value


def _blank_is_none(value: object) -> object:
    # `HEAD_CHAT_ID=` as copied from .env.example (read from .env, systemd's EnvironmentFile= or Docker's
    # env_file) arrives as "": it means "not set", not a wrong number.
    return None if isinstance(value, str) and not value.strip() else value


IdList = Annotated[list[int], NoDecode, BeforeValidator(_parse_ids)]
Fraction = Annotated[Annotated[float, Field(ge=0, lt=1)] | None, BeforeValidator(_blank_is_none)]


def _secret(value: object, valid: Callable[[str], bool], message: str) -> object:
    """A secret as given: blank is "not set", a malformed one is refused with ``message``."""
    if isinstance(value, str):
        value = value.strip()
        if not value:
            return None
        if not valid(value):
            raise ValueError(message)
    return value


def _token_shape(value: str) -> bool:
    head, _, tail = value.partition(":")
    return head.isdigit() and len(tail) >= 20


def _loopback(url: str) -> bool:
    """Whether the URL's host is this machine (plain http carries the token only there)."""
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _rule_set(value: str) -> frozenset[str]:
    return frozenset(p.strip() for p in value.replace(";", ",").split(",") if p.strip())


class Section(BaseSettings):
    """A group of settings, each read from the environment and `.env` by its own name."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", case_sensitive=False
    )


def _rule_clocks() -> dict[str, Any]:
    """DEADLINE_<RULE>_MINUTES and DEADLINE_<RULE>_CLOCK of every rule of the regulation."""
    fields: dict[str, Any] = {}
    for rule in RULES:
        if rule in RULE_MINUTES:
            fields[f"deadline_{rule}_minutes"] = (int, Field(RULE_MINUTES[rule], ge=0 if rule == "draft" else 1))
        fields[f"deadline_{rule}_clock"] = (Clock, "working")
    return fields


_RuleClocks: Any = create_model("_RuleClocks", __base__=Section, **_rule_clocks())


class DeadlineSettings(_RuleClocks):  # type: ignore[misc]
    """What the regulation's clocks need: the time zone, the working schedule, the calendar and the rules.

    ``python -m deadlines`` reads only these, so a token or a chat setting never stops it.
    """

    calendar_path: Path = Path("./data/calendar.json")
    timezone: str = "Europe/Moscow"
    work_days: str = "mon,tue,wed,thu,fri"
    work_hours: str = "09:00-13:00,14:00-18:00"
    pre_holiday_cut_minutes: int = Field(60, ge=0, le=24 * 60)
    deadline_urgent_answer_minutes: int = Field(120, ge=1)

    @field_validator("timezone")
    @classmethod
    def _tz(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(texts.CONFIG["timezone"].format(value=value)) from None
        return value

    @field_validator("work_days")
    @classmethod
    def _work_days(cls, value: str) -> str:
        parse_work_days(value)
        return value

    @field_validator("work_hours")
    @classmethod
    def _work_hours(cls, value: str) -> str:
        parse_work_hours(value)
        return value

    @model_validator(mode="after")
    def _urgent_fits(self) -> Self:
        if self.deadline_urgent_answer_minutes > self.rule_specs()["answer"].minutes:
            raise ValueError(texts.CONFIG["urgent"])
        return self

    @cached_property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def schedule(self) -> Schedule:
        return Schedule(
            work_days=parse_work_days(self.work_days),
            intervals=parse_work_hours(self.work_hours),
            pre_holiday_cut_minutes=self.pre_holiday_cut_minutes,
        )

    def rule_specs(self) -> dict[str, RuleSpec]:
        return {rule: RuleSpec(minutes=getattr(self, f"deadline_{rule}_minutes", 0),
                               clock=getattr(self, f"deadline_{rule}_clock")) for rule in RULES}

    def build_calendar(self) -> WorkCalendar:
        return WorkCalendar(self.schedule(), self.tz, CalendarOverrides.load(self.calendar_path))

    def build_deadlines(self) -> Deadlines:
        return Deadlines(
            self.build_calendar(), self.rule_specs(), urgent_answer_minutes=self.deadline_urgent_answer_minutes
        )


class TelegramSettings(Section):
    bot_token: SecretStr | None = None
    telegram_api_url: str = TELEGRAM_API_DEFAULT

    @field_validator("bot_token", mode="before")
    @classmethod
    def _token(cls, value: object) -> object:
        return _secret(value, _token_shape, texts.CONFIG["token"])

    @field_validator("telegram_api_url")
    @classmethod
    def _api_url(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if not value.startswith(("http://", "https://")):
            raise ValueError(texts.CONFIG["api_url"])
        if value.startswith("http://") and not _loopback(value):
            raise ValueError(texts.CONFIG["api_url_https"])
        return value


class PeopleSettings(Section):
    admin_ids: IdList = Field(default_factory=list)
    operator_ids: IdList = Field(default_factory=list)
    # The responsible officials (cl. 5): private chat, read-only views, the misses of operational steps.
    official_ids: IdList = Field(default_factory=list)
    head_chat_id: Annotated[int | None, BeforeValidator(_blank_is_none)] = None
    # The republic's directorate (cl. 2, issue 14): every organisation read-only, in private chats.
    coordinator_ids: IdList = Field(default_factory=list)
    # Issue 13 §2: a new member of a department's group acts only after an admin confirms them.
    strict_members: Annotated[bool, BeforeValidator(lambda v: False if _blank_is_none(v) is None else v)] = False


# A reminder when this share of a deadline's time has passed (0 = no reminders): REMIND_<RULE>_FRACTION,
# else REMIND_AT_FRACTION.
_rule_fractions: dict[str, Any] = {f"remind_{rule}_fraction": (Fraction, None) for rule in RULES}
_RuleFractions: Any = create_model("_RuleFractions", __base__=Section, **_rule_fractions)


class ReminderSettings(_RuleFractions):  # type: ignore[misc]
    """bot/jobs/reminders.py."""

    remind_at_fraction: float = Field(0.667, ge=0, lt=1)
    # Rules whose miss is posted in the head's chat (cl. 6, 7; others optional), comma list.
    escalate_rules: str = "answer,final"
    # Rules whose miss goes to the responsible officials' private chats (to the admins when none), comma list.
    escalate_official_rules: str = "route,decline,draft,approval,rework,publish,info"
    # Working days without the author's reply after which the operator is asked to close or answer anyway
    # (docs/workflow.md «Уточнение»).
    clarification_wait_days: int = Field(3, ge=1, le=30)
    # Rules whose miss the coordinator of cl. 2 receives, naming the organisation (issue 14), comma list.
    coordinator_rules: str = "answer,final"

    @field_validator("escalate_rules", "escalate_official_rules", "coordinator_rules")
    @classmethod
    def _escalate_rules(cls, value: str) -> str:
        for name in (p.strip() for p in value.replace(";", ",").split(",")):
            if name and name not in RULES:
                raise ValueError(texts.CONFIG["rule"].format(name=name, rules=", ".join(RULES)))
        return value

    def remind_fractions(self) -> dict[str, float]:
        out: dict[str, float] = {}
        for rule in RULES:
            value = getattr(self, f"remind_{rule}_fraction", None)
            out[rule] = self.remind_at_fraction if value is None else value
        return out

    def escalate_rule_set(self) -> frozenset[str]:
        return _rule_set(self.escalate_rules)

    def escalate_official_rule_set(self) -> frozenset[str]:
        return _rule_set(self.escalate_official_rules)

    def coordinator_rule_set(self) -> frozenset[str]:
        return _rule_set(self.coordinator_rules)


class ReportSettings(Section):
    """bot/services/reports.py, bot/services/surges.py."""

    # Times of the head's digest on working days, comma list (before noon: the previous day; later: today).
    digest_times: str = "09:00,17:30"
    # A surge (cl. 21): at least this many posts on one topic within this much working time.
    surge_min_posts: int = Field(3, ge=2)
    surge_window_minutes: int = Field(120, ge=1)

    @field_validator("digest_times")
    @classmethod
    def _times_of_day(cls, value: str) -> str:
        parse_times(value)
        return value


class WebSettings(Section):
    """Running: polling or webhook, the health check, the stop (bot/app/runner.py, bot/app/web.py)."""

    run_mode: Literal["polling", "webhook"] = "polling"
    # The public https base Telegram calls (webhook mode); the webhook is WEBHOOK_URL + WEBHOOK_PATH.
    webhook_url: str | None = None
    webhook_path: str = "/telegram/webhook"
    webhook_secret: SecretStr | None = None
    # Loopback by default: /healthz and the webhook are reached through a proxy on this machine (the Docker
    # image sets its own WEB_HOST).
    web_host: str = "127.0.0.1"
    web_port: int = Field(8080, ge=0, le=65535)
    health_enabled: bool = True
    # Seconds the whole stop (SIGTERM) may take: updates in progress, the notice being sent.
    shutdown_timeout: float = Field(8.0, gt=0, le=300)
    # Updates handled at once (polling's task limit, the webhook's max_connections).
    updates_concurrency: int = Field(16, ge=1, le=100)
    # Updates a person without a role (a stranger, an unbound group) may send per minute; over it the bot
    # answers once and ignores the rest of the minute. 0: no limit.
    flood_limit: int = Field(20, ge=0)

    @field_validator("run_mode", "webhook_path", "web_host", "web_port", "health_enabled", "shutdown_timeout",
                     "updates_concurrency", "flood_limit", mode="before")
    @classmethod
    def _blank_is_default(cls, value: object, info: ValidationInfo) -> object:
        # `WEB_PORT=` (an env file, Docker's env_file) means "the default", as the Dockerfile's health check reads it.
        if isinstance(value, str) and not value.strip() and info.field_name:
            return cls.model_fields[info.field_name].default
        return value

    @field_validator("webhook_url", mode="before")
    @classmethod
    def _webhook_url(cls, value: object) -> object:
        if isinstance(value, str):
            value = value.strip().rstrip("/")
            if not value:
                return None
            if not value.startswith("https://") or len(value) <= len("https://") or any(
                    c in value for c in " ?#"):
                raise ValueError(texts.CONFIG["webhook_url"])
        return value

    @field_validator("webhook_path")
    @classmethod
    def _webhook_path(cls, value: str) -> str:
        value = value.strip()
        if not value.startswith("/") or any(c in value for c in " ?#"):
            raise ValueError(texts.CONFIG["webhook_path"])
        return value

    @field_validator("webhook_secret", mode="before")
    @classmethod
    def _webhook_secret(cls, value: object) -> object:
        value = _secret(value, lambda v: WEBHOOK_SECRET_RE.fullmatch(v) is not None, texts.CONFIG["webhook_secret"])
        if isinstance(value, str) and len(value) < WEBHOOK_SECRET_MIN:
            raise ValueError(texts.CONFIG["webhook_secret_short"].format(min=WEBHOOK_SECRET_MIN))
        return value

    @model_validator(mode="after")
    def _webhook_complete(self) -> Self:
        if self.run_mode == "webhook":
            missing = [name for name, value in (("WEBHOOK_URL", self.webhook_url),
                                                ("WEBHOOK_SECRET", self.webhook_secret)) if value is None]
            if missing:
                raise ValueError(texts.CONFIG["webhook_missing"].format(
                    plural="ы" if len(missing) > 1 else "", names=" и ".join(missing)))
            if self.web_port == 0:
                raise ValueError(texts.CONFIG["webhook_port"])
        return self

    def webhook_full_url(self) -> str:
        return f"{self.webhook_url or ''}{self.webhook_path}"


class LogSettings(Section):
    """bot/runtime/logs.py."""

    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["text", "json"] = "text"

    @field_validator("log_format", mode="before")
    @classmethod
    def _blank_is_default(cls, value: object) -> object:
        return "text" if isinstance(value, str) and not value.strip() else value
