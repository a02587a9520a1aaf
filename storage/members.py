"""Who is in the bound groups (``chat_members``) and strangers' refused attempts, counted per day."""

from __future__ import annotations

from datetime import date, datetime

from bot.domain.membership import Membership, Source
from storage.codec import dt_req, ts
from storage.db import Conn, fetch_one


class MemberRepository:
    async def get(self, conn: Conn, chat_id: int, user_id: int) -> Membership | None:
        row = await fetch_one(conn, "SELECT * FROM chat_members WHERE chat_id = ? AND user_id = ?", (chat_id, user_id))
        if row is None:
            return None
        return Membership(chat_id=row["chat_id"], user_id=row["user_id"], present=bool(row["present"]),
                          source=Source(row["source"]), checked_at=dt_req(row["checked_at"]),
                          full_name=row["full_name"], confirmed=row["confirmed_at"] is not None,
                          announced=row["announced_at"] is not None)

    async def record(self, conn: Conn, chat_id: int, user_id: int, full_name: str, present: bool,
                     source: Source, at: datetime) -> None:
        """What the bot learned of one person; a leave also clears the confirmation and the announcement
        (a member who comes back is new again)."""
        await conn.execute(
            "INSERT INTO chat_members (chat_id, user_id, full_name, present, source, checked_at) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(chat_id, user_id) DO UPDATE SET "
            "full_name = CASE WHEN excluded.full_name <> '' THEN excluded.full_name ELSE chat_members.full_name END, "
            "present = excluded.present, source = excluded.source, checked_at = excluded.checked_at, "
            "confirmed_by = CASE WHEN excluded.present = 1 THEN chat_members.confirmed_by END, "
            "confirmed_at = CASE WHEN excluded.present = 1 THEN chat_members.confirmed_at END, "
            "announced_at = CASE WHEN excluded.present = 1 THEN chat_members.announced_at END",
            (chat_id, user_id, full_name, int(present), source.value, ts(at)))

    async def confirm(self, conn: Conn, chat_id: int, user_id: int, by: int, at: datetime) -> bool:
        """An admin lets a present, unconfirmed member act; False when there is no such member."""
        cur = await conn.execute(
            "UPDATE chat_members SET confirmed_by = ?, confirmed_at = ? "
            "WHERE chat_id = ? AND user_id = ? AND present = 1 AND confirmed_at IS NULL",
            (by, ts(at), chat_id, user_id))
        return cur.rowcount == 1

    async def announce(self, conn: Conn, chat_id: int, user_id: int, at: datetime) -> bool:
        """Marks the member announced to the admins; False when they already were (this stay)."""
        cur = await conn.execute(
            "UPDATE chat_members SET announced_at = ? WHERE chat_id = ? AND user_id = ? AND announced_at IS NULL",
            (ts(at), chat_id, user_id))
        return cur.rowcount == 1

    async def count_refused(self, conn: Conn, day: date, user_id: int, kind: str,
                            at: datetime) -> int:
        """Counts one refused attempt of a stranger; how many of that kind they made that day."""
        await conn.execute(
            "INSERT INTO refused_counts (day, user_id, kind, count, first_at, last_at) VALUES (?, ?, ?, 1, ?, ?) "
            "ON CONFLICT(day, user_id, kind) DO UPDATE SET count = refused_counts.count + 1, last_at = excluded.last_at",
            (day.isoformat(), user_id, kind, ts(at), ts(at)))
        row = await fetch_one(conn, "SELECT count FROM refused_counts WHERE day = ? AND user_id = ? AND kind = ?",
                              (day.isoformat(), user_id, kind))
        return int(row[0]) if row else 0
