"""Issue 13, secrets: a webhook secret too short to resist guessing, a Bot API address that would carry the
token in clear over the network and a too short backup passphrase stop the start with a Russian message
that names the variable and never shows the secret."""

from __future__ import annotations

import pytest

from tests.unit.test_run_settings import message, settings

HOOK = {"run_mode": "webhook", "webhook_url": "https://bot.example.ru"}


@pytest.mark.parametrize("secret", ["a", "Abc_123-xyz", "x" * 31])
def test_a_webhook_secret_shorter_than_32_characters_is_refused_without_showing_it(secret: str) -> None:
    text = message(**HOOK, webhook_secret=secret)
    assert "WEBHOOK_SECRET" in text and "32" in text and "openssl rand -hex 32" in text
    assert f"«{secret}»" not in text


def test_a_webhook_secret_of_32_characters_is_taken() -> None:
    s = settings(**HOOK, webhook_secret="0123456789abcdef" * 2)
    assert s.web.webhook_secret is not None and len(s.web.webhook_secret.get_secret_value()) == 32


@pytest.mark.parametrize("url", ["http://api.telegram.org", "http://10.0.0.5:8081", "http://bot-api:8081",
                                 "http://127.0.0.1.example.ru", "http://[::2]:8081"])
def test_the_bot_api_over_plain_http_is_refused_beyond_this_machine(url: str) -> None:
    text = message(telegram_api_url=url)
    assert "TELEGRAM_API_URL" in text and "https://" in text and "127.0.0.1" in text


@pytest.mark.parametrize("url", ["https://api.telegram.org", "https://bot-api.example.ru:8443/",
                                 "http://127.0.0.1:8081", "http://127.5.6.7", "http://localhost:8081",
                                 "http://[::1]:8081"])
def test_https_or_a_loopback_address_is_taken(url: str) -> None:
    assert settings(telegram_api_url=url).telegram.telegram_api_url == url.rstrip("/")


def test_the_backup_passphrase_is_secret_and_at_least_12_characters() -> None:
    assert settings().backups.backup_passphrase is None
    assert settings(backup_passphrase="  ").backups.backup_passphrase is None
    s = settings(backup_passphrase="correct horse battery")
    assert s.backups.backup_passphrase is not None
    assert s.backups.backup_passphrase.get_secret_value() == "correct horse battery"
    assert "correct horse" not in repr(s)
    text = message(backup_passphrase="short-pass")
    assert "BACKUP_PASSPHRASE" in text and "12" in text and "short-pass" not in text


def test_the_web_server_listens_on_the_loopback_by_default() -> None:
    assert settings().web.web_host == "127.0.0.1"
