"""The places of each department (migration 0013, /dept_places): the card suggests departments by them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.domain.orgs import Scope
from storage.db import Conn, fetch_all
from storage.scoping import org_clause


@dataclass(frozen=True)
class DepartmentPlace:
    key: str                    # street:школьный: | street:школьный:3 | settlement:исправная
    label: str                  # «ул. Школьная»


class DepartmentPlaceRepository:
    async def all(self, conn: Conn, *, scope: Scope) -> dict[int, list[DepartmentPlace]]:
        """The places of the departments of the scope's organisations."""
        where, params = org_clause(scope, "d.org_id")
        out: dict[int, list[DepartmentPlace]] = {}
        for r in await fetch_all(conn, "SELECT p.department_id, p.place_key, p.label FROM department_places p "  # noqa: S608  the clause binds its values
                                       f"JOIN departments d ON d.id = p.department_id WHERE {where} "
                                       "ORDER BY p.department_id, p.rowid", params):
            out.setdefault(int(r[0]), []).append(DepartmentPlace(r[1], r[2]))
        return out

    async def replace(self, conn: Conn, department_id: int, places: Sequence[DepartmentPlace]) -> None:
        await conn.execute("DELETE FROM department_places WHERE department_id = ?", (department_id,))
        await conn.executemany("INSERT INTO department_places (department_id, place_key, label) VALUES (?, ?, ?)",
                               [(department_id, p.key, p.label) for p in places])
