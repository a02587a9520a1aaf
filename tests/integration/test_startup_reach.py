"""Telegram unreachable when the bot starts: tried again with backoff, one log line per attempt, /healthz
says so, and polling starts as soon as Telegram answers (the waits move the fake clock: nothing sleeps)."""

from __future__ import annotations

import asyncio
import logging
import socket
from pathlib import Path
from typing import Any

import pytest
from aiogram.exceptions import TelegramNetworkError, TelegramUnauthorizedError
from aiogram.methods import DeleteWebhook

from bot.app.reach import WAIT_CAP, TelegramReach, next_wait, until_telegram_answers
from bot.app.runner import serve
from bot.runtime.clock import FakeClock
from tests.support.harness import make_harness


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def down() -> TelegramNetworkError:
    return TelegramNetworkError(DeleteWebhook(), "Cannot connect to host api.telegram.org:443")


async def test_unreachable_telegram_at_start_is_retried_with_backoff_then_the_bot_serves(
        tmp_path: Path, clock: FakeClock, caplog: pytest.LogCaptureFixture) -> None:
    h = await make_harness(tmp_path, clock, run_mode="webhook", webhook_url="https://bot.example.ru",
                           webhook_secret="s" * 32, web_host="127.0.0.1", web_port=free_port(),
                           backup_times="")
    for _ in range(3):
        h.session.fail_next("setWebhook", down())
    h.session.fail_next("setMyCommands", down())            # the menu too: set once Telegram answers
    stop = asyncio.Event()
    waits: list[float] = []
    health: list[dict[str, Any]] = []

    async def fake_sleep(seconds: float) -> None:       # the wait moves the clock instead of sleeping
        waits.append(seconds)
        health.append((await h.app.health.report())[1])
        clock.advance(seconds=seconds)

    def webhook_set(params: Any) -> bool:               # Telegram answers: the bot serves; the test then stops it
        stop.set()
        return True

    h.session.set_result("setWebhook", webhook_set)
    caplog.set_level(logging.INFO, logger="bot.app")
    await asyncio.wait_for(serve(h.app, stop, sleep=fake_sleep), timeout=30)

    assert waits == [1.0, 2.0, 4.0]
    assert len(h.session.calls("setWebhook")) == 4
    lines = [r.getMessage() for r in caplog.records if "does not answer" in r.getMessage()]
    assert len(lines) == 3 and "attempt 1" in lines[0] and "next try in 1 s" in lines[0]
    assert all("\n" not in line and "Traceback" not in line for line in lines)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR and r.name.startswith("bot.")]
    assert health[0]["telegram"]["reached"] is False and "telegram" in health[0]["problems"]
    assert health[-1]["telegram"]["attempts"] == 3 and "Cannot connect" in health[-1]["telegram"]["last_error"]
    assert h.app.health.telegram.reached and not h.app.health.telegram.failing
    assert len(h.session.calls("setMyCommands")) == 3        # failed once at start, then both scopes
    assert not [r for r in caplog.records if r.exc_info]     # readable lines, no traceback


async def test_polling_start_retries_delete_webhook_the_same_way(tmp_path: Path, clock: FakeClock) -> None:
    h = await make_harness(tmp_path, clock)
    h.session.fail_next("deleteWebhook", down())
    stop = asyncio.Event()
    reach = TelegramReach()
    waits: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        waits.append(seconds)

    ok, _ = await until_telegram_answers(lambda: h.app.bot.delete_webhook(drop_pending_updates=False), reach,
                                         stop, fake_sleep)
    assert ok and waits == [1.0] and reach.attempts == 2 and len(h.session.calls("deleteWebhook")) == 2
    await h.app.close()


def test_backoff_doubles_up_to_a_minute() -> None:
    waits = [1.0]
    for _ in range(8):
        waits.append(next_wait(waits[-1]))
    assert waits[:7] == [1, 2, 4, 8, 16, 32, 60] and max(waits) == WAIT_CAP


async def test_a_stop_while_telegram_is_down_ends_the_start_without_an_error() -> None:
    stop = asyncio.Event()
    reach = TelegramReach()

    async def call() -> bool:
        raise down()

    async def sleep(seconds: float) -> None:
        stop.set()

    assert await until_telegram_answers(call, reach, stop, sleep) == (False, None)
    assert reach.attempts == 1 and reach.failing


async def test_a_wrong_token_is_not_retried() -> None:
    async def call() -> bool:
        raise TelegramUnauthorizedError(DeleteWebhook(), "Unauthorized")

    with pytest.raises(TelegramUnauthorizedError):
        await until_telegram_answers(call, TelegramReach(), asyncio.Event(), lambda s: asyncio.sleep(0))
