"""Open the database a deployment is configured for: SQLite at a path, or PostgreSQL at a URL."""

from __future__ import annotations

from pathlib import Path

from storage.db import Database, is_postgresql_url
from storage.pg_db import PgDatabase


async def open_database(target: str | Path, *, migrate: bool = True) -> Database:
    """``postgresql://…`` — :class:`storage.pg_db.PgDatabase`; anything else — the SQLite file at that path."""
    if is_postgresql_url(target):
        return await PgDatabase.connect(str(target), migrate=migrate)
    return await Database.open(target, migrate=migrate)
