"""KPI SQL (docs/kpi.md), surges and incidents: parameterised queries over the cases of a period.

A period is ``[start, end)`` in UTC ISO text (``storage.codec.ts``), compared as text: the stored
format is sortable. ``now`` decides which open deadlines are already past due.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import aiosqlite

from storage.codec import dt, dt_req, ts
from storage.db import fetch_all, fetch_one

# Rules whose miss makes the answer to the citizen late: cl. 6 (answer) and cl. 7 (final).
ANSWER_RULES = ("answer", "final")
OUT_OF_SCOPE = ("excluded", "dismissed")
TERMINAL = ("closed", "excluded", "dismissed")


@dataclass
class KpiRow:
    """Counts of one slice (the total, one department or one platform); see docs/kpi.md."""

    dim: str                      # total | department | platform
    key: str | int | None         # department id (None: not routed) or platform name
    received: int = 0
    out_of_scope: int = 0
    answered: int = 0
    on_time: int = 0
    closed_late: int = 0
    open_overdue: int = 0
    open: int = 0
    intermediate: int = 0
    drafts: int = 0
    returns: int = 0
    declines: int = 0
    significant: int = 0
    #: late cases whose every missed answer/final clock was inherited: the time was used up before the
    #: department received the case (a late decline, a slow re-route; docs/workflow.md)
    inherited: int = 0
    clarification_only: int = 0   # closed / awaiting the author with only a clarification request published
    clarified: int = 0            # of them closed and not late: kept out of «answered on time» and the share
    minutes: list[float] = field(default_factory=list)   # working minutes to the first publication

    @property
    def overdue(self) -> int:
        return self.closed_late + self.open_overdue

    @property
    def in_scope(self) -> int:
        return self.received - self.out_of_scope

    @property
    def on_time_share(self) -> float | None:
        denominator = self.answered - self.clarified + self.open_overdue
        return self.on_time / denominator if denominator else None

    @property
    def intermediate_share(self) -> float | None:
        return self.intermediate / self.in_scope if self.in_scope else None

    @property
    def returns_per_draft(self) -> float | None:
        return self.returns / self.drafts if self.drafts else None


# A case "closed by a clarification alone" (docs/kpi.md): closed as «автор не ответил» (cases.closure, migration
# 0009), or in scope and waiting for the author with a clarification request published and no answer yet.
CLARIFICATION_ONLY_SQL = """CASE WHEN c.closure = 'clarification_only' THEN 1
               WHEN c.status = 'awaiting_author'
               AND NOT EXISTS (SELECT 1 FROM publications p WHERE p.case_id = c.id AND p.kind IN ('answer', 'intermediate'))
               THEN 1 ELSE 0 END"""

# One materialised pass over the period's cases; every slice is aggregated from it.
_CASE_FLAGS = """
WITH c AS MATERIALIZED (
    SELECT c.id, c.platform, c.significant,
           c.status IN ('excluded', 'dismissed') AS out_of_scope,
           c.status = 'closed' AS closed,
           c.status NOT IN ('closed', 'excluded', 'dismissed') AS open_,
           EXISTS (SELECT 1 FROM deadlines d WHERE d.case_id = c.id AND d.rule IN ('answer', 'final')
                   AND (d.outcome = 'missed' OR (d.closed_at IS NULL AND d.due_at < :now))) AS late,
           EXISTS (SELECT 1 FROM deadlines d WHERE d.case_id = c.id AND d.rule IN ('answer', 'final')
                   AND d.blame_inherited = 1)
           AND NOT EXISTS (SELECT 1 FROM deadlines d WHERE d.case_id = c.id AND d.rule IN ('answer', 'final')
                   AND (d.outcome = 'missed' OR (d.closed_at IS NULL AND d.due_at < :now))
                   AND d.blame_inherited = 0) AS late_inherited,
           EXISTS (SELECT 1 FROM publications p WHERE p.case_id = c.id AND p.kind = 'intermediate')
               AS intermediate,
           """ + CLARIFICATION_ONLY_SQL + """ AS clar_only,
           -- drafts and returns in one lookup: (drafts << 16) | returns (a case has fewer than 65536 drafts)
           (SELECT (COUNT(*) << 16) | COALESCE(SUM(r.decision = 'returned'), 0) FROM drafts r
            WHERE r.case_id = c.id AND r.kind != 'info') AS drafts_returns
    FROM cases c
    WHERE c.detected_at >= :start AND c.detected_at < :end
)
"""

_AGG = """
    COUNT(*) AS received,
    COALESCE(SUM(c.out_of_scope), 0) AS out_of_scope,
    COALESCE(SUM(c.closed), 0) AS answered,
    COALESCE(SUM(c.closed AND NOT c.late), 0) AS on_time,       -- clarified ones taken off in Python
    COALESCE(SUM(c.closed AND c.late), 0) AS closed_late,
    COALESCE(SUM(c.open_ AND c.late), 0) AS open_overdue,
    COALESCE(SUM(c.open_), 0) AS open,
    COALESCE(SUM(c.intermediate AND NOT c.out_of_scope), 0) AS intermediate,
    COALESCE(SUM(c.drafts_returns >> 16), 0) AS drafts,
    COALESCE(SUM(c.drafts_returns & 65535), 0) AS returns,
    COALESCE(SUM(c.significant), 0) AS significant,
    COALESCE(SUM(c.clar_only), 0) AS clarification_only,
    COALESCE(SUM(c.clar_only AND c.closed AND NOT c.late), 0) AS clarified,
    0 AS declines,
    COALESCE(SUM(c.late AND c.late_inherited AND NOT c.out_of_scope), 0) AS inherited
"""

KPI_SQL = _CASE_FLAGS + f"""
SELECT 'total' AS dim, NULL AS key, {_AGG} FROM c
UNION ALL
SELECT 'platform', c.platform, {_AGG} FROM c GROUP BY c.platform
UNION ALL
SELECT 'department', cd.department_id, {_AGG}
FROM c LEFT JOIN case_departments cd ON cd.case_id = c.id AND cd.state != 'declined'
GROUP BY cd.department_id
UNION ALL
SELECT 'declines', x.department_id, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, COUNT(*), 0
FROM c CROSS JOIN (
    -- a department withdrawn from the case after it declined keeps its decline (the audit event)
    SELECT case_id, department_id FROM case_departments WHERE state = 'declined'
    UNION
    SELECT case_id, json_extract(payload, '$.department_id') FROM events WHERE kind = 'declined' AND refused = 0
) x ON x.case_id = c.id
GROUP BY x.department_id
"""

# Attributed misses (docs/kpi.md, «Кто просрочил»): every deadline of the period's cases in scope whose
# blame was fixed when it ran out (bot.domain.accountability.attribute), split into its parties.
# A clock past due but not attributed yet (the expiry run has not come) is not counted here.
PARTY_SQL = """
SELECT j.value AS party, d.rule, d.blame_inherited AS inherited, COUNT(*) AS n
FROM cases c
JOIN deadlines d ON d.case_id = c.id AND d.blame IS NOT NULL
JOIN json_each(d.blame) j
WHERE c.detected_at >= :start AND c.detected_at < :end AND c.status NOT IN ('excluded', 'dismissed')
GROUP BY j.value, d.rule, d.blame_inherited
"""

# Time to the first public reaction (any publication) of the period's cases in scope.
ANSWER_TIMES_SQL = """
SELECT * FROM (
    SELECT c.id, c.platform, c.detected_at,
           (SELECT MIN(p.published_at) FROM publications p WHERE p.case_id = c.id) AS first_at,
           (SELECT group_concat(cd.department_id) FROM case_departments cd
            WHERE cd.case_id = c.id AND cd.state != 'declined') AS departments
    FROM cases c
    WHERE c.detected_at >= :start AND c.detected_at < :end AND c.status NOT IN ('excluded', 'dismissed')
) WHERE first_at IS NOT NULL
"""

DAILY_SQL = """
SELECT substr(c.detected_at, 1, 10) AS day_utc, c.detected_at,
       c.status = 'closed' AS closed,
       EXISTS (SELECT 1 FROM deadlines d WHERE d.case_id = c.id AND d.rule IN ('answer', 'final')
               AND (d.outcome = 'missed' OR (d.closed_at IS NULL AND d.due_at < :now))) AS late,
       c.status NOT IN ('closed', 'excluded', 'dismissed') AS open_,
       """ + CLARIFICATION_ONLY_SQL + """ AS clar_only
FROM cases c
WHERE c.detected_at >= :start AND c.detected_at < :end AND c.status NOT IN ('excluded', 'dismissed')
"""


@dataclass
class PartyMisses:
    """Attributed misses of one party (``operator:<user id>`` or ``department:<id>``) in a period."""

    party: str
    answer: int = 0                 # answer / final clocks (cl. 6, 7) missed while the party held the case
    answer_inherited: int = 0       # answer / final misses of time the party used up before others got it
    steps: dict[str, int] = field(default_factory=dict)   # its own step clocks missed, by rule
    steps_inherited: int = 0        # step clocks (draft) inherited from the party's lateness

    @property
    def kind(self) -> str:
        return self.party.partition(":")[0]

    @property
    def id(self) -> int:
        return int(self.party.partition(":")[2])

    @property
    def step_total(self) -> int:
        return sum(self.steps.values())

    @property
    def total(self) -> int:
        return self.answer + self.answer_inherited + self.step_total + self.steps_inherited


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

    async def kpis(self, conn: aiosqlite.Connection, start: datetime, end: datetime,
                   now: datetime) -> list[KpiRow]:
        """The total, per platform, per department (None: not routed) and declines per department."""
        rows = await fetch_all(conn, KPI_SQL, _period(start, end, now))
        out: list[KpiRow] = []
        declines: dict[int | None, int] = {}
        for r in rows:
            if r["dim"] == "declines":
                declines[r["key"]] = int(r["declines"])
                continue
            out.append(KpiRow(
                dim=r["dim"], key=r["key"], received=r["received"], out_of_scope=r["out_of_scope"],
                answered=r["answered"], on_time=r["on_time"] - r["clarified"], closed_late=r["closed_late"],
                open_overdue=r["open_overdue"], open=r["open"], intermediate=r["intermediate"],
                drafts=r["drafts"], returns=r["returns"], significant=r["significant"], inherited=r["inherited"],
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

    async def party_misses(self, conn: aiosqlite.Connection, start: datetime, end: datetime) -> list[PartyMisses]:
        """Attributed misses per party (operators and departments), by clock, inherited ones apart."""
        out: dict[str, PartyMisses] = {}
        for r in await fetch_all(conn, PARTY_SQL, {"start": ts(start), "end": ts(end)}):
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

    async def answer_times(self, conn: aiosqlite.Connection, start: datetime, end: datetime) -> list[AnswerTime]:
        rows = await fetch_all(conn, ANSWER_TIMES_SQL, {"start": ts(start), "end": ts(end)})
        return [AnswerTime(r["id"], r["platform"], dt_req(r["detected_at"]), dt_req(r["first_at"]),
                           _ids(r["departments"])) for r in rows]

    async def daily(self, conn: aiosqlite.Connection, start: datetime, end: datetime,
                    now: datetime) -> list[tuple[datetime, bool, bool, bool, bool]]:
        """(detected_at, closed, late, open, clarification only) of every case in scope: the chart groups them
        by local day; a case closed by a clarification alone and not late is not «on time» (``KpiRow.clarified``)."""
        rows = await fetch_all(conn, DAILY_SQL, _period(start, end, now))
        return [(dt_req(r["detected_at"]), bool(r["closed"]), bool(r["late"]), bool(r["open_"]),
                 bool(r["clar_only"])) for r in rows]

    async def case_lines(self, conn: aiosqlite.Connection, start: datetime, end: datetime) -> list[CaseLine]:
        params = {"start": ts(start), "end": ts(end)}
        async with conn.execute(
            "SELECT c.id, c.number, c.platform, c.status, c.detected_at, c.closed_at, c.link, c.text, c.urgent, "
            "c.significant, (SELECT group_concat(d.name, ', ') FROM case_departments cd JOIN departments d "
            "ON d.id = cd.department_id WHERE cd.case_id = c.id AND cd.state != 'declined') AS departments, "
            + CLARIFICATION_ONLY_SQL + " AS clar_only "
            "FROM cases c WHERE c.detected_at >= :start AND c.detected_at < :end ORDER BY c.detected_at, c.id",
            params,
        ) as cur:
            lines = {r["id"]: CaseLine(
                id=r["id"], number=r["number"], platform=r["platform"], status=r["status"],
                detected_at=dt_req(r["detected_at"]), closed_at=dt(r["closed_at"]), link=r["link"],
                text=r["text"], urgent=bool(r["urgent"]), significant=bool(r["significant"]),
                departments=r["departments"].split(", ") if r["departments"] else [],
                clarification_only=bool(r["clar_only"]))
                for r in await cur.fetchall()}
        async with conn.execute(
            "SELECT d.case_id, d.rule, d.owner, d.department_id, d.started_at, d.due_at, d.closed_at, d.outcome, "
            "d.blame, d.blame_inherited "
            "FROM cases c JOIN deadlines d ON d.case_id = c.id "
            "WHERE c.detected_at >= :start AND c.detected_at < :end ORDER BY d.case_id, d.id",
            params,
        ) as cur:
            for r in await cur.fetchall():
                lines[r["case_id"]].deadlines.append(DeadlineLine(
                    rule=r["rule"], owner=r["owner"], department_id=r["department_id"],
                    started_at=dt_req(r["started_at"]), due_at=dt_req(r["due_at"]), closed_at=dt(r["closed_at"]),
                    outcome=r["outcome"], blame=tuple(json.loads(r["blame"])) if r["blame"] else None,
                    blame_inherited=bool(r["blame_inherited"])))
        return list(lines.values())

    async def department_names(self, conn: aiosqlite.Connection) -> dict[int, str]:
        return {int(r[0]): str(r[1]) for r in await fetch_all(conn, "SELECT id, name FROM departments")}

    async def overdue_open(self, conn: aiosqlite.Connection, now: datetime, limit: int = 50) -> list[OverdueLine]:
        """Open deadlines past due of open cases, the oldest first (for the digest)."""
        rows = await fetch_all(
            conn, "SELECT c.id, c.number, c.platform, c.text, c.multi, d.id AS deadline_id, d.rule, d.due_at, "
            "d.department_id, "
            "dep.name AS department_name, (SELECT group_concat(x.name, ', ') FROM case_departments cd "
            "JOIN departments x ON x.id = cd.department_id WHERE cd.case_id = c.id AND cd.state != 'declined') "
            "AS active_departments "
            "FROM deadlines d JOIN cases c ON c.id = d.case_id LEFT JOIN departments dep ON dep.id = d.department_id "
            "WHERE d.closed_at IS NULL AND d.due_at < ? AND c.status NOT IN ('closed', 'excluded', 'dismissed') "
            "ORDER BY d.due_at, d.id LIMIT ?",
            (ts(now), limit),
        )
        return [OverdueLine(r["id"], r["deadline_id"], r["number"], r["platform"], r["text"], r["rule"], dt_req(r["due_at"]),
                            r["department_id"], r["department_name"], bool(r["multi"]), r["active_departments"])
                for r in rows]

    async def overdue_open_count(self, conn: aiosqlite.Connection, now: datetime) -> int:
        """How many open cases have a deadline past due now (the digest's «открыто и просрочено сейчас»)."""
        row = await fetch_one(
            conn, "SELECT COUNT(DISTINCT d.case_id) FROM deadlines d JOIN cases c ON c.id = d.case_id "
            "WHERE d.closed_at IS NULL AND d.due_at < ? AND c.status NOT IN ('closed', 'excluded', 'dismissed')",
            (ts(now),))
        return int(row[0]) if row else 0

    async def significant_open(self, conn: aiosqlite.Connection, limit: int = 50) -> list[tuple[int, str, str, str]]:
        """(id, number, platform, text) of open socially significant cases."""
        return [(r[0], r[1], r[2], r[3]) for r in await fetch_all(
            conn, "SELECT id, number, platform, text FROM cases WHERE significant = 1 "
            "AND status NOT IN ('closed', 'excluded', 'dismissed') ORDER BY detected_at LIMIT ?", (limit,),
        )]

    async def explain(self, conn: aiosqlite.Connection, sql: str, params: dict[str, Any]) -> list[str]:
        return [str(r[3]) for r in await fetch_all(conn, "EXPLAIN QUERY PLAN " + sql, params)]


class SurgeRepository:
    async def detected_at(self, conn: aiosqlite.Connection, case_id: int) -> datetime | None:
        row = await fetch_one(conn, "SELECT detected_at FROM cases WHERE id = ?", (case_id,))
        return dt_req(row[0]) if row is not None else None

    async def candidates(self, conn: aiosqlite.Connection, start: datetime, end: datetime) -> list[SurgeCandidate]:
        """Cases detected in ``[start, end]`` (59-ФЗ appeals left out) with their active departments."""
        rows = await fetch_all(
            conn, "SELECT c.id, c.number, c.platform, c.text, c.link_norm, c.detected_at, "
            "(SELECT group_concat(cd.department_id) FROM case_departments cd WHERE cd.case_id = c.id "
            "AND cd.state != 'declined') AS departments "
            "FROM cases c WHERE c.detected_at >= ? AND c.detected_at <= ? AND c.status != 'excluded' "
            "ORDER BY c.detected_at, c.id",
            (ts(start), ts(end)),
        )
        return [SurgeCandidate(r["id"], r["number"], r["platform"], r["text"], r["link_norm"],
                               dt_req(r["detected_at"]), _ids(r["departments"])) for r in rows]

    async def surges_of(self, conn: aiosqlite.Connection, case_ids: Iterable[int]) -> list[int]:
        ids = list(case_ids)
        if not ids:
            return []
        marks = ",".join("?" * len(ids))
        return [int(r[0]) for r in await fetch_all(conn, f"SELECT DISTINCT surge_id FROM surge_cases WHERE case_id IN ({marks}) "
                                "ORDER BY surge_id", ids)]

    async def create(self, conn: aiosqlite.Connection, reason: str, topic: str, department_id: int | None,
                     now: datetime) -> int:
        cur = await conn.execute(
            "INSERT INTO surges (reason, topic, department_id, created_at, updated_at) VALUES (?,?,?,?,?)",
            (reason, topic, department_id, ts(now), ts(now)))
        assert cur.lastrowid is not None
        return cur.lastrowid

    async def add_cases(self, conn: aiosqlite.Connection, surge_id: int, case_ids: Iterable[int],
                        now: datetime) -> int:
        """Add cases to a surge; return how many were new."""
        at = ts(now)
        cur = await conn.executemany("INSERT OR IGNORE INTO surge_cases (surge_id, case_id, added_at) VALUES (?,?,?)",
                                     [(surge_id, case_id, at) for case_id in case_ids])
        added = max(0, cur.rowcount)
        if added:
            await conn.execute("UPDATE surges SET updated_at = ? WHERE id = ?", (ts(now), surge_id))
        return added

    async def members(self, conn: aiosqlite.Connection, surge_id: int) -> list[int]:
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
    async def create(self, conn: aiosqlite.Connection, lead_case_id: int, case_ids: Sequence[int],
                     surge_id: int | None, title: str, actor_id: int, now: datetime) -> int:
        cur = await conn.execute(
            "INSERT INTO incidents (lead_case_id, surge_id, title, created_by, created_at) VALUES (?,?,?,?,?)",
            (lead_case_id, surge_id, title, actor_id, ts(now)))
        incident_id = cur.lastrowid
        assert incident_id is not None
        await conn.executemany("INSERT INTO incident_cases (incident_id, case_id, added_at) VALUES (?,?,?)",
                               [(incident_id, cid, ts(now)) for cid in case_ids])
        return incident_id

    async def incident_of(self, conn: aiosqlite.Connection, case_id: int) -> int | None:
        row = await fetch_one(conn, "SELECT incident_id FROM incident_cases WHERE case_id = ?", (case_id,))
        return int(row[0]) if row else None

    async def get(self, conn: aiosqlite.Connection, incident_id: int) -> IncidentRecord | None:
        r = await fetch_one(conn, "SELECT * FROM incidents WHERE id = ?", (incident_id,))
        if r is None:
            return None
        rec = IncidentRecord(r["id"], r["lead_case_id"], r["surge_id"], r["title"], r["created_by"],
                             dt_req(r["created_at"]), r["draft_id"], dt(r["approved_at"]))
        rec.case_ids = [int(x[0]) for x in await fetch_all(conn, "SELECT case_id FROM incident_cases WHERE incident_id = ? ORDER BY case_id",
                                (incident_id,))]
        return rec

    async def set_approved(self, conn: aiosqlite.Connection, incident_id: int, draft_id: int | None,
                           now: datetime) -> None:
        await conn.execute("UPDATE incidents SET draft_id = ?, approved_at = ? WHERE id = ?",
                           (draft_id, ts(now), incident_id))

    async def unpublished(self, conn: aiosqlite.Connection, incident_id: int) -> list[int]:
        """Members without a published answer (with its screenshot) yet."""
        return [int(r[0]) for r in await fetch_all(
            conn, "SELECT ic.case_id FROM incident_cases ic WHERE ic.incident_id = ? AND NOT EXISTS "
            "(SELECT 1 FROM publications p WHERE p.case_id = ic.case_id AND p.kind = 'answer' "
            "AND p.screenshot_file_id != '') ORDER BY ic.case_id", (incident_id,),
        )]
