"""The processed-update record: each Telegram update is handled once per deployment (issue 15 §2).

Telegram may deliver an update twice — it re-sends a webhook call that got no answer (to whichever
process the balancer picks), and a standby that took over polling after a crash gets the updates the dead
leader took but had not confirmed. ``processed_updates`` keeps the ``update_id`` of every update handled,
with the moment it was taken; rows older than ``KEEP`` are pruned (Telegram keeps an update for 24 hours).

**Only on PostgreSQL.** SQLite has one process: polling confirms updates by offset, and a webhook call is
answered after the update was handled, so only a crash re-delivers one. The record would cost SQLite a read
and a write transaction per update (~0.3 ms beside a ~3 ms update: about 10 %, more than the few per cent the
embedded default may lose), so SQLite runs without it, exactly as before; the table exists in both schemas.

**The crash window, and why the record commits after the update's effects.** Recording at the start and
committing at once would lose an update whose process dies between "recorded" and "handled" (the
re-delivery would be skipped). So the claim is a transaction of its own on a small pool of its own:
``INSERT … ON CONFLICT DO NOTHING`` at the start, held open while the handler runs, committed after it
returned, rolled back if it raised. A second delivery of the same update to another process waits on the
first one's uncommitted row: it sees the row committed (handled: skipped) or gone (the handler failed, or its
process died — the server rolls the claim back with the connection: handled now). So two processes never
handle one update at the same time, and a crash never loses one. The one window left is after the
handler's commit and before the claim's: a crash there lets a re-delivery be handled again (at least once,
as without the record) — never lost.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta

import asyncpg

from storage.codec import ts
from storage.db import Conn, Database, fetch_one
from storage.pg import PgConnection

log = logging.getLogger(__name__)

#: How long an update_id is remembered.
KEEP = timedelta(days=3)
#: Each process prunes at most this often (at the first record after the interval).
PRUNE_EVERY = timedelta(hours=1)


class ProcessedUpdateRepository:
    async def recorded(self, conn: Conn, update_id: int) -> bool:
        return await fetch_one(conn, "SELECT 1 FROM processed_updates WHERE update_id = ?", (update_id,)) is not None

    async def record(self, conn: Conn, update_id: int, now: datetime) -> bool:
        """True when the update was not recorded yet (it is now, in ``conn``'s transaction)."""
        cur = await conn.execute("INSERT INTO processed_updates (update_id, taken_at) VALUES (?, ?) "
                                 "ON CONFLICT(update_id) DO NOTHING", (update_id, ts(now)))
        return bool(cur.rowcount == 1)

    async def prune(self, conn: Conn, before: datetime) -> int:
        cur = await conn.execute("DELETE FROM processed_updates WHERE taken_at < ?", (ts(before),))
        return max(cur.rowcount, 0)


class PgUpdateRecord:
    """Several processes: the claim is a transaction held open while the update is handled."""

    def __init__(self, pool: asyncpg.Pool, db: Database) -> None:
        self.repo = ProcessedUpdateRepository()
        self.pool = pool
        self.db = db
        self._pruned: datetime | None = None

    def _prune_due(self, now: datetime) -> bool:
        if self._pruned is not None and now - self._pruned < PRUNE_EVERY:
            return False
        self._pruned = now
        return True

    @classmethod
    async def open(cls, url: str, db: Database, *, size: int) -> PgUpdateRecord:
        # Its own pool: a claim holds a connection while the handler runs on the database's pool.
        return cls(await asyncpg.create_pool(url, min_size=1, max_size=size), db)

    @asynccontextmanager
    async def claim(self, update_id: int, now: datetime) -> AsyncIterator[bool]:
        if self._prune_due(now):     # a statement of its own: the claim below holds no more than its row
            async with self.pool.acquire() as raw:
                await self.repo.prune(PgConnection(raw, self.db.dialect), now - KEEP)
        async with self.pool.acquire() as raw, raw.transaction():
            fresh = await self.repo.record(PgConnection(raw, self.db.dialect), update_id, now)
            yield fresh              # the handler runs; its exception rolls the claim back

    async def close(self) -> None:
        try:
            await asyncio.wait_for(self.pool.close(), timeout=5)
        except (Exception, TimeoutError):
            self.pool.terminate()
