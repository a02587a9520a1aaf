"""The outbox: messages owed by committed state changes, delivered by the sender."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.domain.notices import Json, Notice, NoticeKind, Payload, encode
from storage.codec import dt_req, dumps, ts
from storage.db import Conn, fetch_all, fetch_one

#: The next attempt of a notice whose chat is gone (the bot removed, the group deleted): it waits, neither
#: sent nor failed, until the chat is bound again (``release_waiting``).
WAITING_AT = ts(datetime(9999, 12, 31, tzinfo=UTC))
_PENDING = "sent_at IS NULL AND failed_at IS NULL"
_OWED = f"{_PENDING} AND next_attempt_at < '{WAITING_AT}'"
#: How long a PostgreSQL sender holds the notices it claimed (``claimed_until``) unless it settles or
#: releases them first; a sender that died leaves them to the next leader (``expire_claims``).
CLAIM_LEASE = timedelta(minutes=2)
_DUE = ("SELECT * FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL AND next_attempt_at <= ? "
        "ORDER BY next_attempt_at, id LIMIT ?")
# ---- the one place the outbox differs by dialect: PostgreSQL's claim (several processes, issue 15) ----
# One autocommit statement: the due rows nobody holds, locked with SKIP LOCKED (a second sender at the
# same instant gets other rows, never these), are marked held until the lease ends, and returned. It takes
# no writers' lock; the sender then sends without holding any transaction and settles each row (mark_sent,
# retry_later, defer, …) in its own short one, which also ends the claim.
_CLAIM = ("UPDATE outbox SET claimed_until = ? WHERE id IN ("
          "SELECT id FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL AND next_attempt_at <= ? "
          "AND (claimed_until IS NULL OR claimed_until <= ?) "
          "ORDER BY next_attempt_at, id LIMIT ? FOR UPDATE SKIP LOCKED) RETURNING *")


def _claims(conn: Conn) -> bool:
    """PostgreSQL's connections carry their dialect; SQLite's one process needs no claim."""
    dialect = getattr(conn, "dialect", None)
    return bool(dialect is not None and dialect.is_postgresql)


@dataclass(frozen=True)
class OutboxItem:
    id: int
    notice: Notice[Json]                  # bot.domain.notices.decode gives the typed payload
    created_at: datetime
    attempts: int
    claimed: bool = False                 # held by this sender (PostgreSQL) until settled or released


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
        """The notices to deliver now, oldest first. On PostgreSQL they are claimed for this sender
        (``_CLAIM``): another process's sender does not get them until settled, released or the lease ends."""
        if _claims(conn):
            rows = sorted(await fetch_all(conn, _CLAIM, (ts(now + CLAIM_LEASE), ts(now), ts(now), limit)),
                          key=lambda r: (r["next_attempt_at"], r["id"]))
        else:
            rows = await fetch_all(conn, _DUE, (ts(now), limit))
        return [
            OutboxItem(
                id=r["id"], created_at=dt_req(r["created_at"]), attempts=r["attempts"],
                notice=Notice(NoticeKind(r["kind"]), r["target_kind"], r["target_id"], r["case_id"],
                              json.loads(r["payload"]), r["dedup_key"]),
                claimed=_claims(conn),
            )
            for r in rows
        ]

    async def release(self, conn: Conn, item_ids: list[int]) -> None:
        """Claimed notices this sender will not deliver now (it stops, a 429 pause): others may take them."""
        if item_ids:
            marks = ",".join("?" * len(item_ids))
            await conn.execute(f"UPDATE outbox SET claimed_until = NULL WHERE id IN ({marks})",  # noqa: S608  only ? placeholders are composed; every value is bound
                               item_ids)

    async def expire_claims(self, conn: Conn, at: datetime) -> int:
        """Claims held past ``at`` end at ``at`` (a new leader's sender: its predecessor is gone); how many."""
        cur = await conn.execute(f"UPDATE outbox SET claimed_until = ? WHERE {_PENDING} AND claimed_until > ?",  # noqa: S608  composes only module constants and ? placeholders; every value is bound
                                 (ts(at), ts(at)))
        return max(cur.rowcount, 0)

    async def next_attempt(self, conn: Conn) -> datetime | None:
        row = await fetch_one(conn, f"SELECT MIN(next_attempt_at) FROM outbox WHERE {_OWED}")  # noqa: S608  composes only module constants and ? placeholders; every value is bound
        return dt_req(row[0]) if row and row[0] else None

    async def mark_sent(self, conn: Conn, item_id: int, now: datetime) -> None:
        await conn.execute("UPDATE outbox SET sent_at = ?, attempts = attempts + 1 WHERE id = ?", (ts(now), item_id))

    async def retry_later(self, conn: Conn, item_id: int, at: datetime, error: str,
                          *, count: bool = True) -> None:
        await conn.execute("UPDATE outbox SET next_attempt_at = ?, attempts = attempts + ?, error = ?, "
                           "claimed_until = NULL WHERE id = ?",
                           (ts(at), int(count), error[:500], item_id))

    async def defer(self, conn: Conn, item_id: int, at: datetime) -> None:
        """Not an attempt: the sender chose to send it later (a chat's own rate limit)."""
        await conn.execute("UPDATE outbox SET next_attempt_at = ?, claimed_until = NULL WHERE id = ?", (ts(at), item_id))

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
        await conn.execute("UPDATE outbox SET next_attempt_at = ?, error = ?, claimed_until = NULL WHERE id = ?",
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
