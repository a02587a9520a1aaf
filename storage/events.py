"""The append-only audit trail (cl. 11, 20)."""

from __future__ import annotations

import json
from datetime import datetime

from bot.domain.audit import AuditEvent
from bot.domain.model import Event
from storage.codec import dt_req, dumps, ts
from storage.db import Conn, Row, fetch_all, fetch_one

__all__ = ["Event", "EventRepository"]


class EventRepository:
    async def append(self, conn: Conn, event: AuditEvent, at: datetime) -> int:
        cur = await conn.execute(
            "INSERT INTO events (case_id, at, actor_id, actor_role, kind, payload, refused) VALUES (?,?,?,?,?,?,?)",
            (event.case_id, ts(at), event.actor_id, event.actor_role, event.kind, dumps(dict(event.payload)),
             int(event.refused)),
        )
        return cur.lastrowid or 0

    async def last_name(self, conn: Conn, user_id: int) -> str | None:
        """The name a person last acted under (as Telegram gave it), from the audit trail."""
        row = await fetch_one(conn, "SELECT json_extract(payload, '$.actor_name') FROM events "
                              "WHERE actor_id = ? AND json_extract(payload, '$.actor_name') <> '' "
                              "ORDER BY id DESC LIMIT 1", (user_id,))
        return str(row[0]) if row and row[0] else None

    async def history(self, conn: Conn, case_id: int) -> list[Event]:
        return [_event(r) for r in await fetch_all(conn, "SELECT * FROM events WHERE case_id = ? ORDER BY id", (case_id,))]

    async def recent(self, conn: Conn, limit: int = 50, *, refused_only: bool = False) -> list[Event]:
        sql = "SELECT * FROM events" + (" WHERE refused = 1" if refused_only else "") + " ORDER BY id DESC LIMIT ?"  # noqa: S608  two constant fragments; the limit is bound
        return [_event(r) for r in await fetch_all(conn, sql, (limit,))]


def _event(r: Row) -> Event:
    return Event(id=r["id"], case_id=r["case_id"], at=dt_req(r["at"]), actor_id=r["actor_id"],
                 actor_role=r["actor_role"], kind=r["kind"], payload=json.loads(r["payload"]),
                 refused=bool(r["refused"]))
