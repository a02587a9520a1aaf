"""Transfers of cases between organisations (issue 14 §5): the ``transfers`` rows, and what a transfer reads
about the receiving organisation. Every statement names the organisation (from_org / to_org / org_id)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.domain.orgs import Scope
from storage.cases import open_status_values
from storage.codec import dt, dt_req, ts
from storage.db import Conn, Row, fetch_all, fetch_one
from storage.scoping import org_clause

TRANSFERRED, JOINED, REFUSED = "transferred", "joined", "refused"


@dataclass(frozen=True)
class Transfer:
    id: int
    from_case_id: int
    from_org: int
    to_org: int
    to_case_id: int | None
    state: str
    reason: str
    by_id: int
    by_role: str
    at: datetime
    refused_reason: str | None = None
    refused_by: int | None = None
    refused_at: datetime | None = None


def _transfer(r: Row) -> Transfer:
    return Transfer(id=r["id"], from_case_id=r["from_case_id"], from_org=r["from_org"], to_org=r["to_org"],
                    to_case_id=r["to_case_id"], state=r["state"], reason=r["reason"], by_id=r["by_id"],
                    by_role=r["by_role"], at=dt_req(r["at"]), refused_reason=r["refused_reason"],
                    refused_by=r["refused_by"], refused_at=dt(r["refused_at"]))


class TransferRepository:
    async def add(self, conn: Conn, *, from_case_id: int, from_org: int, to_org: int,
                  to_case_id: int, state: str, reason: str, by_id: int, by_role: str, now: datetime) -> int:
        cur = await conn.execute(
            "INSERT INTO transfers (from_case_id, from_org, to_org, to_case_id, state, reason, by_id, by_role, at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (from_case_id, from_org, to_org, to_case_id, state, reason, by_id, by_role, ts(now)))
        return int(cur.lastrowid or 0)

    async def received(self, conn: Conn, case_id: int, *, org_id: int) -> Transfer | None:
        """The transfer by which organisation ``org_id`` received its case ``case_id`` as a new case (not
        joined, not refused back)."""
        row = await fetch_one(conn, "SELECT * FROM transfers WHERE to_case_id = ? AND to_org = ? AND state = ? "
                                    "ORDER BY id DESC LIMIT 1", (case_id, org_id, TRANSFERRED))
        return _transfer(row) if row else None

    async def refused(self, conn: Conn, transfer_id: int, *, org_id: int, reason: str, by_id: int,
                      now: datetime) -> bool:
        cur = await conn.execute(
            "UPDATE transfers SET state = ?, refused_reason = ?, refused_by = ?, refused_at = ? "
            "WHERE id = ? AND to_org = ? AND state = ?", (REFUSED, reason, by_id, ts(now), transfer_id, org_id,
                                                           TRANSFERRED))
        return cur.rowcount == 1

    async def given(self, conn: Conn, case_id: int, *, org_id: int) -> Transfer | None:
        """The last transfer that took case ``case_id`` out of organisation ``org_id``."""
        row = await fetch_one(conn, "SELECT * FROM transfers WHERE from_case_id = ? AND from_org = ? "
                                    "ORDER BY id DESC LIMIT 1", (case_id, org_id))
        return _transfer(row) if row else None

    async def into(self, conn: Conn, case_id: int, *, scope: Scope) -> list[Transfer]:
        """Every transfer that brought its post into case ``case_id`` (new or joined), oldest first: the
        givers' histories shown with the receiver's case."""
        where, params = org_clause(scope, "to_org")
        rows = await fetch_all(conn, f"SELECT * FROM transfers WHERE to_case_id = ? AND {where} ORDER BY id",  # noqa: S608  where is org_clause's (a checked column name, placeholders)
                               (case_id, *params))
        return [_transfer(r) for r in rows]

    async def open_case_of_post(self, conn: Conn, link_norm: str, *, org_id: int) -> int | None:
        """The receiving organisation's open case of the same post, if it already has one (joined on transfer)."""
        statuses = tuple(open_status_values())
        row = await fetch_one(
            conn, f"SELECT id FROM cases WHERE org_id = ? AND link_norm = ? AND status IN ({','.join('?' * len(statuses))}) "  # noqa: S608  placeholders only; values are bound
            "ORDER BY id LIMIT 1", (org_id, link_norm, *statuses))
        return int(row[0]) if row else None

    async def counts(self, conn: Conn, start: datetime, end: datetime, *,
                     scope: Scope) -> dict[int, tuple[int, int]]:
        """Transfers out and in per organisation in [start, end) (refused ones included: they happened)."""
        out_where, out_params = org_clause(scope, "from_org")
        in_where, in_params = org_clause(scope, "to_org")
        result: dict[int, list[int]] = {}
        for column, where, params, index in (("from_org", out_where, out_params, 0), ("to_org", in_where, in_params, 1)):
            rows = await fetch_all(conn, f"SELECT {column}, COUNT(*) FROM transfers WHERE {where} "  # noqa: S608  constant column names and org_clause's fragment
                                         "AND at >= ? AND at < ? GROUP BY 1", (*params, ts(start), ts(end)))
            for r in rows:
                result.setdefault(int(r[0]), [0, 0])[index] = int(r[1])
        return {org: (v[0], v[1]) for org, v in result.items()}
