"""The calendar overrides in the database (PostgreSQL deployments): one ``kv`` row, the one place of the
administration's days for every process (issue 15).

The row's value is JSON: ``{"version": N, "overrides": {field: [ISO dates]}}``. ``version`` grows by one with
every change, written in the change's own write transaction; the other processes compare it with the
version they run on (one read of the ``kv`` primary key) and load the overrides when it moved.
On SQLite nothing reads or writes this row: the ``CALENDAR_PATH`` file stays the one place.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from deadlines.overrides import CalendarOverrides
from storage.db import Conn, fetch_one

KEY = "calendar_overrides"
WHERE = f"Календарь в базе данных (kv «{KEY}»)"


@dataclass(frozen=True)
class StoredCalendar:
    version: int
    overrides: CalendarOverrides


def _json(value: str) -> dict[str, Any]:
    try:
        raw = json.loads(value)
    except json.JSONDecodeError as exc:
        raise ValueError(f"{WHERE}: ошибка JSON: {exc.msg}") from exc
    if not isinstance(raw, dict) or not isinstance(raw.get("version"), int):
        raise ValueError(f"{WHERE}: нет номера версии")
    return raw


def _encode(version: int, overrides: CalendarOverrides) -> str:
    return json.dumps({"version": version, "overrides": overrides.to_dict()}, ensure_ascii=False,
                      separators=(",", ":"))


class CalendarOverridesRepository:
    async def _value(self, conn: Conn) -> str | None:
        row = await fetch_one(conn, "SELECT value FROM kv WHERE key = ?", (KEY,))
        return None if row is None else str(row[0])

    async def read(self, conn: Conn) -> StoredCalendar | None:
        """The stored overrides and their version; None before the first start seeded them."""
        value = await self._value(conn)
        if value is None:
            return None
        raw = _json(value)
        return StoredCalendar(raw["version"], CalendarOverrides.from_dict(raw.get("overrides", {}), WHERE))

    async def version(self, conn: Conn) -> int | None:
        """Only the version (the other processes' cheap check)."""
        value = await self._value(conn)
        return None if value is None else int(_json(value)["version"])

    async def seed(self, conn: Conn, overrides: CalendarOverrides) -> bool:
        """Store the first version unless a row is already there; True when this call stored it."""
        cur = await conn.execute("INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT(key) DO NOTHING",
                                 (KEY, _encode(1, overrides)))
        return bool(cur.rowcount == 1)

    async def write(self, conn: Conn, version: int, overrides: CalendarOverrides) -> None:
        await conn.execute("INSERT INTO kv (key, value) VALUES (?, ?) "
                           "ON CONFLICT(key) DO UPDATE SET value = excluded.value", (KEY, _encode(version, overrides)))
