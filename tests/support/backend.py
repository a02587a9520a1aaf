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


@dataclass
class Backend:
    name: str = SQLITE
    server_url: str | None = None          # TEST_DATABASE_URL: a database the tests may create others beside
    template: str | None = None
    created: list[str] = field(default_factory=list)
    by_path: dict[str, str] = field(default_factory=dict)

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


async def create_database(*, migrated: bool = True) -> str:
    """A new empty database on the test server (migrated: cloned from the template); dropped after the test."""

    url = CURRENT.server_url or server_url()
    if url is None:
        raise RuntimeError(HINT)
    admin = await _admin()
    try:
        if migrated and CURRENT.template is None:
            template = f"smi_tmpl_{os.getpid()}_{uuid.uuid4().hex[:6]}"
            await admin.execute(f'CREATE DATABASE "{template}"')
            db = await open_database(with_database(url, template))
            await db.close()
            CURRENT.template = template
        name = f"smi_t_{uuid.uuid4().hex[:12]}"
        source = f' TEMPLATE "{CURRENT.template}"' if migrated else ""
        strategy = " STRATEGY FILE_COPY" if migrated and admin.get_server_version().major >= 15 else ""
        await admin.execute(f'CREATE DATABASE "{name}"{source}{strategy}')
    finally:
        await admin.close()
    CURRENT.created.append(name)
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
    """Drop the databases the finished test created (its connections are closed by force)."""
    names, CURRENT.created[:] = list(CURRENT.created), []
    CURRENT.by_path.clear()
    if not names:
        return
    admin = await _admin()
    try:
        for name in names:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


async def drop_template() -> None:
    if CURRENT.template is None:
        return
    admin = await _admin()
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{CURRENT.template}" WITH (FORCE)')
    finally:
        await admin.close()
    CURRENT.template = None
