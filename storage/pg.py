"""The PostgreSQL backend: asyncpg connections that look like the aiosqlite connection the repositories use.

The repositories call ``conn.execute(sql, params)`` (awaited, or as ``async with … as cur``),
``conn.execute_fetchall`` and ``conn.executemany`` and read ``cur.lastrowid``, ``cur.rowcount``,
``await cur.fetchone()`` / ``fetchall()``; rows are read by index and by name. :class:`PgConnection` gives
the same over one asyncpg connection, with each statement translated once by :mod:`storage.dialect`.

:class:`PgPoolConnection` is what ``Database.conn`` is on PostgreSQL: inside a transaction of the current
task it is that transaction's connection (so a read sees the transaction's own writes, as on SQLite's one
connection); outside, each statement borrows a pooled connection for itself.
"""

from __future__ import annotations

import asyncio
import contextvars
import re
from collections.abc import AsyncIterator, Awaitable, Generator, Iterable, Mapping, Sequence
from contextlib import asynccontextmanager
from types import TracebackType
from typing import Any

import asyncpg

from storage.dialect import Dialect

_COUNT = re.compile(r"(\d+)$")
_ON_CONFLICT = re.compile(r"\bON\s+CONFLICT\b", re.IGNORECASE)
_INSERT = re.compile(r"^\s*INSERT\b", re.IGNORECASE)

Params = Sequence[Any] | Mapping[str, Any]


class PgCursor:
    """The result of one statement, fully read: rows, ``rowcount`` and ``lastrowid`` as sqlite3 means them."""

    def __init__(self, rows: list[asyncpg.Record], rowcount: int, lastrowid: int | None) -> None:
        self._rows = rows
        self._next = 0
        self.rowcount = rowcount
        self.lastrowid = lastrowid

    async def fetchone(self) -> asyncpg.Record | None:
        if self._next >= len(self._rows):
            return None
        self._next += 1
        return self._rows[self._next - 1]

    async def fetchall(self) -> list[asyncpg.Record]:
        rest, self._next = self._rows[self._next:], len(self._rows)
        return rest

    async def close(self) -> None:
        return None


class _Pending:
    """``conn.execute(…)``: awaitable for the cursor, or an async context manager yielding it."""

    def __init__(self, run: Awaitable[PgCursor]) -> None:
        self._run = run

    def __await__(self) -> Generator[Any, None, PgCursor]:
        return self._run.__await__()

    async def __aenter__(self) -> PgCursor:
        return await self._run

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        return None


async def run_statement(raw: asyncpg.Connection, dialect: Dialect, sql: str, params: Params) -> PgCursor:
    st = dialect.statement(sql)
    args = st.args(params)
    if st.returns_rows:
        rows = await raw.fetch(st.text, *args)
        lastrowid = int(rows[-1][0]) if st.returns_id and rows else None
        return PgCursor([] if st.returns_id else rows, len(rows), lastrowid)
    status = await raw.execute(st.text, *args)
    m = _COUNT.search(status or "")
    return PgCursor([], int(m.group(1)) if m else -1, None)


class PgConnection:
    """One asyncpg connection (a transaction's) with the aiosqlite-like calls of the repositories.

    ``owner``: the task whose transaction it is — only that task's ``Database.conn`` reads go through it
    (a task started inside the transaction inherits the context variable, not the connection);
    ``active``: False once the transaction has ended."""

    def __init__(self, raw: asyncpg.Connection, dialect: Dialect) -> None:
        self.raw = raw
        self.dialect = dialect
        self.owner = asyncio.current_task()
        self.active = True

    def execute(self, sql: str, params: Params = ()) -> _Pending:
        return _Pending(run_statement(self.raw, self.dialect, sql, params))

    async def execute_fetchall(self, sql: str, params: Params = ()) -> list[asyncpg.Record]:
        return await (await run_statement(self.raw, self.dialect, sql, params)).fetchall()

    async def executemany(self, sql: str, rows: Iterable[Params]) -> PgCursor:
        st = self.dialect.statement(sql)
        batch = [st.args(r) for r in rows]
        if not batch:
            return PgCursor([], 0, None)
        if st.returns_rows:        # INSERT … RETURNING id: one by one keeps the count and the last id
            total, last = 0, None
            for args in batch:
                got = await self.raw.fetch(st.text, *args)
                total += len(got)
                if got and st.returns_id:
                    last = int(got[-1][0])
            return PgCursor([], total, last)
        if _ON_CONFLICT.search(st.text):   # rows may be skipped: count them one by one, as sqlite3's rowcount does
            prepared = await self.raw.prepare(st.text)
            total = 0
            for args in batch:
                await prepared.fetch(*args)
                m = _COUNT.search(prepared.get_statusmsg() or "")
                total += int(m.group(1)) if m else 0
            return PgCursor([], total, None)
        await self.raw.executemany(st.text, batch)
        return PgCursor([], len(batch) if _INSERT.match(st.text) else -1, None)


class PgPoolConnection:
    """``Database.conn`` on PostgreSQL: the current task's transaction, or a pooled connection per statement."""

    def __init__(self, pool: asyncpg.Pool, dialect: Dialect,
                 current: contextvars.ContextVar[PgConnection | None]) -> None:
        self.pool = pool
        self.dialect = dialect
        self._current = current

    @asynccontextmanager
    async def _conn(self) -> AsyncIterator[PgConnection]:
        tx = self._current.get()
        if tx is not None and tx.active and tx.owner is asyncio.current_task():
            yield tx
            return
        async with self.pool.acquire() as raw:
            yield PgConnection(raw, self.dialect)

    async def _run(self, sql: str, params: Params) -> PgCursor:
        async with self._conn() as conn:
            return await run_statement(conn.raw, self.dialect, sql, params)

    def execute(self, sql: str, params: Params = ()) -> _Pending:
        return _Pending(self._run(sql, params))

    async def execute_fetchall(self, sql: str, params: Params = ()) -> list[asyncpg.Record]:
        return await (await self._run(sql, params)).fetchall()

    async def executemany(self, sql: str, rows: Iterable[Params]) -> PgCursor:
        async with self._conn() as conn:
            return await conn.executemany(sql, rows)
