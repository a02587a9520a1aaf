"""The places of each department (migration 0013, /dept_places): the card suggests departments by them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import aiosqlite

from storage.db import fetch_all


@dataclass(frozen=True)
class DepartmentPlace:
    key: str                    # street:школьный: | street:школьный:3 | settlement:исправная
    label: str                  # «ул. Школьная»


class DepartmentPlaceRepository:
    async def all(self, conn: aiosqlite.Connection) -> dict[int, list[DepartmentPlace]]:
        out: dict[int, list[DepartmentPlace]] = {}
        for r in await fetch_all(conn, "SELECT department_id, place_key, label FROM department_places "
                                       "ORDER BY department_id, rowid"):
            out.setdefault(int(r[0]), []).append(DepartmentPlace(r[1], r[2]))
        return out

    async def replace(self, conn: aiosqlite.Connection, department_id: int, places: Sequence[DepartmentPlace]) -> None:
        await conn.execute("DELETE FROM department_places WHERE department_id = ?", (department_id,))
        await conn.executemany("INSERT INTO department_places (department_id, place_key, label) VALUES (?, ?, ?)",
                               [(department_id, p.key, p.label) for p in places])
