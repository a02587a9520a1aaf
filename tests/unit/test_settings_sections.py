"""Settings are read by section (`settings.reminders.…`), and the environment variables keep their names:
an administrator's `.env` from an earlier version still configures the same things."""

from __future__ import annotations

import pytest

from bot.settings import Settings

#: Every environment variable the bot reads, as spelled in `.env` before the settings were sectioned.
NAMES = {
    "ADMIN_IDS", "BACKUP_DIR", "BACKUP_KEEP", "BACKUP_TIMES", "BOT_TOKEN", "CALENDAR_PATH",
    "CLARIFICATION_WAIT_DAYS", "DATABASE_PATH", "DATABASE_URL", "DEADLINE_ANSWER_CLOCK", "DEADLINE_ANSWER_MINUTES",
    "DEADLINE_APPROVAL_CLOCK", "DEADLINE_APPROVAL_MINUTES", "DEADLINE_DECLINE_CLOCK", "DEADLINE_DECLINE_MINUTES",
    "DEADLINE_DRAFT_CLOCK", "DEADLINE_DRAFT_MINUTES", "DEADLINE_FINAL_CLOCK", "DEADLINE_INFO_CLOCK",
    "DEADLINE_INFO_MINUTES", "DEADLINE_PUBLISH_CLOCK", "DEADLINE_PUBLISH_MINUTES", "DEADLINE_REWORK_CLOCK",
    "DEADLINE_REWORK_MINUTES", "DEADLINE_ROUTE_CLOCK", "DEADLINE_ROUTE_MINUTES", "DEADLINE_URGENT_ANSWER_MINUTES",
    "DIGEST_TIMES", "ESCALATE_OFFICIAL_RULES", "ESCALATE_RULES", "HEAD_CHAT_ID", "HEALTH_ENABLED", "LOG_FORMAT",
    "LOG_LEVEL", "OFFICIAL_IDS", "OPERATOR_IDS", "PRE_HOLIDAY_CUT_MINUTES", "REMIND_ANSWER_FRACTION",
    "REMIND_APPROVAL_FRACTION", "REMIND_AT_FRACTION", "REMIND_DECLINE_FRACTION", "REMIND_DRAFT_FRACTION",
    "REMIND_FINAL_FRACTION", "REMIND_INFO_FRACTION", "REMIND_PUBLISH_FRACTION", "REMIND_REWORK_FRACTION",
    "REMIND_ROUTE_FRACTION", "RUN_MODE", "SHUTDOWN_TIMEOUT", "SURGE_MIN_POSTS", "SURGE_WINDOW_MINUTES",
    "BACKUP_PASSPHRASE", "TELEGRAM_API_URL", "TIMEZONE", "WEBHOOK_PATH", "WEBHOOK_SECRET", "WEBHOOK_URL", "WEB_HOST", "WEB_PORT",
    "WORK_DAYS", "WORK_HOURS",
    "RETENTION_MONTHS",
    "STRICT_MEMBERS", "UPDATES_CONCURRENCY", "FLOOD_LIMIT",
    "COORDINATOR_IDS",
    "COORDINATOR_RULES",
}


def test_the_environment_variable_names_did_not_change() -> None:
    assert {name.upper() for name in Settings.variables()} == NAMES


@pytest.mark.parametrize(("variable", "value", "section", "expected"), [
    ("DATABASE_PATH", "/srv/bot/bot.sqlite3", "storage", "/srv/bot/bot.sqlite3"),
    ("HEAD_CHAT_ID", "-1001234", "people", -1001234),
    ("SURGE_MIN_POSTS", "7", "reports", 7),
    ("BACKUP_KEEP", "3", "backups", 3),
    ("LOG_LEVEL", "DEBUG", "logs", "DEBUG"),
    ("WEB_PORT", "9090", "web", 9090),
    ("CLARIFICATION_WAIT_DAYS", "5", "reminders", 5),
    ("DEADLINE_ROUTE_MINUTES", "45", "deadlines", 45),
    ("RETENTION_MONTHS", "60", "storage", 60),
])
def test_each_variable_lands_in_its_section(monkeypatch: pytest.MonkeyPatch, variable: str, value: str,
                                            section: str, expected: object) -> None:
    monkeypatch.setenv("BOT_TOKEN", "123456789:" + "A" * 35)
    monkeypatch.setenv(variable, value)
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    got = getattr(getattr(settings, section), variable.lower())
    assert str(got) == str(expected)


def test_the_token_stays_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    token = "123456789:" + "B" * 35
    monkeypatch.setenv("BOT_TOKEN", token)
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert token not in repr(settings) and token not in str(settings.telegram)
    assert settings.telegram.bot_token is not None and settings.telegram.bot_token.get_secret_value() == token
