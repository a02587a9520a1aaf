"""The admins' list of places (migration 0014): settlements and streets added by ``/places``, and the seeded
settlements they removed (``hidden``)."""

from __future__ import annotations

import json
from datetime import datetime

from bot.domain.place_data import PlaceKind, PlaceRow, place_key
from storage.codec import ts
from storage.db import Conn, Row, fetch_all


def _row(r: Row) -> PlaceRow:
    return PlaceRow(kind=r["kind"], type=r["type"], name=r["name"], hidden=bool(r["hidden"]),
                    aliases=tuple(json.loads(r["aliases"])))


class PlacesRepository:
    """Each organisation's own list (issue 14): the seed file is organisation no. 1's."""

    async def rows(self, conn: Conn, *, org_id: int) -> list[PlaceRow]:
        """Every row of the organisation, in the order its admins added them."""
        return [_row(r) for r in await fetch_all(conn, "SELECT * FROM places WHERE org_id = ? ORDER BY id", (org_id,))]

    async def put(self, conn: Conn, row: PlaceRow, added_by: int, now: datetime, *,
                  org_id: int) -> None:
        """Adds the row, or replaces the one with the same kind and key (a hidden seed place shown again…)."""
        await conn.execute(
            "INSERT INTO places (org_id, kind, type, name, place_key, aliases, hidden, added_by, added_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(org_id, kind, place_key) DO UPDATE SET type = excluded.type, "
            "name = excluded.name, aliases = excluded.aliases, hidden = excluded.hidden, "
            "added_by = excluded.added_by, added_at = excluded.added_at",
            (org_id, row.kind, row.type, row.name, place_key(row.kind, row.type, row.name),
             json.dumps(list(row.aliases), ensure_ascii=False), int(row.hidden), added_by, ts(now)))

    async def delete(self, conn: Conn, kind: PlaceKind, key: str, *, org_id: int) -> bool:
        cur = await conn.execute("DELETE FROM places WHERE kind = ? AND place_key = ? AND org_id = ?",
                                 (kind, key, org_id))
        return cur.rowcount == 1
