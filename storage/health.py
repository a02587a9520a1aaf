"""Health probes of the database, for the checks made when the bot starts (bot/app/startup.py)."""

from __future__ import annotations

import os
import sqlite3
import tempfile
from pathlib import Path

import asyncpg

from storage.db import BUSY_TIMEOUT_MS, Database, load_migrations

_PROBE = "CREATE TABLE _write_probe (x INTEGER)"
#: PostgreSQL's probe is a row, not a table: the runtime role may hold DML rights only (docs/postgresql.md);
#: a read-only server (a replica, default_transaction_read_only) refuses it.
_PG_PROBE = "INSERT INTO kv (key, value) VALUES ('_write_probe', '') ON CONFLICT (key) DO NOTHING"

#: What a database that cannot be reached, opened or written raises, on either backend.
DATABASE_ERRORS: tuple[type[BaseException], ...] = (sqlite3.Error, OSError, asyncpg.PostgresError,
                                                    asyncpg.InterfaceError)


def probe_writable(path: Path) -> None:
    """Raise (``sqlite3.Error`` / ``OSError``) unless the database file can be written: a table is
    created in a transaction that is rolled back. A database not created yet needs a writable folder.
    Blocking; used before the bot opens the database (bot/__main__.py)."""
    path = Path(path)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=".write-probe-", dir=path.parent)
        os.close(fd)
        os.unlink(name)
        return
    conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
    try:
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.execute(_PROBE)
        finally:
            conn.execute("ROLLBACK")
    finally:
        conn.close()


class _Rollback(Exception):
    pass


async def check_writable(db: Database) -> None:
    """The same probe on the bot's own connection: raises one of :data:`DATABASE_ERRORS` when it cannot
    write. On PostgreSQL ``SELECT 1`` first (the server answers), then a row written and rolled back."""
    if db.is_postgresql:
        await db.ping()
    try:
        async with db.transaction() as conn:
            await conn.execute(_PG_PROBE if db.is_postgresql else _PROBE)
            raise _Rollback          # the transaction is rolled back: nothing is left behind
    except _Rollback:
        pass


async def migrations_status(db: Database) -> tuple[int, int]:
    """(the database's schema version, the number of migration files of this program)."""
    return await db.schema_version(), len(load_migrations())
