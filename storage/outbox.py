"""The outbox: messages owed by committed state changes, delivered by the sender."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import aiosqlite

from bot.domain.notices import Json, Notice, NoticeKind, Payload, encode
from storage.codec import dt_req, dumps, ts
from storage.db import fetch_all, fetch_one


@dataclass(frozen=True)
class OutboxItem:
    id: int
    notice: Notice[Json]                  # bot.domain.notices.decode gives the typed payload
    created_at: datetime
    attempts: int


class OutboxRepository:
    async def add(self, conn: aiosqlite.Connection, notice: Notice[Payload], now: datetime) -> int | None:
        """Queue a notice; a repeated dedup_key is ignored (returns None)."""
        cur = await conn.execute(
            "INSERT INTO outbox (kind, case_id, target_kind, target_id, payload, dedup_key, created_at, "
            "next_attempt_at) VALUES (?,?,?,?,?,?,?,?) ON CONFLICT(dedup_key) DO NOTHING",
            (notice.kind.value, notice.case_id, notice.target_kind, notice.target_id,
             dumps(encode(notice.payload)),
             notice.dedup_key, ts(now), ts(notice.not_before or now)),
        )
        return cur.lastrowid if cur.rowcount == 1 else None

    async def due(self, conn: aiosqlite.Connection, now: datetime, limit: int = 100) -> list[OutboxItem]:
        rows = await fetch_all(
            conn, "SELECT * FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL AND next_attempt_at <= ? "
            "ORDER BY next_attempt_at, id LIMIT ?", (ts(now), limit),
        )
        return [
            OutboxItem(
                id=r["id"], created_at=dt_req(r["created_at"]), attempts=r["attempts"],
                notice=Notice(NoticeKind(r["kind"]), r["target_kind"], r["target_id"], r["case_id"],
                              json.loads(r["payload"]), r["dedup_key"]),
            )
            for r in rows
        ]

    async def next_attempt(self, conn: aiosqlite.Connection) -> datetime | None:
        row = await fetch_one(
            conn, "SELECT MIN(next_attempt_at) FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL"
        )
        return dt_req(row[0]) if row and row[0] else None

    async def mark_sent(self, conn: aiosqlite.Connection, item_id: int, now: datetime) -> None:
        await conn.execute("UPDATE outbox SET sent_at = ?, attempts = attempts + 1 WHERE id = ?", (ts(now), item_id))

    async def retry_later(self, conn: aiosqlite.Connection, item_id: int, at: datetime, error: str,
                          *, count: bool = True) -> None:
        await conn.execute("UPDATE outbox SET next_attempt_at = ?, attempts = attempts + ?, error = ? WHERE id = ?",
                           (ts(at), int(count), error[:500], item_id))

    async def defer(self, conn: aiosqlite.Connection, item_id: int, at: datetime) -> None:
        """Not an attempt: the sender chose to send it later (a chat's own rate limit)."""
        await conn.execute("UPDATE outbox SET next_attempt_at = ? WHERE id = ?", (ts(at), item_id))

    async def by_dedup(self, conn: aiosqlite.Connection, dedup_key: str) -> dict[str, Any] | None:
        row = await fetch_one(conn, "SELECT * FROM outbox WHERE dedup_key = ?", (dedup_key,))
        return dict(row) if row else None

    async def mark_failed(self, conn: aiosqlite.Connection, item_id: int, now: datetime, error: str) -> None:
        await conn.execute("UPDATE outbox SET failed_at = ?, attempts = attempts + 1, error = ? WHERE id = ?",
                           (ts(now), error[:500], item_id))

    async def pending_count(self, conn: aiosqlite.Connection) -> int:
        row = await fetch_one(conn, "SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL")
        return int(row[0]) if row else 0

    async def oldest_pending(self, conn: aiosqlite.Connection) -> datetime | None:
        """When the oldest notice still owed (not sent, not given up) was queued."""
        async with conn.execute(
            "SELECT MIN(created_at) FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL"
        ) as cur:
            row = await cur.fetchone()
        return dt_req(row[0]) if row and row[0] else None
