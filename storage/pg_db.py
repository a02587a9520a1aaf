"""The database on PostgreSQL (``DATABASE_URL=postgresql://…``): a pool, migrations, transactions.

Semantics kept from SQLite: one write transaction at a time — now across every process of the deployment,
by a transaction-level advisory lock taken right after ``BEGIN`` (``pg_advisory_xact_lock``, released by
``COMMIT``/``ROLLBACK`` or by the server when the connection dies) — and reads that see the current task's
own uncommitted writes (``Database.conn`` is the transaction's connection inside it). Migrations run under a
session advisory lock, so two processes starting together apply each migration once.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from storage.db import Conn, Database, MigrationError, load_migrations
from storage.dialect import POSTGRESQL, Dialect
from storage.pg import PgConnection, PgPoolConnection

log = logging.getLogger(__name__)

#: Advisory lock keys of this program (``pg_advisory_*``), one namespace: the writers' lock, migrations,
#: leadership (``bot/runtime/leader.py``).
WRITE_LOCK_KEY = 0x534D_4901
MIGRATE_LOCK_KEY = 0x534D_4902
LEADER_LOCK_KEY = 0x534D_4903

POOL_MAX = 10
_ID_TABLES_SQL = """
SELECT table_name FROM information_schema.columns
WHERE table_schema = current_schema() AND column_name = 'id'
  AND (is_identity = 'YES' OR column_default LIKE 'nextval(%')
"""


def redact(url: str) -> str:
    """The URL without its password (for logs and /healthz)."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)
    return urlunsplit(parts._replace(netloc=f"{parts.username}:***@{netloc[-1]}"))


async def _init_connection(raw: asyncpg.Connection) -> None:
    # SUM/AVG of integers are numeric in PostgreSQL; SQLite gives int/float. Read them as float (counts
    # stay int: COUNT is bigint), so the Python side computes the same figures on both backends.
    await raw.set_type_codec("numeric", encoder=str, decoder=float, schema="pg_catalog", format="text")


class PgDatabase(Database):
    """PostgreSQL behind the :class:`storage.db.Database` interface."""

    def __init__(self, pool: asyncpg.Pool, url: str) -> None:
        self.pool = pool
        self.dialect = Dialect(POSTGRESQL)
        self.url = redact(url)
        self._current: contextvars.ContextVar[PgConnection | None] = contextvars.ContextVar(
            f"pg_tx_{id(self)}", default=None)
        super().__init__(PgPoolConnection(pool, self.dialect, self._current), "")

    @classmethod
    async def connect(cls, url: str, *, migrate: bool = True, max_size: int = POOL_MAX) -> PgDatabase:
        # jit off: PostgreSQL's JIT compiles any statement its planner costs high (the monthly rating's: 2 s of
        # compiling for 0.8 s of work, docs/benchmarks.md "Issue 15"); the bot's statements are short.
        pool = await asyncpg.create_pool(url, min_size=1, max_size=max_size, init=_init_connection,
                                         command_timeout=60, server_settings={"jit": "off"})
        db = cls(pool, url)
        try:
            if migrate:
                await db.migrate()
            await db.refresh_catalogue()
        except BaseException:
            await pool.close()
            raise
        return db

    async def refresh_catalogue(self) -> None:
        """Read which tables have an ``id`` (their ``INSERT`` returns it: ``cursor.lastrowid``)."""
        rows = await self.pool.fetch(_ID_TABLES_SQL)
        self.dialect = Dialect(POSTGRESQL, frozenset(str(r[0]) for r in rows))
        self.conn = PgPoolConnection(self.pool, self.dialect, self._current)

    async def close(self) -> None:
        await self.pool.close()

    async def schema_version(self) -> int:
        exists = await self.pool.fetchval("SELECT to_regclass('schema_version') IS NOT NULL")
        if not exists:
            return 0
        return int(await self.pool.fetchval("SELECT COALESCE(MAX(version), 0) FROM schema_version"))

    async def migrate(self) -> int:
        migrations = load_migrations(POSTGRESQL)
        last = migrations[-1][0]
        async with self.pool.acquire() as raw:
            await raw.execute("SELECT pg_advisory_lock($1)", MIGRATE_LOCK_KEY)
            try:
                if not await raw.fetchval("SELECT to_regclass('schema_version') IS NOT NULL"):
                    # only then: a runtime role with DML rights only may not CREATE, even IF NOT EXISTS
                    await raw.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL "
                                      "PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())")
                current = int(await raw.fetchval("SELECT COALESCE(MAX(version), 0) FROM schema_version"))
                if current > last:
                    raise MigrationError(f"database schema {current} is newer than this program knows ({last})")
                for number, name, sql in migrations:
                    if number <= current:
                        continue
                    log.info("applying migration postgresql/%s", name)
                    async with raw.transaction():
                        await raw.execute(sql)          # the simple protocol: the whole file, functions included
                        await raw.execute("INSERT INTO schema_version (version) VALUES ($1)", number)
            finally:
                await raw.execute("SELECT pg_advisory_unlock($1)", MIGRATE_LOCK_KEY)
        return await self.schema_version()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Conn]:
        """A write transaction of the whole deployment: ``BEGIN``, the writers' advisory lock, … ``COMMIT``."""
        outer = self._current.get()
        if outer is not None and outer.owner is asyncio.current_task():
            raise RuntimeError("a transaction inside a transaction")
        async with self._write_lock, self.pool.acquire() as raw:
            tx = raw.transaction()
            await tx.start()
            conn = PgConnection(raw, self.dialect)
            token = self._current.set(conn)
            try:
                await raw.execute("SELECT pg_advisory_xact_lock($1)", WRITE_LOCK_KEY)
                yield conn
            except BaseException:
                conn.active = False
                self._current.reset(token)
                await asyncio.shield(tx.rollback())
                raise
            else:
                conn.active = False
                self._current.reset(token)
                await tx.commit()

    @asynccontextmanager
    async def serialised(self) -> AsyncIterator[Conn]:
        async with self._write_lock:
            yield self.conn
