"""RUN_MODE / webhook / web settings: valid ones are taken, wrong ones stop `python -m bot` with exit 2
and a Russian message that names the variable and never shows the secret."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from bot import __main__ as entry
from bot.settings import Settings, describe_validation_error

TOKEN = "123456:TEST-token-for-the-fake-server-abcdef"
GOOD_SECRET = "Abc_123-xyz-0123456789abcdef_ABCDEF"


def settings(**values: object) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def message(**values: object) -> str:
    with pytest.raises(ValidationError) as info:
        settings(**values)
    return describe_validation_error(info.value)


def test_polling_is_the_default_and_needs_no_webhook_settings() -> None:
    s = settings()
    assert s.web.run_mode == "polling" and s.web.web_host == "127.0.0.1" and s.web.web_port == 8080
    assert s.web.webhook_path == "/telegram/webhook" and s.web.health_enabled and s.logs.log_format == "text"


def test_blank_values_mean_the_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("RUN_MODE", "WEBHOOK_URL", "WEBHOOK_PATH", "WEBHOOK_SECRET", "WEB_HOST", "WEB_PORT",
                 "HEALTH_ENABLED", "LOG_FORMAT", "SHUTDOWN_TIMEOUT"):
        monkeypatch.setenv(name, "")
    s = settings()
    assert s.web.run_mode == "polling" and s.web.web_port == 8080 and s.web.webhook_url is None and s.web.webhook_secret is None
    assert s.web.webhook_path == "/telegram/webhook" and s.web.health_enabled and s.web.shutdown_timeout == 8.0


def test_webhook_settings_make_the_public_url() -> None:
    s = settings(run_mode="webhook", webhook_url=" https://bot.example.ru/ ", webhook_secret=GOOD_SECRET,
                 webhook_path="/tg/hook")
    assert s.web.webhook_full_url() == "https://bot.example.ru/tg/hook"
    assert s.web.webhook_secret is not None and s.web.webhook_secret.get_secret_value() == GOOD_SECRET
    assert GOOD_SECRET not in repr(s)
    assert settings(webhook_secret="a" * 256).web.webhook_secret is not None


@pytest.mark.parametrize("secret", ["has space", "кириллица", "semi;colon", "a" * 257, "dot.ted"])
def test_a_secret_with_characters_telegram_refuses_is_named_and_not_shown(secret: str) -> None:
    text = message(run_mode="webhook", webhook_url="https://bot.example.ru", webhook_secret=secret)
    assert "WEBHOOK_SECRET" in text and "A–Z" in text and "256" in text
    assert secret not in text


@pytest.mark.parametrize(("values", "names"), [
    ({}, ["WEBHOOK_URL", "WEBHOOK_SECRET"]),
    ({"webhook_secret": GOOD_SECRET}, ["WEBHOOK_URL"]),
    ({"webhook_url": "https://bot.example.ru"}, ["WEBHOOK_SECRET"]),
])
def test_webhook_mode_without_url_or_secret_says_what_to_set(values: dict[str, object], names: list[str]) -> None:
    text = message(run_mode="webhook", **values)
    assert "RUN_MODE=webhook" in text and "не задан" in text
    for name in names:
        assert name in text
    assert "long polling" in text


@pytest.mark.parametrize("url", ["http://bot.example.ru", "bot.example.ru", "https://bot.example.ru/?a=1"])
def test_the_webhook_url_must_be_public_https(url: str) -> None:
    text = message(run_mode="webhook", webhook_url=url, webhook_secret=GOOD_SECRET)
    assert "WEBHOOK_URL" in text and "https://" in text


def test_other_web_settings_are_checked() -> None:
    assert "WEBHOOK_PATH" in message(webhook_path="telegram")
    assert "WEB_PORT" in message(web_port=70000)
    assert "RUN_MODE" in message(run_mode="hook")
    assert "LOG_FORMAT" in message(log_format="xml")
    assert "WEB_PORT" in message(run_mode="webhook", webhook_url="https://bot.example.ru",
                                 webhook_secret=GOOD_SECRET, web_port=0)


@pytest.mark.parametrize(("env", "expected"), [
    ({"RUN_MODE": "webhook", "WEBHOOK_URL": "https://bot.example.ru", "WEBHOOK_SECRET": "bad secret!"},
     "WEBHOOK_SECRET"),
    ({"RUN_MODE": "webhook", "WEBHOOK_SECRET": GOOD_SECRET}, "WEBHOOK_URL"),
])
def test_python_m_bot_exits_2_with_the_message(env: dict[str, str], expected: str, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)         # no .env of the developer's
    monkeypatch.setenv("BOT_TOKEN", TOKEN)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    assert entry.main() == 2
    err = capsys.readouterr().err
    assert expected in err and ".env" in err and "Traceback" not in err
    assert "bad secret!" not in err and TOKEN not in err
