"""The coordinator's read-only lookups across organisations (issue 14 §3, cl. 2): which cases are open, which
case a number names — every statement filtered by the scope (storage/scoping.py); the cases themselves are
read by CaseRepository."""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.model import OPEN
from bot.domain.orgs import Scope
from storage.db import Conn, fetch_all
from storage.scoping import org_clause

_OPEN = tuple(sorted(s.value for s in OPEN))


@dataclass(frozen=True)
class CaseRef:
    case_id: int
    org_id: int
    number: str


class CoordinatorRepository:
    async def open_ids(self, conn: Conn, *, scope: Scope, limit: int = 1000) -> list[CaseRef]:
        """Open cases of the scope's organisations (index ix_cases_status: org_id, status)."""
        org, params = org_clause(scope, "org_id")
        rows = await fetch_all(
            conn, f"SELECT id, org_id, number FROM cases WHERE {org} "  # noqa: S608  the organisation clause of storage/scoping.py and ? placeholders; values are bound
                  f"AND status IN ({','.join('?' * len(_OPEN))}) ORDER BY org_id, id LIMIT ?",
            (*params, *_OPEN, limit))
        return [CaseRef(int(r["id"]), int(r["org_id"]), str(r["number"])) for r in rows]

    async def by_number(self, conn: Conn, prefix: str | None, year: int, seq: int, *,
                        scope: Scope) -> list[CaseRef]:
        """Cases numbered ``year``-``seq``: of the organisation with this prefix ('' is no. 1's), or of every
        organisation in scope when ``prefix`` is None (a bare number)."""
        org, params = org_clause(scope, "c.org_id")
        sql = (f"SELECT c.id, c.org_id, c.number FROM cases c WHERE {org} AND c.year = ? AND c.seq = ?")  # noqa: S608  the organisation clause of storage/scoping.py; values are bound
        args: tuple[object, ...] = (*params, year, seq)
        if prefix is not None:
            sql += " AND c.org_id = (SELECT o.id FROM organisations o WHERE o.prefix = ?)"
            args = (*args, prefix.upper())
        rows = await fetch_all(conn, sql + " ORDER BY c.org_id", args)
        return [CaseRef(int(r["id"]), int(r["org_id"]), str(r["number"])) for r in rows]

    async def org_of_case(self, conn: Conn, case_id: int, *, scope: Scope) -> int | None:
        org, params = org_clause(scope, "org_id")
        rows = await fetch_all(conn, f"SELECT org_id FROM cases WHERE {org} AND id = ?", (*params, case_id))  # noqa: S608  the organisation clause of storage/scoping.py; values are bound
        return int(rows[0]["org_id"]) if rows else None
