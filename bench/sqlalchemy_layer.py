"""The other tool of issue 15 §1, for measuring only: the repositories' connection over SQLAlchemy 2 Core.

The project's thin layer is aiosqlite itself on SQLite and :mod:`storage.pg` (asyncpg) on PostgreSQL. To
choose by measuring, this module offers the same :class:`storage.db.Conn` over SQLAlchemy's
``AsyncConnection`` (``create_async_engine`` with ``sqlite+aiosqlite`` or ``postgresql+asyncpg``), each
statement run by ``exec_driver_sql`` — the cheapest path SQLAlchemy has for SQL written by hand (``text()``
adds its own parameter compilation on top) — and the same transactions as today's: ``BEGIN IMMEDIATE`` on
SQLite's one connection, ``BEGIN`` + the writers' advisory lock on PostgreSQL. Rows are read by index and
by name as the repositories read them. The update benchmark runs the real bot on it
(``bench/tool_bench.py``); nothing of the bot imports this module.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import AsyncIterator, Iterable, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from storage.db import Conn, Database, is_postgresql_url, sha256_hex
from storage.dialect import POSTGRESQL, Dialect
from storage.pg import PgCursor, _Pending
from storage.pg_db import _ID_TABLES_SQL, POOL_MAX, WRITE_LOCK_KEY, PgDatabase


class SaRow:
    """One row, by index and by column name (what ``sqlite3.Row`` and ``asyncpg.Record`` give)."""

    __slots__ = ("_row",)

    def __init__(self, row: Any) -> None:
        self._row = row

    def __getitem__(self, key: int | str) -> Any:
        return self._row._mapping[key] if isinstance(key, str) else self._row[key]

    def keys(self) -> list[str]:
        return list(self._row._mapping.keys())

    def __iter__(self) -> Iterator[Any]:
        return iter(self._row)

    def __len__(self) -> int:
        return len(self._row)


def _cursor(result: CursorResult[Any], returns_id: bool) -> PgCursor:
    if result.returns_rows:
        rows = [SaRow(r) for r in result.fetchall()]
        if returns_id:
            return PgCursor([], len(rows), int(rows[-1][0]) if rows else None)
        return PgCursor(rows, len(rows), None)
    return PgCursor([], result.rowcount, getattr(result, "lastrowid", None))


class SaConnection:
    """:class:`storage.db.Conn` over one SQLAlchemy ``AsyncConnection`` (autocommit at the driver: the
    transactions are the database's own, as today). On PostgreSQL each statement is translated once by
    :mod:`storage.dialect`, as :mod:`storage.pg` does."""

    def __init__(self, conn: AsyncConnection, dialect: Dialect | None) -> None:
        self.conn = conn
        self.dialect = dialect
        self.active = True                      # as storage.pg.PgConnection: a transaction's serves only
        self.owner = asyncio.current_task()     # the task that opened it, while it lasts

    def _args(self, sql: str, params: Any) -> tuple[str, Any, bool]:
        if self.dialect is None:           # SQLAlchemy takes a tuple or a dict; the repositories pass lists too
            return sql, params if isinstance(params, dict) else tuple(params), False
        st = self.dialect.statement(sql)
        return st.text, tuple(st.args(params)), st.returns_id

    async def _run(self, sql: str, params: Any) -> PgCursor:
        text, args, returns_id = self._args(sql, params)
        return _cursor(await self.conn.exec_driver_sql(text, args), returns_id)

    def execute(self, sql: str, parameters: Any = ()) -> _Pending:
        return _Pending(self._run(sql, parameters))

    async def execute_fetchall(self, sql: str, parameters: Any = ()) -> list[SaRow]:
        return await (await self._run(sql, parameters)).fetchall()

    async def executemany(self, sql: str, parameters: Iterable[Any]) -> PgCursor:
        batch = [p if isinstance(p, dict) else tuple(p) for p in parameters]
        if not batch:
            return PgCursor([], 0, None)
        if self.dialect is None:
            result = await self.conn.exec_driver_sql(sql, batch)
            return PgCursor([], result.rowcount, None)
        st = self.dialect.statement(sql)
        if st.returns_rows:          # INSERT … RETURNING id: one by one, as storage.pg does
            total, last = 0, None
            for row in batch:
                cur = _cursor(await self.conn.exec_driver_sql(st.text, tuple(st.args(row))), st.returns_id)
                total += cur.rowcount
                last = cur.lastrowid if cur.lastrowid is not None else last
            return PgCursor([], total, last)
        await self.conn.exec_driver_sql(st.text, [tuple(st.args(r)) for r in batch])
        return PgCursor([], -1, None)


class _SqliteRaw:
    """What ``Database.close`` closes on SQLite: the one connection and its engine."""

    def __init__(self, conn: AsyncConnection, engine: AsyncEngine) -> None:
        self.conn = conn
        self.engine = engine

    async def close(self) -> None:
        await self.conn.close()
        await self.engine.dispose()


async def open_sqlite(path: str | Path, *, migrate: bool = True) -> Database:
    """``Database.open`` with SQLAlchemy between the repositories and aiosqlite: the same pragmas, the same
    one connection, the same ``BEGIN IMMEDIATE`` transactions."""
    engine = create_async_engine(f"sqlite+aiosqlite:///{path}")
    conn = await engine.connect()
    conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
    raw = await conn.get_raw_connection()
    await raw.driver_connection.create_function("sha256_hex", 1, sha256_hex, deterministic=True)  # type: ignore[union-attr]
    for pragma in ("busy_timeout = 5000", "journal_mode = WAL", "foreign_keys = ON", "synchronous = NORMAL"):
        await conn.exec_driver_sql(f"PRAGMA {pragma}")
    db = Database(SaConnection(conn, None), str(path))
    db._raw = _SqliteRaw(conn, engine)
    if migrate:
        await db.migrate()
    return db


class SaPgDatabase(PgDatabase):
    """:class:`storage.pg_db.PgDatabase` with its transactions and statements over a SQLAlchemy engine
    (``postgresql+asyncpg``) instead of asyncpg's pool; the rest (``execute``, ``serialised``…) inherited."""

    def __init__(self, engine: AsyncEngine, dialect: Dialect) -> None:     # not PgDatabase.__init__: no pool
        Database.__init__(self, None, "")
        self.engine = engine
        self.dialect = dialect
        self._sa_current: contextvars.ContextVar[SaConnection | None] = contextvars.ContextVar(
            f"sa_tx_{id(self)}", default=None)
        self.conn = _SaPoolConnection(self)

    @classmethod
    async def over_engine(cls, url: str) -> SaPgDatabase:
        engine = create_async_engine(url.replace("postgresql://", "postgresql+asyncpg://", 1),
                                     pool_size=POOL_MAX, max_overflow=0,
                                     connect_args={"server_settings": {"jit": "off"}})     # as storage.pg_db

        @event.listens_for(engine.sync_engine, "connect")
        def _codecs(dbapi_conn: Any, _record: Any) -> None:
            dbapi_conn.run_async(_raw_codecs)

        async with engine.connect() as conn:
            rows = (await conn.exec_driver_sql(_ID_TABLES_SQL)).fetchall()
        return cls(engine, Dialect(POSTGRESQL, frozenset(str(r[0]) for r in rows)))

    async def close(self) -> None:
        await self.engine.dispose()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Conn]:
        if self._sa_current.get() is not None:
            raise RuntimeError("a transaction inside a transaction")
        async with self._write_lock, self.engine.connect() as raw:
            tx = await raw.begin()
            conn = SaConnection(raw, self.dialect)
            token = self._sa_current.set(conn)
            try:
                await raw.exec_driver_sql("SELECT pg_advisory_xact_lock($1)", (WRITE_LOCK_KEY,))
                yield conn
            except BaseException:
                conn.active = False
                self._sa_current.reset(token)
                await asyncio.shield(tx.rollback())
                raise
            else:
                conn.active = False
                self._sa_current.reset(token)
                await tx.commit()


class _SaPoolConnection:
    """``Database.conn``: the current task's transaction, or a pooled connection per statement."""

    def __init__(self, db: SaPgDatabase) -> None:
        self.db = db

    @asynccontextmanager
    async def _conn(self) -> AsyncIterator[SaConnection]:
        tx = self.db._sa_current.get()
        if tx is not None and tx.active and tx.owner is asyncio.current_task():
            yield tx
            return
        async with self.db.engine.connect() as raw:
            raw = await raw.execution_options(isolation_level="AUTOCOMMIT")
            yield SaConnection(raw, self.db.dialect)

    async def _run(self, sql: str, params: Any) -> PgCursor:
        async with self._conn() as conn:
            return await conn._run(sql, params)

    def execute(self, sql: str, parameters: Any = ()) -> _Pending:
        return _Pending(self._run(sql, parameters))

    async def execute_fetchall(self, sql: str, parameters: Any = ()) -> list[SaRow]:
        return await (await self._run(sql, parameters)).fetchall()

    async def executemany(self, sql: str, parameters: Iterable[Any]) -> PgCursor:
        async with self._conn() as conn:
            return await conn.executemany(sql, parameters)


async def _raw_codecs(raw: Any) -> None:
    """What raw asyncpg gives (storage.pg_db's ``_init_connection``): numeric as float, and JSON as its text
    (SQLAlchemy's dialect decodes JSON itself; the repositories parse the text, as on SQLite)."""
    await raw.set_type_codec("numeric", encoder=str, decoder=float, schema="pg_catalog", format="text")
    for kind in ("json", "jsonb"):
        await raw.set_type_codec(kind, encoder=str, decoder=str, schema="pg_catalog", format="text")


async def open_database(target: str | Path) -> Database:
    """``storage.connect.open_database`` with SQLAlchemy underneath (the database is migrated already)."""
    if is_postgresql_url(target):
        return await SaPgDatabase.over_engine(str(target))
    return await open_sqlite(target)
