"""Places the admins added (/places) and the places of each department (/dept_places), kept as JSON in the
key-value table: two small lists read whole, so they need no table of their own."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import aiosqlite

from storage.db import fetch_one

ADDED_KEY = "places:added"
DEPARTMENT_KEY = "places:departments"


@dataclass(frozen=True)
class AddedPlace:
    kind: str                   # settlement | street
    name: str                   # «Новая», «Школьная»
    type: str                   # станица, улица…


@dataclass(frozen=True)
class DepartmentPlace:
    key: str                    # street:школьный: | settlement:исправная
    label: str                  # «ул. Школьная»


async def _get(conn: aiosqlite.Connection, key: str) -> Any:
    row = await fetch_one(conn, "SELECT value FROM kv WHERE key = ?", (key,))
    return json.loads(row[0]) if row and row[0] else None


async def _set(conn: aiosqlite.Connection, key: str, value: Any) -> None:
    await conn.execute("INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                       (key, json.dumps(value, ensure_ascii=False)))


class PlaceRepository:
    async def added(self, conn: aiosqlite.Connection) -> list[AddedPlace]:
        return [AddedPlace(p["kind"], p["name"], p.get("type", "")) for p in await _get(conn, ADDED_KEY) or []]

    async def set_added(self, conn: aiosqlite.Connection, places: list[AddedPlace]) -> None:
        await _set(conn, ADDED_KEY, [{"kind": p.kind, "name": p.name, "type": p.type} for p in places])

    async def department_places(self, conn: aiosqlite.Connection) -> dict[int, list[DepartmentPlace]]:
        raw: dict[str, list[dict[str, str]]] = await _get(conn, DEPARTMENT_KEY) or {}
        return {int(k): [DepartmentPlace(p["key"], p["label"]) for p in v] for k, v in raw.items()}

    async def set_department_places(self, conn: aiosqlite.Connection, department_id: int,
                                    places: list[DepartmentPlace]) -> None:
        raw: dict[str, list[dict[str, str]]] = await _get(conn, DEPARTMENT_KEY) or {}
        if places:
            raw[str(department_id)] = [{"key": p.key, "label": p.label} for p in places]
        else:
            raw.pop(str(department_id), None)
        await _set(conn, DEPARTMENT_KEY, raw)
