"""PostgreSQL for the benchmarks: which server, a database of the bench's own, a SQLite database copied into it.

The server: ``BENCH_DATABASE_URL``, else ``TEST_DATABASE_URL``, else the throwaway server of this checkout
when it runs (``python -m tests.support.pg_server``; ``make bench-pg`` starts it). Without one every
PostgreSQL row of ``make bench`` says :data:`SKIPPED` and nothing fails. The bench never writes into the
database the URL names: it creates its own beside it (``bench_…``, the URL's user needs ``CREATEDB``) and
drops it after the run; the rating benchmark keeps its generated database (:func:`kept_database`) as it
keeps its SQLite file.

Data is generated on SQLite by the benchmarks' own generators and copied (:func:`copy_sqlite`): every
table, in the order of their foreign keys, with ``COPY`` (asyncpg ``copy_records_to_table``), then the
identity columns moved past the copied ids.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg

SKIPPED = "skipped: no PostgreSQL (make bench-pg starts one)"
COPY_BATCH = 50_000


def failed(name: str, exc: BaseException) -> dict[str, Any]:
    """A PostgreSQL measurement that broke (a statement PostgreSQL does not run yet): one row, missed."""
    return {"name": f"PostgreSQL: {name} FAILED: {type(exc).__name__}: {str(exc).splitlines()[0][:120]}",
            "value": "error", "unit": "", "target": "runs", "ok": False}


def server_url() -> str | None:
    """The server the bench may create its databases on, or ``None``."""
    for var in ("BENCH_DATABASE_URL", "TEST_DATABASE_URL"):
        if os.environ.get(var):
            return os.environ[var]
    try:   # the throwaway server of the tests (a checkout, not an installed bot)
        from tests.support.pg_server import running_url
    except ImportError:
        return None
    return running_url()


def with_database(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path="/" + name))


async def _admin(url: str) -> asyncpg.Connection:
    return await asyncpg.connect(with_database(url, "postgres"), timeout=5)


def reachable() -> str | None:
    """The server's URL when it answers, else ``None``."""
    url = server_url()
    if url is None:
        return None

    async def ping() -> bool:
        try:
            conn = await _admin(url)
        except (TimeoutError, OSError, asyncpg.PostgresError):
            return False
        await conn.close()
        return True

    return url if asyncio.run(ping()) else None


async def create_database(url: str, name: str | None = None, template: str | None = None) -> str:
    """A new database on the server (``bench_<random>`` unless named): empty, or a copy of the database at
    ``template`` (no one may be connected to that one); its URL."""
    name = name or f"bench_{uuid.uuid4().hex[:12]}"
    source = f' TEMPLATE "{urlsplit(template).path.lstrip("/")}"' if template else ""
    admin = await _admin(url)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"{source}')
    finally:
        await admin.close()
    return with_database(url, name)


async def drop_database(url: str) -> None:
    name = urlsplit(url).path.lstrip("/")
    admin = await _admin(url)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


@asynccontextmanager
async def scratch_database(url: str, template: str | None = None) -> AsyncIterator[str]:
    """A database of the bench's for one measurement (a copy of ``template`` if given), dropped afterwards."""
    target = await create_database(url, template=template)
    try:
        yield target
    finally:
        await drop_database(target)


async def kept_database(url: str, name: str, fill: Callable[[str], Any]) -> tuple[str, bool]:
    """The database ``name`` on the server, made and filled by ``await fill(url)`` when missing (a failed fill
    drops it); ``(its URL, True when it was made now)``."""
    admin = await _admin(url)
    try:
        exists = await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
    finally:
        await admin.close()
    target = with_database(url, name)
    if exists:
        return target, False
    await create_database(url, name)
    try:
        await fill(target)
    except BaseException:
        await drop_database(target)
        raise
    return target, True


def run_kept(what: str, sqlite_path: Path, name: str,
             measure: Callable[[Any], Awaitable[dict[str, Any]]]) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    """``measure(db)`` on the kept PostgreSQL database ``name`` holding a copy of the SQLite file (made when
    missing): (its result, or None when skipped or broken; the rows saying so, or how the data came)."""
    server = reachable()
    if server is None:
        return None, [{"name": f"PostgreSQL: {what}", "value": SKIPPED, "unit": "", "target": "", "ok": None}]
    try:
        m, copy_s, copied = asyncio.run(_measure_kept(server, name, sqlite_path, measure))
    except Exception as exc:           # noqa: BLE001  reported as a row: the rest of the bench still runs
        return None, [failed(what, exc)]
    row = ({"name": f"PostgreSQL: the same data copied from SQLite ({copied:,} rows, COPY; kept as {name})",
            "value": copy_s, "unit": "s", "target": "", "ok": None} if copy_s is not None else
           {"name": f"PostgreSQL: the kept database reused ({name})", "value": "yes", "unit": "", "target": "",
            "ok": None})
    return m, [row]


async def _measure_kept(server: str, name: str, sqlite_path: Path,
                        measure: Callable[[Any], Awaitable[dict[str, Any]]]) -> tuple[dict[str, Any], float | None, int]:
    from storage.connect import open_database

    copied = 0

    async def fill(url: str) -> None:
        nonlocal copied
        await (await open_database(url)).close()          # migrated
        copied = await copy_sqlite(sqlite_path, url)

    started = time.perf_counter()
    url, made = await kept_database(server, name, fill)
    copy_s = time.perf_counter() - started if made else None
    db = await open_database(url)
    try:
        return await measure(db), copy_s, copied
    finally:
        await db.close()


def _table_order(src: sqlite3.Connection, tables: list[str]) -> list[str]:
    """Parents before children (``PRAGMA foreign_key_list``), so every row finds what it references."""
    parents = {t: {str(r[2]) for r in src.execute(f"PRAGMA foreign_key_list('{t}')")} - {t} for t in tables}
    ordered: list[str] = []
    while len(ordered) < len(tables):
        ready = [t for t in tables if t not in ordered and parents[t] <= set(ordered)]
        if not ready:                                   # a circle: the rest in name order
            ready = [t for t in tables if t not in ordered]
        ordered.extend(sorted(ready))
    return ordered


async def copy_sqlite(sqlite_path: Path, target: str) -> int:
    """Copy every row of the SQLite database into the (migrated) PostgreSQL one; returns the rows copied.

    Rows the migration seeded (organisation no. 1) are skipped by key, the rest go by ``COPY``."""
    src = sqlite3.connect(sqlite_path)
    conn = await asyncpg.connect(target)
    try:
        columns: dict[str, dict[str, str]] = {}
        for r in await conn.fetch("SELECT table_name, column_name, data_type FROM information_schema.columns "
                                  "WHERE table_schema = current_schema()"):
            columns.setdefault(r["table_name"], {})[r["column_name"]] = r["data_type"]
        names = [str(r[0]) for r in src.execute("SELECT name FROM sqlite_master WHERE type = 'table' "
                                                "AND name NOT LIKE 'sqlite%'")]
        copied = 0
        async with conn.transaction():
            for table in _table_order(src, [t for t in names if t in columns]):
                copied += await _copy_table(src, conn, table, columns[table])
            for r in await conn.fetch("SELECT table_name FROM information_schema.columns WHERE column_name = 'id' "
                                      "AND is_identity = 'YES' AND table_schema = current_schema()"):
                t = r["table_name"]
                await conn.execute(f"SELECT setval(pg_get_serial_sequence('{t}', 'id'), "  # noqa: S608  catalogue names
                                   f"(SELECT COALESCE(MAX(id), 0) + 1 FROM {t}), false)")
        await conn.execute("ANALYZE")
        return copied
    finally:
        await conn.close()
        src.close()


async def _copy_table(src: sqlite3.Connection, conn: asyncpg.Connection, table: str, types: dict[str, str]) -> int:
    cols = [str(r[1]) for r in src.execute(f"PRAGMA table_info('{table}')") if str(r[1]) in types]
    kinds = [types[c] for c in cols]
    seeded = await conn.fetchval(f"SELECT COUNT(*) FROM {table}")  # noqa: S608  a catalogue name
    key = "id" if "id" in cols else None
    skip: set[Any] = set()
    if seeded:
        if key is None:
            raise RuntimeError(f"{table}: rows seeded by the migration and no id to skip them by")
        skip = {r[0] for r in await conn.fetch(f"SELECT id FROM {table}")}  # noqa: S608
    at = cols.index(key) if key else -1
    cursor = src.execute(f"SELECT {', '.join(cols)} FROM {table}")  # noqa: S608  catalogue names
    total = 0
    while batch := cursor.fetchmany(COPY_BATCH):
        rows = [tuple(_value(v, k) for v, k in zip(row, kinds, strict=True)) for row in batch
                if not skip or row[at] not in skip]
        if rows:
            await conn.copy_records_to_table(table, records=rows, columns=cols)
            total += len(rows)
    return total


def _value(value: Any, kind: str) -> Any:
    if value is None:
        return None
    if kind == "bigint" or kind == "integer":
        return int(value)
    if kind == "text":
        return value if isinstance(value, str) else str(value)
    if kind in ("double precision", "real"):
        return float(value)
    return value
