"""The organisation filter of every query on a scoped table (issue 14): one place renders a
``bot.domain.orgs.Scope`` as SQL, so that a case, a department or a person of another organisation is never
read, changed or counted by mistake. Scoped tables: cases, departments, operators, officials, invites,
surges, places, org_admins (``org_id``) and transfers (``from_org``/``to_org``)."""

from __future__ import annotations

import re

from bot.domain.orgs import Scope

_COLUMN = re.compile(r"^(?:[a-z_][a-z0-9_]*\.)?[a-z_][a-z0-9_]*$")

#: Tables whose rows belong to one organisation; tests/integration/test_org_scoping.py checks that every
#: statement on them names the organisation.
SCOPED_TABLES = ("cases", "departments", "operators", "officials", "invites", "surges", "places", "org_admins",
                 "transfers")


def org_clause(scope: Scope, column: str = "org_id") -> tuple[str, tuple[int, ...]]:
    """``(sql, params)`` restricting ``column`` to the scope's organisations. Everything (the coordinator's
    read-only view, the system's timed jobs) is every organisation that exists — still a filter on the
    column, so the query plans stay the same."""
    if not _COLUMN.match(column):
        raise ValueError(f"not a column name: {column!r}")
    if scope.everything:
        return f"{column} IN (SELECT id FROM organisations)", ()  # noqa: S608  column checked above (a name, no value)
    ids = tuple(sorted(scope.orgs))
    if not ids:
        return "0", ()
    return f"{column} IN ({','.join('?' * len(ids))})", ids
