"""Start-up checks (bot/app/startup.py): the database, the migrations, the calendar, the chats."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.app.startup import StartupFatal, run_startup_checks
from bot.runtime.clock import FakeClock
from storage.db import load_migrations
from storage.pg_db import PgDatabase
from tests.conftest import msk
from tests.support import updates
from tests.support.harness import ADMIN, DEPT_B_CHAT, HEAD_CHAT, Harness, bind_departments, make_harness

NOVEMBER = msk(2026, 11, 10, 10, 0)        # the 2026 calendar is confirmed; not yet December


@pytest.fixture
async def h(tmp_path: Path) -> AsyncIterator[Harness]:
    harness = await make_harness(tmp_path, FakeClock(NOVEMBER))
    await bind_departments(harness)                        # the bot answered there: Telegram knows both chats
    harness.session.core.set_chat(HEAD_CHAT, type="supergroup", title="Глава")
    yield harness
    await harness.app.close()


async def alerts(h: Harness) -> list[dict[str, object]]:
    rows = await h.app.db.fetchall("SELECT dedup_key, payload FROM outbox WHERE kind = 'admin_alert' ORDER BY id")
    return [{"key": r["dedup_key"], "text": json.loads(r["payload"])["text"]} for r in rows]


async def test_all_fine_no_alert(h: Harness) -> None:
    assert await run_startup_checks(h.app.checks) == []
    assert await alerts(h) == []
    checked = [(r.__api_method__, int(r.chat_id)) for r in h.session.calls()
               if r.__api_method__ in ("getChat", "getChatMember")]
    assert sorted(set(checked)) == sorted({(m, c) for m in ("getChat", "getChatMember")
                                           for c in (HEAD_CHAT, -1001, DEPT_B_CHAT)})


async def test_a_missing_department_chat_alerts_the_admins_once_naming_the_department(h: Harness) -> None:
    h.session.core.forget_chat(DEPT_B_CHAT)                 # the group was deleted
    problems = await run_startup_checks(h.app.checks)
    assert len(problems) == 1 and "Дорожный отдел" in problems[0] and "chat not found" in problems[0]
    found = await alerts(h)
    assert len(found) == 1 and "Проверка при запуске бота" in str(found[0]["text"])
    await h.app.notifier.flush()
    assert any("Дорожный отдел" in t and "chat not found" in t for t in h.session.sent_texts(ADMIN))
    # A restart the same day with the same problem does not alert again.
    await run_startup_checks(h.app.checks)
    assert len(await alerts(h)) == 1


async def test_the_bot_removed_from_a_chat_and_an_unbound_head_chat_are_listed(tmp_path: Path) -> None:
    h = await make_harness(tmp_path, FakeClock(NOVEMBER), head_chat_id=None)
    try:
        await bind_departments(h)
        h.session.core.set_member(-1001, updates.bot_user_dict(42), "left")
        problems = await run_startup_checks(h.app.checks)
        assert len(problems) == 2
        assert "чат главы не подключён" in problems[0]
        assert "Отдел ЖКХ" in problems[1] and "не состоит в чате" in problems[1]
        assert len(await alerts(h)) == 1
    finally:
        await h.app.close()


async def test_an_unconfirmed_calendar_is_in_the_alert(tmp_path: Path) -> None:
    """In December the next year's calendar must be confirmed too (2027 is not in the data)."""
    h = await make_harness(tmp_path, FakeClock(msk(2026, 12, 1, 10, 0)))
    try:
        await bind_departments(h)
        h.session.core.set_chat(HEAD_CHAT, type="supergroup", title="Глава")
        problems = await run_startup_checks(h.app.checks)
        assert len(problems) == 1 and "календарь на 2027 год не подтверждён" in problems[0]
    finally:
        await h.app.close()


async def test_migrations_not_applied_are_reported(h: Harness) -> None:
    if h.app.db.is_postgresql:               # PostgreSQL keeps its version in a table (storage/pg_db.py)
        await h.app.db.execute("DELETE FROM schema_version WHERE version <> (SELECT MIN(version) FROM schema_version)")
        await h.app.db.execute("UPDATE schema_version SET version = 4")
    else:
        await h.app.db.execute("PRAGMA user_version = 4")
    problems = await run_startup_checks(h.app.checks)
    assert problems == [f"версия схемы базы 4, а у программы миграций {len(load_migrations())}"]


async def read_only(h: Harness, on: bool) -> None:
    """Every write of the bot's database refused, like a read-only file (or lifted again)."""
    db = h.app.db
    if not isinstance(db, PgDatabase):
        await db.conn.execute(f"PRAGMA query_only = {'ON' if on else 'OFF'}")
        return
    name = await db.pool.fetchval("SELECT current_database()")
    setting = "SET default_transaction_read_only = on" if on else "RESET default_transaction_read_only"
    async with db.pool.acquire() as raw:
        await raw.execute("SET default_transaction_read_only = off")     # this session may still lift it
        await raw.execute(f'ALTER DATABASE "{name}" {setting}')
    await db.pool.expire_connections()        # the pool's connections reopen with the database's new default


async def test_a_database_that_cannot_be_written_stops_the_start(h: Harness) -> None:
    await read_only(h, True)
    # PostgreSQL's probe names the server (its URL without the password) and the reason: read-only.
    expected = "База данных PostgreSQL недоступна: .*read-only" if h.app.db.is_postgresql else \
        "Бот не может писать в базу данных"
    with pytest.raises(StartupFatal, match=expected):
        await run_startup_checks(h.app.checks)
    await read_only(h, False)
    assert await alerts(h) == []


async def test_telegram_unreachable_at_start_is_one_problem_not_a_crash(h: Harness) -> None:
    from aiogram.exceptions import TelegramNetworkError
    from aiogram.methods import GetChat

    h.session.fail_next("getChat", TelegramNetworkError(GetChat(chat_id=HEAD_CHAT), "Cannot connect to host"))
    problems = await run_startup_checks(h.app.checks)
    assert len(problems) == 1 and "Telegram не ответил" in problems[0] and "Cannot connect" in problems[0]
    assert len(h.session.calls("getChat")) == 1                 # the other chats were not tried
