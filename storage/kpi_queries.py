"""What the KPIs count (docs/kpi.md): the SQL over the cases of a period and the rows it gives.

Every query names the organisation (issue 14): its ``ORG_FILTER`` marker becomes the scope's filter on
``c.org_id`` (``scoped``), so an organisation's /report counts only its own cases.

A period is ``[start, end)`` in UTC ISO text (``storage.codec.ts``), compared as text: the stored
format is sortable. ``now`` decides which open deadlines are already past due.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.domain.orgs import Scope
from storage.scoping import org_clause

#: Where a query of this module filters the cases by organisation; ``scoped`` renders it.
ORG_FILTER = "/*org*/ 1"


def scoped(sql: str, scope: Scope, params: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """``sql`` with its ``ORG_FILTER`` replaced by the scope's filter on ``c.org_id`` (storage.scoping.org_clause,
    its values bound by name like the rest of these queries) and the parameters with the organisations'."""
    if ORG_FILTER not in sql:
        raise ValueError("the query has no organisation filter")
    org_sql, org_params = org_clause(scope, "c.org_id")
    named = {f"org{i}": value for i, value in enumerate(org_params)}
    for name in named:
        org_sql = org_sql.replace("?", f":{name}", 1)
    return sql.replace(ORG_FILTER, org_sql), {**params, **named}


# Rules whose miss makes the answer to the citizen late: cl. 6 (answer) and cl. 7 (final).
ANSWER_RULES = ("answer", "final")


@dataclass
class KpiRow:
    """Counts of one slice (the total, one department or one platform); see docs/kpi.md."""

    dim: str                      # total | department | platform
    key: str | int | None         # department id (None: not routed) or platform code
    received: int = 0
    out_of_scope: int = 0         # excluded (59-ФЗ, cl. 1) or dismissed
    answered: int = 0             # closed: the answer posted with a screenshot (cl. 16)
    on_time: int = 0
    closed_late: int = 0
    open_overdue: int = 0
    open: int = 0
    intermediate: int = 0         # with a published intermediate answer (cl. 7)
    drafts: int = 0
    returns: int = 0              # drafts returned for rework (cl. 14, 15)
    declines: int = 0             # «Не наша компетенция» (cl. 12), in the declining department
    significant: int = 0          # «Общественно значимое» (cl. 21)
    #: late cases whose every missed answer/final clock was inherited: the time was used up before the
    #: department received the case (a late decline, a slow re-route; docs/workflow.md)
    inherited: int = 0
    clarification_only: int = 0   # closed / awaiting the author with only a clarification request published
    clarified: int = 0            # of them closed and not late: kept out of «answered on time» and the share

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
           (SELECT (COUNT(*) << 16) | COUNT(*) FILTER (WHERE r.decision = 'returned') FROM drafts r
            WHERE r.case_id = c.id AND r.kind != 'info') AS drafts_returns
    FROM cases c
    WHERE c.detected_at >= :start AND c.detected_at < :end AND c.status != 'transferred'  -- counted where it went
      AND /*org*/ 1
)
"""  # noqa: S608  constant SQL of this module; values are bound by name

# The flags are booleans on PostgreSQL, 0/1 on SQLite: counted with FILTER (both run it); c.significant and
# c.clar_only are integers on both.
_AGG = """
    COUNT(*) AS received,
    COUNT(*) FILTER (WHERE c.out_of_scope) AS out_of_scope,
    COUNT(*) FILTER (WHERE c.closed) AS answered,
    COUNT(*) FILTER (WHERE c.closed AND NOT c.late) AS on_time,       -- clarified ones taken off in Python
    COUNT(*) FILTER (WHERE c.closed AND c.late) AS closed_late,
    COUNT(*) FILTER (WHERE c.open_ AND c.late) AS open_overdue,
    COUNT(*) FILTER (WHERE c.open_) AS open,
    COUNT(*) FILTER (WHERE c.intermediate AND NOT c.out_of_scope) AS intermediate,
    COALESCE(SUM(c.drafts_returns >> 16), 0) AS drafts,
    COALESCE(SUM(c.drafts_returns & 65535), 0) AS returns,
    COUNT(*) FILTER (WHERE c.significant = 1) AS significant,
    COUNT(*) FILTER (WHERE c.clar_only = 1) AS clarification_only,
    COUNT(*) FILTER (WHERE c.clar_only = 1 AND c.closed AND NOT c.late) AS clarified,
    0 AS declines,
    COUNT(*) FILTER (WHERE c.late AND c.late_inherited AND NOT c.out_of_scope) AS inherited
"""

# ``key``: the platform, or a department's id as text (one column type for the union; read back as int).
KPI_SQL = _CASE_FLAGS + f"""
SELECT 'total' AS dim, NULL AS key, {_AGG} FROM c
UNION ALL
SELECT 'platform', c.platform, {_AGG} FROM c GROUP BY c.platform
UNION ALL
SELECT 'department', CAST(cd.department_id AS TEXT), {_AGG}
FROM c LEFT JOIN case_departments cd ON cd.case_id = c.id AND cd.state != 'declined'
GROUP BY cd.department_id
UNION ALL
SELECT 'declines', CAST(x.department_id AS TEXT), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, COUNT(*), 0
FROM c CROSS JOIN (     -- CROSS JOIN: SQLite keeps the loop order (the period's cases outside)
    -- a department withdrawn from the case after it declined keeps its decline (the audit event)
    SELECT case_id, department_id FROM case_departments WHERE state = 'declined'
    UNION
    SELECT case_id, CAST(json_extract(payload, '$.department_id') AS INTEGER) FROM events WHERE kind = 'declined' AND refused = 0
) x
WHERE x.case_id = c.id
GROUP BY x.department_id
"""  # noqa: S608  constant SQL of this module; values are bound by name

# Attributed misses (docs/kpi.md, «Кто просрочил»): every deadline of the period's cases in scope whose
# blame was fixed when it ran out (bot.domain.accountability.attribute), split into its parties.
# A clock past due but not attributed yet (the expiry run has not come) is not counted here.
PARTY_SQL = """
SELECT j.value AS party, d.rule, d.blame_inherited AS inherited, COUNT(*) AS n
FROM cases c
JOIN deadlines d ON d.case_id = c.id AND d.blame IS NOT NULL
CROSS JOIN json_each(d.blame) j
WHERE c.detected_at >= :start AND c.detected_at < :end AND c.status NOT IN ('excluded', 'dismissed')
  AND /*org*/ 1
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
    WHERE c.detected_at >= :start AND c.detected_at < :end AND c.status NOT IN ('excluded', 'dismissed', 'transferred')
      AND /*org*/ 1
) t WHERE first_at IS NOT NULL
"""

DAILY_SQL = """
SELECT substr(c.detected_at, 1, 10) AS day_utc, c.detected_at,
       c.status = 'closed' AS closed,
       EXISTS (SELECT 1 FROM deadlines d WHERE d.case_id = c.id AND d.rule IN ('answer', 'final')
               AND (d.outcome = 'missed' OR (d.closed_at IS NULL AND d.due_at < :now))) AS late,
       c.status NOT IN ('closed', 'excluded', 'dismissed') AS open_,
       """ + CLARIFICATION_ONLY_SQL + """ AS clar_only
FROM cases c
WHERE c.detected_at >= :start AND c.detected_at < :end AND c.status NOT IN ('excluded', 'dismissed', 'transferred') AND /*org*/ 1
"""  # noqa: S608  constant SQL of this module; values are bound by name


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
