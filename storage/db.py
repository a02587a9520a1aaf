"""The database: SQLite (the embedded default) or PostgreSQL, with numbered migrations and transactions.

The database is the single source of truth. On SQLite one aiosqlite connection is shared by the process
(WAL, foreign keys, busy timeout); write transactions are serialised by an asyncio lock and use
``BEGIN IMMEDIATE`` so that two use cases never interleave. On PostgreSQL (``DATABASE_URL``,
:mod:`storage.pg`) the same holds across every process of the deployment: a write transaction takes a
transaction-level advisory lock first. No Telegram call may happen inside ``transaction()``: services
collect what has to be sent and hand it to the notifier after the commit.

The repositories see one interface, :data:`Conn` (what aiosqlite's connection offers and
:class:`storage.pg.PgConnection` imitates), and write their SQL once; :mod:`storage.dialect` is where the
two dialects differ.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
import logging
import re
import sqlite3
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path
from typing import Any, Protocol

import aiosqlite
import asyncpg

from storage.dialect import SQLITE_DIALECT, Dialect

log = logging.getLogger(__name__)

MIGRATION_RE = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")
BUSY_TIMEOUT_MS = 5000

#: What a broken constraint raises on either backend (a unique key, a foreign key, the audit trail's triggers).
INTEGRITY_ERRORS: tuple[type[Exception], ...] = (sqlite3.IntegrityError, asyncpg.IntegrityConstraintViolationError)

#: A row: read by index and by column name (``sqlite3.Row`` or ``asyncpg.Record``).
Row = Any


class Cursor(Protocol):
    lastrowid: int | None
    rowcount: int

    async def fetchone(self) -> Row | None: ...
    async def fetchall(self) -> Iterable[Row]: ...


class Conn(Protocol):
    """What a repository may call on a connection: aiosqlite's subset that :mod:`storage.pg` also offers."""

    def execute(self, sql: str, parameters: Any = ...) -> Any: ...
    async def execute_fetchall(self, sql: str, parameters: Any = ...) -> Iterable[Row]: ...
    async def executemany(self, sql: str, parameters: Iterable[Any]) -> Any: ...


def is_postgresql_url(target: str | Path) -> bool:
    return isinstance(target, str) and target.startswith(("postgresql://", "postgres://"))


async def fetch_one(conn: Conn, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> Row | None:
    """The first row of a query expected to return at most a few rows, in one round trip to the
    database thread (``async with conn.execute() as cur: await cur.fetchone()`` takes three)."""
    rows = await conn.execute_fetchall(sql, params)
    for row in rows:
        return row
    return None


async def fetch_all(conn: Conn, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> list[Row]:
    """Every row of a query, in one round trip to the database thread."""
    return list(await conn.execute_fetchall(sql, params))


class MigrationError(RuntimeError):
    pass


@functools.cache
def sha256_hex(text: str | None) -> str | None:
    """The SHA-256 of a text, in hex: how an invite's token is stored (storage/directory.py, migration 0011)."""
    return None if text is None else hashlib.sha256(text.encode("utf-8")).hexdigest()


def load_migrations(dialect: str = "sqlite") -> tuple[tuple[int, str, str], ...]:
    """Return ``(number, name, sql)`` of every packaged migration, in order, checking numbering
    (read once: the packaged files do not change while the program runs).

    SQLite's migrations are ``storage/migrations/NNNN_*.sql`` from 0001. PostgreSQL's
    (``storage/migrations/postgresql/``) start at a baseline that creates the schema SQLite has at the same
    number; from there both folders get every new number together."""
    folder = resources.files("storage") / "migrations"
    if dialect != "sqlite":
        folder = folder / dialect
    found: list[tuple[int, str, str]] = []
    for entry in folder.iterdir():
        m = MIGRATION_RE.match(entry.name)
        if m:
            found.append((int(m.group(1)), entry.name, entry.read_text(encoding="utf-8")))
    found.sort()
    first = found[0][0] if found else 1
    for expected, (number, name, _) in enumerate(found, start=first if dialect != "sqlite" else 1):
        if number != expected:
            raise MigrationError(f"migration numbering gap: expected {expected:04d}, found {name}")
    return tuple(found)


class Database:
    """One aiosqlite connection with the project's pragmas and a transaction helper.

    ``storage.connect.open_database`` of a ``postgresql://`` URL returns the PostgreSQL one
    (:class:`storage.pg_db.PgDatabase`), which offers the same calls."""

    dialect: Dialect = SQLITE_DIALECT
    #: On PostgreSQL the connection string without its password (logs, health); empty on SQLite.
    url: str = ""

    def __init__(self, conn: Any, path: str) -> None:
        self.conn: Conn = conn
        self._raw = conn              # SQLite: the aiosqlite connection itself
        self.path = path
        self._write_lock = asyncio.Lock()

    @property
    def is_postgresql(self) -> bool:
        return self.dialect.is_postgresql

    @classmethod
    async def open(cls, path: str | Path, *, migrate: bool = True) -> Database:
        """The SQLite database at ``path`` (``storage.connect.open_database`` opens either backend)."""
        path_str = str(path)
        if path_str != ":memory:" and not path_str.startswith("file:"):
            Path(path_str).parent.mkdir(parents=True, exist_ok=True)
        conn = await aiosqlite.connect(path_str, isolation_level=None)
        conn.row_factory = aiosqlite.Row
        await conn.create_function("sha256_hex", 1, sha256_hex, deterministic=True)   # migration 0011
        await conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        await conn.execute("PRAGMA journal_mode = WAL")
        await conn.execute("PRAGMA foreign_keys = ON")
        await conn.execute("PRAGMA synchronous = NORMAL")
        db = cls(conn, path_str)
        if migrate:
            await db.migrate()
        return db

    async def close(self) -> None:
        await self._raw.close()

    async def ping(self) -> bool:
        """``SELECT 1`` on the shared connection (the health check); raises when the database is closed."""
        row = await self.fetchone("SELECT 1")
        return row is not None and row[0] == 1

    async def schema_version(self) -> int:
        row = await self.fetchone("PRAGMA user_version")
        return int(row[0]) if row else 0

    async def migrate(self) -> int:
        """Apply every migration newer than ``PRAGMA user_version``; return the resulting version."""
        migrations = load_migrations()
        current = await self.schema_version()
        if current > len(migrations):
            raise MigrationError(
                f"database schema {current} is newer than this program knows ({len(migrations)})"
            )
        async with self._write_lock:
            for number, name, sql in migrations[current:]:
                log.info("applying migration %s", name)
                await self.conn.execute("BEGIN IMMEDIATE")
                try:
                    # executescript would COMMIT implicitly; run statement by statement instead.
                    for statement in _split_sql(sql):
                        await self.conn.execute(statement)
                    await self.conn.execute(f"PRAGMA user_version = {number}")
                    await self.conn.execute("COMMIT")
                except BaseException:
                    await self.conn.execute("ROLLBACK")
                    raise
        return await self.schema_version()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Conn]:
        """A write transaction: ``BEGIN IMMEDIATE`` … ``COMMIT`` (``ROLLBACK`` on any error)."""
        async with self._write_lock:
            try:
                await self.conn.execute("BEGIN IMMEDIATE")
            except asyncio.CancelledError:
                # aiosqlite runs the queued BEGIN anyway: roll it back behind it (its worker keeps the order),
                # or the next transaction would find the connection inside this one.
                await asyncio.shield(self._rollback_if_open())
                raise
            try:
                yield self.conn
            except BaseException:
                await self.conn.execute("ROLLBACK")
                raise
            else:
                await self.conn.execute("COMMIT")

    async def _rollback_if_open(self) -> None:
        with contextlib.suppress(sqlite3.OperationalError):     # the BEGIN failed: nothing to roll back
            await self.conn.execute("ROLLBACK")

    @asynccontextmanager
    async def serialised(self) -> AsyncIterator[Conn]:
        """Writes under the write lock in autocommit mode: each statement is its own transaction, one
        round trip each (no ``BEGIN``/``COMMIT``). Only for statements that need no atomicity together."""
        async with self._write_lock:
            yield self.conn

    @property
    def in_transaction(self) -> bool:
        return self._write_lock.locked()

    async def fetchone(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> Row | None:
        return await fetch_one(self.conn, sql, params)

    async def fetchall(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> list[Row]:
        return await fetch_all(self.conn, sql, params)

    async def execute(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> int:
        """Run one statement in its own transaction; return the last row id."""
        async with self.transaction() as conn:
            cur = await conn.execute(sql, params)
            return cur.lastrowid or 0

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        async with self.transaction() as conn:
            await conn.executemany(sql, rows)


def _split_sql(script: str) -> list[str]:
    """Split a migration into statements (``sqlite3.complete_statement`` respects quotes and triggers)."""

    statements: list[str] = []
    buf = ""
    for line in script.splitlines(keepends=True):
        if not buf and line.strip().startswith("--"):
            continue
        buf += line
        if sqlite3.complete_statement(buf):
            if buf.strip():
                statements.append(buf.strip())
            buf = ""
    if buf.strip():
        raise MigrationError(f"incomplete SQL statement at end of migration: {buf.strip()[:60]}")
    return statements
