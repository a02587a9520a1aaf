"""The outbox: messages owed by committed state changes, delivered by the sender."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bot.domain.notices import Json, Notice, NoticeKind, Payload, encode
from storage.codec import dt_req, dumps, ts
from storage.db import Conn, fetch_all, fetch_one

#: The next attempt of a notice whose chat is gone (the bot removed, the group deleted): it waits, neither
#: sent nor failed, until the chat is bound again (``release_waiting``).
WAITING_AT = ts(datetime(9999, 12, 31, tzinfo=UTC))
_PENDING = "sent_at IS NULL AND failed_at IS NULL"
_OWED = f"{_PENDING} AND next_attempt_at < '{WAITING_AT}'"


@dataclass(frozen=True)
class OutboxItem:
    id: int
    notice: Notice[Json]                  # bot.domain.notices.decode gives the typed payload
    created_at: datetime
    attempts: int


class OutboxRepository:
    async def add(self, conn: Conn, notice: Notice[Payload], now: datetime) -> int | None:
        """Queue a notice; a repeated dedup_key is ignored (returns None)."""
        cur = await conn.execute(
            "INSERT INTO outbox (kind, case_id, target_kind, target_id, payload, dedup_key, created_at, "
            "next_attempt_at) VALUES (?,?,?,?,?,?,?,?) ON CONFLICT(dedup_key) DO NOTHING",
            (notice.kind.value, notice.case_id, notice.target_kind, notice.target_id,
             dumps(encode(notice.payload)),
             notice.dedup_key, ts(now), ts(notice.not_before or now)),
        )
        return cur.lastrowid if cur.rowcount == 1 else None

    async def due(self, conn: Conn, now: datetime, limit: int = 100) -> list[OutboxItem]:
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

    async def next_attempt(self, conn: Conn) -> datetime | None:
        row = await fetch_one(conn, f"SELECT MIN(next_attempt_at) FROM outbox WHERE {_OWED}")  # noqa: S608  composes only module constants and ? placeholders; every value is bound
        return dt_req(row[0]) if row and row[0] else None

    async def mark_sent(self, conn: Conn, item_id: int, now: datetime) -> None:
        await conn.execute("UPDATE outbox SET sent_at = ?, attempts = attempts + 1 WHERE id = ?", (ts(now), item_id))

    async def retry_later(self, conn: Conn, item_id: int, at: datetime, error: str,
                          *, count: bool = True) -> None:
        await conn.execute("UPDATE outbox SET next_attempt_at = ?, attempts = attempts + ?, error = ? WHERE id = ?",
                           (ts(at), int(count), error[:500], item_id))

    async def defer(self, conn: Conn, item_id: int, at: datetime) -> None:
        """Not an attempt: the sender chose to send it later (a chat's own rate limit)."""
        await conn.execute("UPDATE outbox SET next_attempt_at = ? WHERE id = ?", (ts(at), item_id))

    async def by_dedup(self, conn: Conn, dedup_key: str) -> dict[str, Any] | None:
        row = await fetch_one(conn, "SELECT * FROM outbox WHERE dedup_key = ?", (dedup_key,))
        return dict(row) if row else None

    async def mark_failed(self, conn: Conn, item_id: int, now: datetime, error: str) -> None:
        await conn.execute("UPDATE outbox SET failed_at = ?, attempts = attempts + 1, error = ? WHERE id = ?",
                           (ts(now), error[:500], item_id))

    async def pending_count(self, conn: Conn) -> int:
        """Notices owed and being delivered (those waiting for a chat not counted)."""
        row = await fetch_one(conn, f"SELECT COUNT(*) FROM outbox WHERE {_OWED}")  # noqa: S608  composes only module constants and ? placeholders; every value is bound
        return int(row[0]) if row else 0

    async def oldest_pending(self, conn: Conn) -> datetime | None:
        """When the oldest notice still owed (not sent, not given up) was queued."""
        async with conn.execute(
            f"SELECT MIN(created_at) FROM outbox WHERE {_OWED}"  # noqa: S608  composes only module constants and ? placeholders; every value is bound
        ) as cur:
            row = await cur.fetchone()
        return dt_req(row[0]) if row and row[0] else None

    # ---- chats that changed --------------------------------------------------------------------------
    async def wait_for_chat(self, conn: Conn, item_id: int, chat_id: int, error: str) -> None:
        """The notice's chat is gone: it waits (not an attempt, not a failure) until released."""
        await conn.execute("UPDATE outbox SET next_attempt_at = ?, error = ? WHERE id = ?",
                           (WAITING_AT, f"waiting for chat {chat_id}: {error}"[:500], item_id))

    async def release_waiting(self, conn: Conn, now: datetime) -> int:
        """Every waiting notice is due again (a chat was bound again); how many."""
        cur = await conn.execute(f"UPDATE outbox SET next_attempt_at = ? WHERE {_PENDING} AND next_attempt_at = ?",  # noqa: S608  composes only module constants and ? placeholders; every value is bound
                                 (ts(now), WAITING_AT))
        return max(cur.rowcount, 0)

    async def waiting(self, conn: Conn) -> tuple[int, datetime | None]:
        """How many notices wait for a chat, and since when the oldest was queued."""
        row = await fetch_one(conn, f"SELECT COUNT(*), MIN(created_at) FROM outbox WHERE {_PENDING} "  # noqa: S608  composes only module constants and ? placeholders; every value is bound
                                    "AND next_attempt_at = ?", (WAITING_AT,))
        if not row:
            return 0, None
        return int(row[0]), dt_req(row[1]) if row[1] else None

    async def retarget(self, conn: Conn, target_kinds: tuple[str, ...], old: int, new: int,
                       *, case_id: int | None = None) -> int:
        """Notices not sent yet to ``old`` (of these target kinds; about this case when given) go to
        ``new``; how many."""
        marks = ",".join("?" * len(target_kinds))
        about = " AND case_id = ?" if case_id is not None else ""
        cur = await conn.execute(f"UPDATE outbox SET target_id = ? WHERE {_PENDING} AND target_id = ? "  # noqa: S608  composes only module constants and ? placeholders; every value is bound
                                 f"AND target_kind IN ({marks}){about}",
                                 (new, old, *target_kinds, *((case_id,) if case_id is not None else ())))
        return max(cur.rowcount, 0)
