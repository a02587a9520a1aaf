"""Several processes on one database (issue 15 §2): each update once, the outbox claim, the leader's lock.

The processed-update record is PostgreSQL's (SQLite's one process goes without it): its tests run with
``--db=postgresql`` and skip on SQLite; two processes' records at the same instant, SKIP LOCKED and the
advisory lock take the ``pg_url`` fixture.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from aiogram.types import Update

from bot.app.leading import OnceMiddleware, UpdateRecord, update_record_for
from bot.domain.notices import Notice, NoticeKind, Words
from bot.runtime.clock import FakeClock
from storage.connect import open_database
from storage.db import Database
from storage.leader_lock import PgLeaderLock
from storage.outbox import CLAIM_LEASE, OutboxRepository
from storage.processed_updates import KEEP, ProcessedUpdateRepository
from tests.support import backend


async def record_for(db: Database, tmp_path: Path) -> UpdateRecord:
    record = await update_record_for(db, await backend.db_target(tmp_path / "bot.sqlite3"), size=2)
    if record is None:
        pytest.skip("SQLite's one process has no processed-update record (storage/processed_updates.py)")
    return record


def update(update_id: int) -> Update:
    return Update.model_validate({"update_id": update_id})


class Handler:
    def __init__(self, *, fail: bool = False, gate: asyncio.Event | None = None) -> None:
        self.seen: list[int] = []
        self.fail = fail
        self.gate = gate
        self.entered = asyncio.Event()

    async def __call__(self, event: Any, data: dict[str, Any]) -> str:
        self.seen.append(event.update_id)
        self.entered.set()
        if self.gate is not None:
            await self.gate.wait()
        if self.fail:
            raise RuntimeError("the handler failed")
        return "handled"


async def test_an_update_delivered_twice_is_handled_once_even_by_another_process(db: Database, clock: FakeClock,
                                                                                 tmp_path: Path) -> None:
    record = await record_for(db, tmp_path)
    again = await record_for(db, tmp_path)         # a second process
    try:
        first, second, handler = OnceMiddleware(record, clock), OnceMiddleware(again, clock), Handler()
        assert await first(handler, update(500), {}) == "handled"
        assert await first(handler, update(500), {}) is None           # Telegram re-sent it
        assert await second(handler, update(500), {}) is None          # … to the other process
        assert await second(handler, update(501), {}) == "handled"
        assert handler.seen == [500, 501]
        assert await ProcessedUpdateRepository().recorded(db.conn, 500)
    finally:
        await record.close()
        await again.close()


async def test_a_failed_update_is_not_recorded_so_its_redelivery_is_handled(db: Database, clock: FakeClock,
                                                                             tmp_path: Path) -> None:
    record = await record_for(db, tmp_path)
    try:
        once = OnceMiddleware(record, clock)
        with pytest.raises(RuntimeError):
            await once(Handler(fail=True), update(77), {})
        assert not await ProcessedUpdateRepository().recorded(db.conn, 77)
        handler = Handler()
        assert await once(handler, update(77), {}) == "handled" and handler.seen == [77]
        assert not once.in_flight
    finally:
        await record.close()


async def test_the_record_is_pruned_after_a_few_days(db: Database, clock: FakeClock, tmp_path: Path) -> None:
    record = await record_for(db, tmp_path)
    try:
        once = OnceMiddleware(record, clock)
        await once(Handler(), update(1), {})
        clock.advance(KEEP + timedelta(hours=2))
        await once(Handler(), update(2), {})            # the first record after an hour prunes
        repo = ProcessedUpdateRepository()
        assert not await repo.recorded(db.conn, 1) and await repo.recorded(db.conn, 2)
    finally:
        await record.close()


async def test_the_same_update_in_two_processes_at_the_same_instant_is_handled_by_one(pg_url: str,
                                                                                     clock: FakeClock) -> None:
    url = await backend.create_database()
    db = await open_database(url)
    a, b = await update_record_for(db, url, size=2), await update_record_for(db, url, size=2)
    assert a is not None and b is not None
    try:
        gate = asyncio.Event()
        slow, other = Handler(gate=gate), Handler()
        first = asyncio.create_task(OnceMiddleware(a, clock)(slow, update(9), {}))
        await slow.entered.wait()
        second = asyncio.create_task(OnceMiddleware(b, clock)(other, update(9), {}))
        await asyncio.sleep(0.2)        # a real server's lock wait: the second must not get past its claim
        assert not second.done() and other.seen == []
        gate.set()
        assert await first == "handled" and await second is None and other.seen == []

        # The first fails: its claim is rolled back, and the waiting second handles the update.
        gate.clear()
        failing = Handler(fail=True, gate=gate)
        first = asyncio.create_task(OnceMiddleware(a, clock)(failing, update(10), {}))
        await failing.entered.wait()
        second = asyncio.create_task(OnceMiddleware(b, clock)(other, update(10), {}))
        await asyncio.sleep(0.2)
        gate.set()
        with pytest.raises(RuntimeError):
            await first
        assert await second == "handled" and other.seen == [10]
    finally:
        await a.close()
        await b.close()
        await db.close()


def notice(n: int) -> Notice[Words]:
    return Notice(NoticeKind.CHAT_TEXT, "chat", 100 + n, None, Words(f"№{n}"), dedup_key=f"claim-test:{n}")


async def test_two_senders_at_the_same_instant_never_get_the_same_notice(pg_url: str, clock: FakeClock) -> None:
    url = await backend.create_database()
    db = await open_database(url)
    repo = OutboxRepository()
    try:
        async with db.transaction() as conn:
            for n in range(40):
                await repo.add(conn, notice(n), clock.now())
        now = clock.now()
        batches = await asyncio.gather(*(repo.due(db.conn, now, limit=15) for _ in range(4)))
        ids = [item.id for batch in batches for item in batch]
        assert len(ids) == 40 and len(set(ids)) == 40          # disjoint, and every one taken
        assert all(item.claimed for batch in batches for item in batch)
        assert await repo.due(db.conn, now) == []              # all held by their senders

        held = batches[0]
        await repo.release(db.conn, [held[0].id])               # a sender stopping gives one back
        async with db.transaction() as conn:                     # another is retried later: its claim ends
            await repo.retry_later(conn, held[1].id, now, "5xx")
        assert {i.id for i in await repo.due(db.conn, now)} == {held[0].id, held[1].id}

        # A sender killed: the next leader shortens the dead one's claims; they come back when they end.
        async with db.transaction() as conn:
            assert await repo.expire_claims(conn, now + timedelta(seconds=5)) == 40
        assert await repo.due(db.conn, now + timedelta(seconds=4)) == []
        assert len(await repo.due(db.conn, now + timedelta(seconds=5))) == 40
        assert await repo.due(db.conn, now + timedelta(seconds=6)) == []
        assert len(await repo.due(db.conn, now + timedelta(seconds=5) + CLAIM_LEASE)) == 40
    finally:
        await db.close()


async def test_sqlite_keeps_its_plain_due_read(db: Database, clock: FakeClock) -> None:
    if db.is_postgresql:
        pytest.skip("SQLite's one process reads without claiming")
    repo = OutboxRepository()
    async with db.transaction() as conn:
        await repo.add(conn, notice(1), clock.now())
    first, second = await repo.due(db.conn, clock.now()), await repo.due(db.conn, clock.now())
    assert [i.id for i in first] == [i.id for i in second] and not first[0].claimed


async def test_the_leaders_lock_is_held_by_one_session_and_freed_when_it_drops(pg_url: str) -> None:
    url = await backend.create_database(migrated=False)
    broken = asyncio.Event()
    first, second = PgLeaderLock(url, on_broken=broken.set), PgLeaderLock(url)
    try:
        assert await first.acquire() and await first.held()
        assert not await second.acquire() and not await second.held()
        assert await first.acquire()                    # asking again while holding it: still held
        admin = await asyncpg.connect(url)
        try:                                            # the leader's connection dies (kill -9, a cut cable)
            await admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                "WHERE application_name = 'bot-leader-lock' AND pid IN "
                                "(SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted)")
        finally:
            await admin.close()
        await asyncio.wait_for(broken.wait(), timeout=5)       # it hears of it at once
        assert not await first.held()
        assert await second.acquire() and await second.held()
        await first.release()
        assert not await first.acquire()
    finally:
        await first.release()
        await second.release()
