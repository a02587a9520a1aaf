"""Report queries (docs/kpi.md), surges and incidents: parameterised queries over the cases of a period;
the KPI SQL itself is in storage/kpi_queries.py."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.domain.orgs import Scope
from storage.codec import dt, dt_req, ts
from storage.db import Conn, fetch_all, fetch_one
from storage.kpi_queries import (
    ANSWER_RULES,
    ANSWER_TIMES_SQL,
    CLARIFICATION_ONLY_SQL,
    DAILY_SQL,
    KPI_SQL,
    ORG_FILTER,
    PARTY_SQL,
    KpiRow,
    PartyMisses,
    scoped,
)
from storage.scoping import org_clause


@dataclass
class AnswerTime:
    case_id: int
    platform: str
    detected_at: datetime
    first_at: datetime
    department_ids: list[int]


@dataclass
class DeadlineLine:
    rule: str
    owner: str
    department_id: int | None
    started_at: datetime
    due_at: datetime
    closed_at: datetime | None
    outcome: str | None
    blame: tuple[str, ...] | None = None
    blame_inherited: bool = False


@dataclass
class CaseLine:
    """One case of the period for the XLSX export, with all its deadlines."""

    id: int
    number: str
    platform: str
    status: str
    detected_at: datetime
    closed_at: datetime | None
    link: str | None
    text: str
    urgent: bool
    significant: bool
    departments: list[str]
    deadlines: list[DeadlineLine] = field(default_factory=list)
    clarification_only: bool = False


@dataclass
class OverdueLine:
    case_id: int
    deadline_id: int
    number: str
    platform: str
    text: str
    rule: str
    due_at: datetime
    department_id: int | None
    department_name: str | None
    multi: bool
    active_departments: str | None


@dataclass
class SurgeCandidate:
    id: int
    number: str
    platform: str
    text: str
    link_norm: str | None
    detected_at: datetime
    department_ids: list[int]


def _period(start: datetime, end: datetime, now: datetime) -> dict[str, Any]:
    return {"start": ts(start), "end": ts(end), "now": ts(now)}


def _ids(value: str | None) -> list[int]:
    return [int(v) for v in value.split(",")] if value else []


class ReportRepository:
    """Read-only KPI queries; take a connection (the shared one, or a transaction's)."""

    async def kpis(self, conn: Conn, start: datetime, end: datetime,
                   now: datetime, *, scope: Scope) -> list[KpiRow]:
        """The total, per platform, per department (None: not routed) and declines per department."""
        rows = await fetch_all(conn, *scoped(KPI_SQL, scope, _period(start, end, now)))
        out: list[KpiRow] = []
        declines: dict[int | None, int] = {}
        for r in rows:
            key = r["key"] if r["dim"] in ("total", "platform") or r["key"] is None else int(r["key"])
            if r["dim"] == "declines":
                declines[key] = int(r["declines"])
                continue
            out.append(KpiRow(
                dim=r["dim"], key=key, received=r["received"], out_of_scope=r["out_of_scope"],
                answered=r["answered"], on_time=r["on_time"] - r["clarified"], closed_late=r["closed_late"],
                open_overdue=r["open_overdue"], open=r["open"], intermediate=r["intermediate"],
                drafts=int(r["drafts"]), returns=int(r["returns"]), significant=r["significant"], inherited=r["inherited"],
                clarification_only=r["clarification_only"], clarified=r["clarified"]))
        total = next(k for k in out if k.dim == "total")
        total.declines = sum(declines.values())
        depts = {k.key: k for k in out if k.dim == "department"}
        for dept_id, count in declines.items():
            row = depts.get(dept_id)
            if row is None:
                row = depts[dept_id] = KpiRow("department", dept_id)
                out.append(row)
            row.declines = count
        return out

    async def party_misses(self, conn: Conn, start: datetime, end: datetime, *,
                           scope: Scope) -> list[PartyMisses]:
        """Attributed misses per party (operators and departments), by clock, inherited ones apart."""
        out: dict[str, PartyMisses] = {}
        for r in await fetch_all(conn, *scoped(PARTY_SQL, scope, {"start": ts(start), "end": ts(end)})):
            row = out.setdefault(str(r["party"]), PartyMisses(str(r["party"])))
            n, inherited = int(r["n"]), bool(r["inherited"])
            if r["rule"] in ANSWER_RULES:
                if inherited:
                    row.answer_inherited += n
                else:
                    row.answer += n
            elif inherited:
                row.steps_inherited += n
            else:
                row.steps[r["rule"]] = row.steps.get(r["rule"], 0) + n
        return sorted(out.values(), key=lambda p: p.party)

    async def answer_times(self, conn: Conn, start: datetime, end: datetime, *,
                           scope: Scope) -> list[AnswerTime]:
        rows = await fetch_all(conn, *scoped(ANSWER_TIMES_SQL, scope, {"start": ts(start), "end": ts(end)}))
        return [AnswerTime(r["id"], r["platform"], dt_req(r["detected_at"]), dt_req(r["first_at"]),
                           _ids(r["departments"])) for r in rows]

    async def daily(self, conn: Conn, start: datetime, end: datetime,
                    now: datetime, *, scope: Scope) -> list[tuple[datetime, bool, bool, bool, bool]]:
        """(detected_at, closed, late, open, clarification only) of every case in scope: the chart groups them
        by local day; a case closed by a clarification alone and not late is not «on time» (``KpiRow.clarified``)."""
        rows = await fetch_all(conn, *scoped(DAILY_SQL, scope, _period(start, end, now)))
        return [(dt_req(r["detected_at"]), bool(r["closed"]), bool(r["late"]), bool(r["open_"]),
                 bool(r["clar_only"])) for r in rows]

    async def case_lines(self, conn: Conn, start: datetime, end: datetime, *,
                         scope: Scope) -> list[CaseLine]:
        async with conn.execute(*scoped(
            "SELECT c.id, c.number, c.platform, c.status, c.detected_at, c.closed_at, c.link, c.text, c.urgent, "  # noqa: S608  CLARIFICATION_ONLY_SQL is a constant; values are bound by name
            "c.significant, (SELECT group_concat(n.name, ', ') FROM (SELECT d.name FROM case_departments cd "
            "JOIN departments d ON d.id = cd.department_id WHERE cd.case_id = c.id AND cd.state != 'declined' "
            "ORDER BY cd.department_id) AS n) AS departments, "     # in the order of the department ids on both
            + CLARIFICATION_ONLY_SQL + " AS clar_only "
            "FROM cases c WHERE c.detected_at >= :start AND c.detected_at < :end AND " + ORG_FILTER
            + " ORDER BY c.detected_at, c.id",
            scope, {"start": ts(start), "end": ts(end)}),
        ) as cur:
            lines = {r["id"]: CaseLine(
                id=r["id"], number=r["number"], platform=r["platform"], status=r["status"],
                detected_at=dt_req(r["detected_at"]), closed_at=dt(r["closed_at"]), link=r["link"],
                text=r["text"], urgent=bool(r["urgent"]), significant=bool(r["significant"]),
                departments=r["departments"].split(", ") if r["departments"] else [],
                clarification_only=bool(r["clar_only"]))
                for r in await cur.fetchall()}
        async with conn.execute(*scoped(
            "SELECT d.case_id, d.rule, d.owner, d.department_id, d.started_at, d.due_at, d.closed_at, d.outcome, "
            "d.blame, d.blame_inherited "
            "FROM cases c JOIN deadlines d ON d.case_id = c.id "
            "WHERE c.detected_at >= :start AND c.detected_at < :end AND " + ORG_FILTER + " ORDER BY d.case_id, d.id",
            scope, {"start": ts(start), "end": ts(end)}),
        ) as cur:
            for r in await cur.fetchall():
                lines[r["case_id"]].deadlines.append(DeadlineLine(
                    rule=r["rule"], owner=r["owner"], department_id=r["department_id"],
                    started_at=dt_req(r["started_at"]), due_at=dt_req(r["due_at"]), closed_at=dt(r["closed_at"]),
                    outcome=r["outcome"], blame=tuple(json.loads(r["blame"])) if r["blame"] else None,
                    blame_inherited=bool(r["blame_inherited"])))
        return list(lines.values())

    async def department_names(self, conn: Conn, *, scope: Scope) -> dict[int, str]:
        org_sql, org_params = org_clause(scope)
        return {int(r[0]): str(r[1]) for r in await fetch_all(
            conn, f"SELECT id, name FROM departments WHERE {org_sql}", org_params)}  # noqa: S608  org_clause renders a checked column name; values are bound

    async def overdue_open(self, conn: Conn, now: datetime, limit: int = 50, *,
                           scope: Scope) -> list[OverdueLine]:
        """Open deadlines past due of open cases of the scope, the oldest first (for the digest)."""
        rows = await fetch_all(conn, *scoped(
            "SELECT c.id, c.number, c.platform, c.text, c.multi, d.id AS deadline_id, d.rule, d.due_at, "  # noqa: S608  ORG_FILTER is a constant marker; values are bound by name
            "d.department_id, "
            "dep.name AS department_name, (SELECT group_concat(n.name, ', ') FROM (SELECT x.name FROM "
            "case_departments cd JOIN departments x ON x.id = cd.department_id WHERE cd.case_id = c.id "
            "AND cd.state != 'declined' ORDER BY cd.department_id) AS n) AS active_departments "
            "FROM deadlines d JOIN cases c ON c.id = d.case_id LEFT JOIN departments dep ON dep.id = d.department_id "
            "WHERE d.closed_at IS NULL AND d.due_at < :now AND c.status NOT IN ('closed', 'excluded', 'dismissed') "
            "AND " + ORG_FILTER + " ORDER BY d.due_at, d.id LIMIT :limit",
            scope, {"now": ts(now), "limit": limit}))
        return [OverdueLine(r["id"], r["deadline_id"], r["number"], r["platform"], r["text"], r["rule"], dt_req(r["due_at"]),
                            r["department_id"], r["department_name"], bool(r["multi"]), r["active_departments"])
                for r in rows]

    async def overdue_open_count(self, conn: Conn, now: datetime, *, scope: Scope) -> int:
        """How many open cases have a deadline past due now (the digest's «открыто и просрочено сейчас»)."""
        row = await fetch_one(conn, *scoped(
            "SELECT COUNT(DISTINCT d.case_id) FROM deadlines d JOIN cases c ON c.id = d.case_id "  # noqa: S608  ORG_FILTER is a constant marker; values are bound by name
            "WHERE d.closed_at IS NULL AND d.due_at < :now AND c.status NOT IN ('closed', 'excluded', 'dismissed') "
            "AND " + ORG_FILTER, scope, {"now": ts(now)}))
        return int(row[0]) if row else 0

    async def significant_open(self, conn: Conn, limit: int = 50, *,
                               scope: Scope) -> list[tuple[int, str, str, str]]:
        """(id, number, platform, text) of open socially significant cases of the scope."""
        return [(r[0], r[1], r[2], r[3]) for r in await fetch_all(conn, *scoped(
            "SELECT c.id, c.number, c.platform, c.text FROM cases c WHERE c.significant = 1 "  # noqa: S608  ORG_FILTER is a constant marker; values are bound by name
            "AND c.status NOT IN ('closed', 'excluded', 'dismissed', 'transferred') AND " + ORG_FILTER
            + " ORDER BY c.detected_at, c.id LIMIT :limit", scope, {"limit": limit}))]

    async def explain(self, conn: Conn, sql: str, params: dict[str, Any]) -> list[str]:
        return [str(r[3]) for r in await fetch_all(conn, "EXPLAIN QUERY PLAN " + sql, params)]


class SurgeRepository:
    async def detected_at(self, conn: Conn, case_id: int) -> tuple[datetime, int] | None:
        """When the case was detected, and its organisation (a surge is one organisation's, issue 14)."""
        org, params = org_clause(Scope.all())
        row = await fetch_one(conn, f"SELECT detected_at, org_id FROM cases WHERE id = ? AND {org}",  # noqa: S608  org_clause renders a column and placeholders
                              (case_id, *params))
        return (dt_req(row[0]), int(row[1])) if row is not None else None

    async def candidates(self, conn: Conn, start: datetime, end: datetime, *,
                         org_id: int) -> list[SurgeCandidate]:
        """Cases of the organisation detected in ``[start, end]`` with their active departments; 59-ФЗ appeals
        and posts given to another organisation (issue 14 §5: the receiver's now) left out."""
        rows = await fetch_all(
            conn, "SELECT c.id, c.number, c.platform, c.text, c.link_norm, c.detected_at, "
            "(SELECT group_concat(cd.department_id) FROM case_departments cd WHERE cd.case_id = c.id "
            "AND cd.state != 'declined') AS departments "
            "FROM cases c WHERE c.org_id = ? AND c.detected_at >= ? AND c.detected_at <= ? "
            "AND c.status NOT IN ('excluded', 'transferred') ORDER BY c.detected_at, c.id",
            (org_id, ts(start), ts(end)),
        )
        return [SurgeCandidate(r["id"], r["number"], r["platform"], r["text"], r["link_norm"],
                               dt_req(r["detected_at"]), _ids(r["departments"])) for r in rows]

    async def surges_of(self, conn: Conn, case_ids: Iterable[int]) -> list[int]:
        ids = list(case_ids)
        if not ids:
            return []
        marks = ",".join("?" * len(ids))
        return [int(r[0]) for r in await fetch_all(conn, f"SELECT DISTINCT surge_id FROM surge_cases WHERE case_id IN ({marks}) "  # noqa: S608  only one ? per id; the ids are bound
                                "ORDER BY surge_id", ids)]

    async def create(self, conn: Conn, reason: str, topic: str, department_id: int | None,
                     now: datetime, *, org_id: int) -> int:
        cur = await conn.execute(
            "INSERT INTO surges (org_id, reason, topic, department_id, created_at, updated_at) VALUES (?,?,?,?,?,?)",
            (org_id, reason, topic, department_id, ts(now), ts(now)))
        assert cur.lastrowid is not None
        return cur.lastrowid

    async def add_cases(self, conn: Conn, surge_id: int, case_ids: Iterable[int],
                        now: datetime) -> int:
        """Add cases to a surge; return how many were new."""
        at = ts(now)
        cur = await conn.executemany("INSERT OR IGNORE INTO surge_cases (surge_id, case_id, added_at) VALUES (?,?,?)",
                                     [(surge_id, case_id, at) for case_id in case_ids])
        added = max(0, cur.rowcount)
        if added:
            await conn.execute("UPDATE surges SET updated_at = ? WHERE id = ?", (ts(now), surge_id))
        return added

    async def members(self, conn: Conn, surge_id: int) -> list[int]:
        return [int(r[0]) for r in await fetch_all(conn, "SELECT case_id FROM surge_cases WHERE surge_id = ? ORDER BY case_id",
                                (surge_id,))]


@dataclass
class IncidentRecord:
    id: int
    lead_case_id: int
    surge_id: int | None
    title: str
    created_by: int
    created_at: datetime
    draft_id: int | None
    approved_at: datetime | None
    case_ids: list[int] = field(default_factory=list)


class IncidentRepository:
    async def create(self, conn: Conn, lead_case_id: int, case_ids: Sequence[int],
                     surge_id: int | None, title: str, actor_id: int, now: datetime) -> int:
        cur = await conn.execute(
            "INSERT INTO incidents (lead_case_id, surge_id, title, created_by, created_at) VALUES (?,?,?,?,?)",
            (lead_case_id, surge_id, title, actor_id, ts(now)))
        incident_id = cur.lastrowid
        assert incident_id is not None
        await conn.executemany("INSERT INTO incident_cases (incident_id, case_id, added_at) VALUES (?,?,?)",
                               [(incident_id, cid, ts(now)) for cid in case_ids])
        return incident_id

    async def add_case(self, conn: Conn, incident_id: int, case_id: int, now: datetime) -> None:
        await conn.execute("INSERT INTO incident_cases (incident_id, case_id, added_at) VALUES (?,?,?)",
                           (incident_id, case_id, ts(now)))

    async def incident_of(self, conn: Conn, case_id: int) -> int | None:
        row = await fetch_one(conn, "SELECT incident_id FROM incident_cases WHERE case_id = ?", (case_id,))
        return int(row[0]) if row else None

    async def get(self, conn: Conn, incident_id: int) -> IncidentRecord | None:
        r = await fetch_one(conn, "SELECT * FROM incidents WHERE id = ?", (incident_id,))
        if r is None:
            return None
        rec = IncidentRecord(r["id"], r["lead_case_id"], r["surge_id"], r["title"], r["created_by"],
                             dt_req(r["created_at"]), r["draft_id"], dt(r["approved_at"]))
        rec.case_ids = [int(x[0]) for x in await fetch_all(conn, "SELECT case_id FROM incident_cases WHERE incident_id = ? ORDER BY case_id",
                                (incident_id,))]
        return rec

    async def set_approved(self, conn: Conn, incident_id: int, draft_id: int | None,
                           now: datetime) -> None:
        await conn.execute("UPDATE incidents SET draft_id = ?, approved_at = ? WHERE id = ?",
                           (draft_id, ts(now), incident_id))

    async def unpublished(self, conn: Conn, incident_id: int) -> list[int]:
        """Members without a published answer (with its screenshot) yet."""
        return [int(r[0]) for r in await fetch_all(
            conn, "SELECT ic.case_id FROM incident_cases ic WHERE ic.incident_id = ? AND NOT EXISTS "
            "(SELECT 1 FROM publications p WHERE p.case_id = ic.case_id AND p.kind = 'answer' "
            "AND p.screenshot_file_id != '') ORDER BY ic.case_id", (incident_id,),
        )]
