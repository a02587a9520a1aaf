"""What the place index reads of cases: the open ones' numbers and texts (no deadlines, no assignments)."""

from __future__ import annotations

import aiosqlite

from bot.domain.model import OPEN
from storage.db import fetch_all

_OPEN = tuple(s.value for s in OPEN)


async def open_case_texts(conn: aiosqlite.Connection, limit: int) -> list[tuple[int, str, str]]:
    """(id, number, text) of the open cases, oldest first."""
    marks = ", ".join("?" for _ in _OPEN)
    rows = await fetch_all(conn, f"SELECT id, number, text FROM cases WHERE status IN ({marks}) ORDER BY id LIMIT ?",  # noqa: S608  composes only module constants and ? placeholders; every value is bound
                           (*_OPEN, limit))
    return [(int(r[0]), str(r[1]), str(r[2] or "")) for r in rows]
