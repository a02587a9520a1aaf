"""The rating's queries (issue 14 §4; the rules in bot/domain/ratings.py): one indexed pass over the period's
cases of the organisations in scope, one row of facts per case, and the period's transfers.

A period is ``[start, end)`` in UTC ISO text (``storage.codec.ts``); ``now`` decides which running clocks are
already past due. Every statement names the organisation (storage/scoping.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.domain.orgs import Scope
from bot.domain.ratings import Verdict
from storage.codec import dt, dt_req, ts
from storage.db import Conn, fetch_all
from storage.scoping import org_clause

# A clock's verdict: 2 missed (closed late, or running past due: now, or for a case given away the moment of
# the transfer), 1 met, 0 not decided. A received case is judged only on the clocks due after its receipt;
# one refused back (its status 'transferred' too) only on those due between its receipt and the refusal.
_VERDICT = """(SELECT MAX(CASE WHEN d.outcome = 'missed'
                                 OR (d.closed_at IS NULL AND d.due_at < COALESCE(c.given_at, ?)) THEN 2
                            WHEN d.outcome = 'met' THEN 1 ELSE 0 END)
         FROM deadlines d WHERE d.case_id = c.id AND d.rule = '{rule}'
         AND (c.received_at IS NULL OR d.due_at > c.received_at)
         AND (c.given_at IS NULL OR d.due_at <= c.given_at))"""

CASES_SQL = """
WITH c AS MATERIALIZED (
    SELECT c.id, c.org_id, c.detected_at, c.status = 'transferred' AS given,
           CASE WHEN c.status = 'transferred' THEN COALESCE(
               (SELECT MAX(t.at) FROM transfers t WHERE t.from_case_id = c.id AND +t.from_org = c.org_id),
               (SELECT MAX(t.refused_at) FROM transfers t WHERE t.to_case_id = c.id AND +t.to_org = c.org_id
                AND t.state = 'refused')) END AS given_at,
           (SELECT MIN(t.at) FROM transfers t WHERE t.to_case_id = c.id AND +t.to_org = c.org_id
            AND t.state IN ('transferred', 'refused')) AS received_at
    FROM cases c
    WHERE {org} AND c.detected_at >= ? AND c.detected_at < ? AND c.status NOT IN ('excluded', 'dismissed')
)
SELECT c.org_id, c.given, c.detected_at, c.received_at,
       (SELECT MIN(p.published_at) FROM publications p WHERE p.case_id = c.id) AS first_at,
       """ + _VERDICT.replace("{rule}", "answer") + """ AS answer,
       """ + _VERDICT.replace("{rule}", "final") + """ AS final,
       (SELECT (COUNT(*) << 16) | COUNT(*) FILTER (WHERE r.decision = 'returned') FROM drafts r
        WHERE r.case_id = c.id AND r.kind != 'info') AS drafts_returns,
       (SELECT COUNT(*) FROM (
            SELECT cd.department_id FROM case_departments cd WHERE cd.case_id = c.id AND cd.state = 'declined'
            UNION
            SELECT CAST(json_extract(e.payload, '$.department_id') AS INTEGER) FROM events e
            WHERE e.case_id = c.id AND e.kind = 'declined' AND e.refused = 0) AS x) AS declines
FROM c
"""  # noqa: S608  constant SQL of this module; the organisation clause comes from storage/scoping.py

TRANSFERS_SQL = """
SELECT t.from_org, t.to_org FROM transfers t WHERE t.id IN (
    SELECT id FROM transfers WHERE {from_org} AND at >= ? AND at < ?
    UNION
    SELECT id FROM transfers WHERE {to_org} AND at >= ? AND at < ?)
"""  # noqa: S608  constant SQL of this module; the organisation clauses come from storage/scoping.py


@dataclass(frozen=True)
class RatingCaseRow:
    """One case of the period as stored; the service turns its times into working minutes."""

    org_id: int
    given: bool
    detected_at: datetime
    received_at: datetime | None
    first_at: datetime | None
    answer: Verdict
    final: Verdict
    drafts: int
    returns: int
    declines: int


def cases_sql(scope: Scope) -> tuple[str, tuple[int, ...]]:
    org, params = org_clause(scope, "c.org_id")
    return CASES_SQL.replace("{org}", org), params


def transfers_sql(scope: Scope) -> tuple[str, tuple[int, ...], tuple[int, ...]]:
    from_org, p_from = org_clause(scope, "from_org")
    to_org, p_to = org_clause(scope, "to_org")
    return TRANSFERS_SQL.replace("{from_org}", from_org).replace("{to_org}", to_org), p_from, p_to


#: The tables the rating reads: none of them may be scanned in full (bench/ratings_bench.py, the plans' test).
RATING_TABLES = ("cases", "deadlines", "publications", "drafts", "case_departments", "events", "transfers")


def table_scans(plan: list[str]) -> list[str]:
    """The lines of a query plan that scan one of the rating's tables in full (``SCAN cases``, ``SCAN d``…
    by table or alias; a materialised CTE or a subquery is no table)."""
    aliases = {"c": "cases", "d": "deadlines", "p": "publications", "r": "drafts", "cd": "case_departments",
               "e": "events", "t": "transfers"}
    out = []
    for line in plan:
        if not line.startswith("SCAN "):
            continue
        name = line.split()[1]
        if name == "c" and any(p.startswith("MATERIALIZE c") for p in plan) and " USING " not in line:
            continue                    # the materialised CTE ``c``
        if aliases.get(name, name) in RATING_TABLES:
            out.append(line)
    return out


class RatingRepository:
    """Read-only; takes a connection (the shared one)."""

    async def cases(self, conn: Conn, start: datetime, end: datetime, now: datetime, *,
                    scope: Scope) -> list[RatingCaseRow]:
        sql, org_params = cases_sql(scope)
        rows = await fetch_all(conn, sql, (*org_params, ts(start), ts(end), ts(now), ts(now)))
        return [RatingCaseRow(
            org_id=int(r["org_id"]), given=bool(r["given"]), detected_at=dt_req(r["detected_at"]),
            received_at=dt(r["received_at"]), first_at=dt(r["first_at"]), answer=Verdict(r["answer"] or 0),
            final=Verdict(r["final"] or 0), drafts=int(r["drafts_returns"]) >> 16,
            returns=int(r["drafts_returns"]) & 65535, declines=int(r["declines"]))
            for r in rows]

    async def transfers(self, conn: Conn, start: datetime, end: datetime, *,
                        scope: Scope) -> list[tuple[int, int]]:
        """(from_org, to_org) of every transfer made in the period that touches the scope."""
        sql, p_from, p_to = transfers_sql(scope)
        rows = await fetch_all(conn, sql, (*p_from, ts(start), ts(end), *p_to, ts(start), ts(end)))
        return [(int(r["from_org"]), int(r["to_org"])) for r in rows]

    async def explain(self, conn: Conn, sql: str, params: tuple[object, ...]) -> list[str]:
        return [str(r[3]) for r in await fetch_all(conn, "EXPLAIN QUERY PLAN " + sql, params)]
