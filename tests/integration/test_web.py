"""The webhook and /healthz through a real aiohttp server (TestServer + TestClient) on the whole bot."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.app.web import build_web_app
from bot.domain.notices import Notice, NoticeKind, Words
from bot.domain.orgs import Scope
from bot.runtime.clock import FakeClock
from storage.connect import open_database
from storage.db import load_migrations
from storage.outbox import OutboxRepository
from tests.support import updates
from tests.support.backend import db_target
from tests.support.harness import ADMIN, DEPT_A_CHAT, OPERATOR, Harness, make_harness

SECRET = "s3cret_Token-42-0123456789abcdefghij"
HOOK = "/telegram/webhook"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def web_app(h: Harness) -> Any:
    return build_web_app(h.app.settings.web, h.app.dp, h.app.bot, h.app.health)


def forwarded_post() -> dict[str, Any]:
    return updates.private_message_dict(
        OPERATOR, "Во дворе дома на ул. Ленина, 5 не вывозят мусор",
        forward_from_chat=(-100555, "Подслушано Зеленчукская", "zelen_online"), forward_message_id=77)


@pytest.fixture
async def web(tmp_path: Path, clock: FakeClock) -> AsyncIterator[tuple[Harness, TestClient[Any, Any]]]:
    h = await make_harness(tmp_path, clock, run_mode="webhook", webhook_url="https://bot.example.ru",
                           webhook_secret=SECRET)
    await h.app.start_background()
    client: TestClient[Any, Any] = TestClient(TestServer(web_app(h)))
    await client.start_server()
    yield h, client
    await client.close()
    await h.app.close()


async def test_webhook_with_the_right_secret_processes_the_update(
        web: tuple[Harness, TestClient[Any, Any]]) -> None:
    h, client = web
    response = await client.post(HOOK, json=forwarded_post(), headers={SECRET_HEADER: SECRET})
    assert response.status == 200
    await h.app.notifier.flush()
    cases = await h.app.cases.open_cases(scope=Scope.all())
    assert [c.number for c in cases] == ["2026-0001"]
    assert any("Сообщение 2026-0001" in t for t in h.session.sent_texts(OPERATOR))

    response = await client.post(HOOK, json=updates.group_message_dict(DEPT_A_CHAT, ADMIN, "/bind Отдел ЖКХ"),
                                 headers={SECRET_HEADER: SECRET})
    assert response.status == 200
    assert any("подключена" in t for t in h.session.sent_texts(DEPT_A_CHAT))


@pytest.mark.parametrize("headers", [{}, {SECRET_HEADER: "wrong-secret"}, {SECRET_HEADER: SECRET + "x"},
                                     {SECRET_HEADER: ""}], ids=["missing", "wrong", "longer", "empty"])
async def test_webhook_without_the_right_secret_is_refused_and_nothing_is_processed(
        web: tuple[Harness, TestClient[Any, Any]], headers: dict[str, str]) -> None:
    h, client = web
    before = len(h.session.requests)
    response = await client.post(HOOK, json=forwarded_post(), headers=headers)
    assert response.status == 401
    await h.app.notifier.flush()
    assert h.session.requests[before:] == []
    assert await h.app.cases.open_cases(scope=Scope.all()) == []


async def test_webhook_route_takes_only_post(web: tuple[Harness, TestClient[Any, Any]]) -> None:
    _, client = web
    assert (await client.get(HOOK, headers={SECRET_HEADER: SECRET})).status == 405


async def test_healthz_reports_database_scheduler_sender_and_outbox(
        web: tuple[Harness, TestClient[Any, Any]]) -> None:
    h, client = web
    # a notice owed but not due yet: counted as pending, its age grows with the clock
    async with h.app.db.transaction() as conn:
        await OutboxRepository().add(conn, Notice(NoticeKind.CHAT_TEXT, "chat", OPERATOR, None, Words("позже"),
                                                  not_before=h.clock.now() + timedelta(hours=1)), h.clock.now())
    h.clock.advance(seconds=90)
    response = await client.get("/healthz")
    assert response.status == 200
    body = await response.json()
    assert body["status"] == "ok" and body["problems"] == []
    assert body["mode"] == "webhook" and body["uptime_seconds"] >= 0
    assert body["database"] == {"ok": True, "schema_version": len(load_migrations()),
                                "schema_expected": len(load_migrations())}
    assert body["scheduler"]["running"] is True
    assert body["sender"]["alive"] is True
    assert body["sender"]["pending"] == 1
    assert body["sender"]["oldest_pending_age_seconds"] == 90.0


async def test_healthz_is_503_when_the_database_is_closed(web: tuple[Harness, TestClient[Any, Any]]) -> None:
    h, client = web
    await h.app.db.close()
    response = await client.get("/healthz")
    assert response.status == 503
    body = await response.json()
    assert body["status"] == "fail" and "database" in body["problems"]
    assert body["database"]["ok"] is False and body["database"]["error"]


async def test_healthz_is_503_when_the_sender_task_died(web: tuple[Harness, TestClient[Any, Any]]) -> None:
    h, client = web
    sender = next(t for t in h.app.tasks if t.get_name() == "outbox-sender")
    sender.cancel()
    await asyncio.gather(sender, return_exceptions=True)
    response = await client.get("/healthz")
    assert response.status == 503
    body = await response.json()
    assert body["problems"] == ["sender"] and body["sender"]["alive"] is False
    assert body["database"]["ok"] is True


async def test_healthz_is_503_when_the_scheduler_stopped(web: tuple[Harness, TestClient[Any, Any]]) -> None:
    h, client = web
    assert h.app.reminders is not None
    await h.app.reminders.stop()
    response = await client.get("/healthz")
    assert response.status == 503
    assert (await response.json())["problems"] == ["scheduler"]


async def test_polling_mode_serves_healthz_only(tmp_path: Path, clock: FakeClock) -> None:
    h = await make_harness(tmp_path, clock)
    await h.app.start_background()
    async with TestClient(TestServer(web_app(h))) as client:
        assert (await client.post(HOOK, json=forwarded_post(), headers={SECRET_HEADER: SECRET})).status == 404
        response = await client.get("/healthz")
        assert response.status == 200 and (await response.json())["mode"] == "polling"
    assert h.session.requests == []
    await h.app.close()


async def test_health_can_be_switched_off(tmp_path: Path, clock: FakeClock) -> None:
    h = await make_harness(tmp_path, clock, run_mode="webhook", webhook_url="https://bot.example.ru",
                           webhook_secret=SECRET, health_enabled=False)
    async with TestClient(TestServer(web_app(h))) as client:
        assert (await client.get("/healthz")).status == 404
        assert (await client.post(HOOK, json=forwarded_post(), headers={SECRET_HEADER: SECRET})).status == 200
    await h.app.close()


async def test_close_waits_for_the_notice_being_sent_and_is_bounded(tmp_path: Path, clock: FakeClock) -> None:
    """App.close(): the sender finishes what it is sending; a sender stuck past the bound is cancelled."""
    h = await make_harness(tmp_path, clock)
    gate = asyncio.Event()
    entered = asyncio.Event()
    original = h.app.notifier.deliver

    async def slow_deliver(item: Any) -> None:
        entered.set()
        await gate.wait()
        await original(item)

    h.app.notifier.deliver = slow_deliver   # type: ignore[method-assign]
    async with h.app.db.transaction() as conn:
        for n in range(3):     # the first is due now, the others later (the sender would idle for them)
            later = h.clock.now() + timedelta(hours=n)
            await OutboxRepository().add(conn, Notice(NoticeKind.CHAT_TEXT, "chat", OPERATOR, None, Words(f"№{n}"),
                                                      not_before=later), h.clock.now())
    await h.app.start_background()
    h.app.notifier.wake()
    await asyncio.wait_for(entered.wait(), 5)
    closing = asyncio.create_task(h.app.close(within=5))
    await asyncio.sleep(0)
    gate.set()
    await asyncio.wait_for(closing, 2)        # promptly: a stop during a round is not missed
    assert h.session.sent_texts(OPERATOR) == ["№0"]          # the one in flight went out, the rest stayed
    db = await open_database(await db_target(tmp_path / "bot.sqlite3"))
    try:
        assert await OutboxRepository().pending_count(db.conn) == 2
    finally:
        await db.close()

    # bounded: a send that never returns is cancelled when the time is up, and the notice stays queued
    h2 = await make_harness(tmp_path / "second", clock)
    never = asyncio.Event()

    async def stuck(item: Any) -> None:
        entered.set()
        await never.wait()

    entered.clear()
    h2.app.notifier.deliver = stuck   # type: ignore[method-assign]
    async with h2.app.db.transaction() as conn:
        await OutboxRepository().add(conn, Notice(NoticeKind.CHAT_TEXT, "chat", OPERATOR, None, Words("x")),
                                     h2.clock.now())
    await h2.app.start_background()
    h2.app.notifier.wake()
    await asyncio.wait_for(entered.wait(), 5)
    loop = asyncio.get_running_loop()
    started = loop.time()
    await h2.app.close(within=0.3)
    assert loop.time() - started < 2
    assert all(t.done() for t in h2.app.tasks)
    db = await open_database(await db_target(tmp_path / "second" / "bot.sqlite3"))
    try:
        assert await OutboxRepository().pending_count(db.conn) == 1
    finally:
        await db.close()
