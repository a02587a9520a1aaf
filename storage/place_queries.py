"""What the place index reads of cases: the open ones' numbers and texts (no deadlines, no assignments)."""

from __future__ import annotations

from collections.abc import Sequence

from bot.domain.model import OPEN
from bot.domain.orgs import Scope
from storage.db import Conn, fetch_all
from storage.scoping import org_clause

_OPEN = tuple(s.value for s in OPEN)


async def open_case_texts(conn: Conn, limit: int,
                          containing: Sequence[str] = (), *, scope: Scope) -> list[tuple[int, str, str]]:
    """(id, number, text) of the open cases of the scope, oldest first; with ``containing``, only those whose
    text holds one of these strings (a house number's digits: an address can only be in a text that writes them)."""
    marks = ", ".join("?" for _ in _OPEN)
    having = f" AND ({' OR '.join('instr(text, ?) > 0' for _ in containing)})" if containing else ""
    org_sql, org_params = org_clause(scope)
    rows = await fetch_all(
        conn, f"SELECT id, number, text FROM cases WHERE {org_sql} AND status IN ({marks}){having} "  # noqa: S608  composes only module constants, a checked column and ? placeholders; every value is bound
              "ORDER BY id LIMIT ?",
        (*org_params, *_OPEN, *containing, limit))
    return [(int(r[0]), str(r[1]), str(r[2] or "")) for r in rows]
