"""Which database the storage, integration and process tests run on: SQLite, or PostgreSQL (``--db=postgresql``).

Every test that opens a database asks :func:`db_target` for it by the SQLite path it would use. On SQLite
that is the path; on PostgreSQL it is a fresh database of the server at ``TEST_DATABASE_URL`` (cloned from
a migrated template in ~20 ms), the same one for the same path within a test, dropped after the test
(``tests/conftest.py``). Tests of what only a SQLite file has (the backup file, restore, the schema check
of a file) are marked ``sqlite_only``; tests of what only PostgreSQL has take the ``pg_url`` fixture.
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from storage.connect import open_database
from tests.support.pg_server import HINT

SQLITE, POSTGRESQL = "sqlite", "postgresql"


@dataclass(frozen=True)
class Seed:
    """What a migrated database holds before any test: its tables, their rows, its identity columns, and
    the schema version — what a reused database is reset to and checked against."""

    tables: tuple[str, ...]
    rows: tuple[tuple[str, tuple[str, ...], tuple[tuple[object, ...], ...]], ...]
    identities: tuple[tuple[str, str], ...]
    version: int


@dataclass
class Backend:
    name: str = SQLITE
    server_url: str | None = None          # TEST_DATABASE_URL: a database the tests may create others beside
    template: str | None = None
    created: list[str] = field(default_factory=list)
    by_path: dict[str, str] = field(default_factory=dict)
    migrated: set[str] = field(default_factory=set)       # created from the template (may be reused)
    free: list[str] = field(default_factory=list)         # reset to the template's rows, ready for a test
    seed: Seed | None = None

    @property
    def is_postgresql(self) -> bool:
        return self.name == POSTGRESQL


#: The session's choice (set once by tests/conftest.py from ``--db``); test support only.
CURRENT = Backend()


def server_url() -> str | None:
    return os.environ.get("TEST_DATABASE_URL") or None


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + name))


async def _admin() -> asyncpg.Connection:
    url = CURRENT.server_url or server_url()
    if url is None:
        raise RuntimeError(HINT)
    return await asyncpg.connect(with_database(url, "postgres"))


async def _read_seed(url: str) -> Seed:
    conn = await asyncpg.connect(url)
    try:
        tables = tuple(r[0] for r in await conn.fetch(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() "
            "AND table_type = 'BASE TABLE' AND table_name <> 'schema_version' ORDER BY table_name"))
        rows = []
        for table in tables:
            found = await conn.fetch(f'SELECT * FROM "{table}"')  # noqa: S608  names from the catalogue
            if found:
                columns = tuple(found[0].keys())
                rows.append((table, columns, tuple(tuple(r.values()) for r in found)))
        identities = tuple((str(r[0]), str(r[1])) for r in await conn.fetch(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND is_identity = 'YES' ORDER BY 1, 2"))
        version = int(await conn.fetchval("SELECT MAX(version) FROM schema_version"))
    finally:
        await conn.close()
    return Seed(tables, tuple(rows), identities, version)


async def _reset(url: str, seed: Seed) -> bool:
    """Bring a database a test used back to the template's state; False when it cannot be trusted to (the
    test changed its schema or settings): then it is dropped instead."""
    admin = await _admin()
    try:
        name = url.rsplit("/", 1)[1]
        await admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                            "WHERE datname = $1 AND pid <> pg_backend_pid()", name)
        if await admin.fetchval("SELECT COUNT(*) FROM pg_db_role_setting s JOIN pg_database d "
                                "ON d.oid = s.setdatabase WHERE d.datname = $1", name):
            return False
    finally:
        await admin.close()
    conn = await asyncpg.connect(url)
    try:
        tables = tuple(r[0] for r in await conn.fetch(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() "
            "AND table_type = 'BASE TABLE' AND table_name <> 'schema_version' ORDER BY table_name"))
        if tables != seed.tables or await conn.fetchval("SELECT MAX(version) FROM schema_version") != seed.version:
            return False
        async with conn.transaction():
            # replica: no user triggers (the audit trail's append-only ones) and no foreign-key checks
            await conn.execute("SET LOCAL session_replication_role = replica; "
                               + "".join(f'DELETE FROM "{t}"; ' for t in tables))  # noqa: S608  catalogue names
            for table, columns, rows in seed.rows:
                await conn.copy_records_to_table(table, records=rows, columns=columns)
            await conn.execute("".join(
                f"SELECT setval(pg_get_serial_sequence('\"{t}\"', '{c}'), "
                f'COALESCE((SELECT MAX("{c}") FROM "{t}"), 0) + 1, false); ' for t, c in seed.identities))  # noqa: S608
    except (asyncpg.PostgresError, OSError):
        return False
    finally:
        await conn.close()
    return True


async def create_database(*, migrated: bool = True) -> str:
    """A new empty database on the test server (migrated: cloned from the template, or one a finished test
    used, reset to the template's rows); dropped or reset after the test."""

    url = CURRENT.server_url or server_url()
    if url is None:
        raise RuntimeError(HINT)
    if migrated and CURRENT.free:
        name = CURRENT.free.pop()
        CURRENT.created.append(name)
        CURRENT.migrated.add(name)
        return with_database(url, name)
    admin = await _admin()
    try:
        if migrated and CURRENT.template is None:
            template = f"smi_tmpl_{os.getpid()}_{uuid.uuid4().hex[:6]}"
            await admin.execute(f'CREATE DATABASE "{template}"')
            db = await open_database(with_database(url, template))
            await db.close()
            CURRENT.template = template
            CURRENT.seed = await _read_seed(with_database(url, template))
        name = f"smi_t_{uuid.uuid4().hex[:12]}"
        source = f' TEMPLATE "{CURRENT.template}"' if migrated else ""
        strategy = " STRATEGY FILE_COPY" if migrated and admin.get_server_version().major >= 15 else ""
        await admin.execute(f'CREATE DATABASE "{name}"{source}{strategy}')
    finally:
        await admin.close()
    CURRENT.created.append(name)
    if migrated:
        CURRENT.migrated.add(name)
    return with_database(url, name)


async def db_target(path: Path) -> str | Path:
    """What ``Database.open`` / ``DATABASE_PATH`` or ``DATABASE_URL`` get for the SQLite file ``path``."""
    if not CURRENT.is_postgresql:
        return path
    key = str(path)
    if key not in CURRENT.by_path:
        CURRENT.by_path[key] = await create_database()
    return CURRENT.by_path[key]


async def drop_created() -> None:
    """After a test: the databases it used are reset for the next test (cloning the template costs
    ~0.2 s, a reset a few ms), or dropped when they cannot be (its connections are closed by force)."""
    names, CURRENT.created[:] = list(CURRENT.created), []
    CURRENT.by_path.clear()
    url = CURRENT.server_url or server_url()
    kept = []
    for name in names:
        if name in CURRENT.migrated and CURRENT.seed is not None and url is not None \
                and await _reset(with_database(url, name), CURRENT.seed):
            CURRENT.free.append(name)
            kept.append(name)
        CURRENT.migrated.discard(name)
    names = [n for n in names if n not in kept]
    if not names:
        return
    admin = await _admin()
    try:
        for name in names:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


async def drop_template() -> None:
    """At the end of the session: the template and the databases kept for reuse."""
    if CURRENT.template is None:
        return
    admin = await _admin()
    try:
        for name in [*CURRENT.free, CURRENT.template]:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        CURRENT.free.clear()
    finally:
        await admin.close()
    CURRENT.template = None
