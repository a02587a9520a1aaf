"""Moving a SQLite database into an empty PostgreSQL database, verified (``python -m bot.migrate_db``).

The target gets PostgreSQL's migrations first (:func:`storage.connect.open_database`), so both sides have
the same tables and columns at the same schema version; a target that holds any bot data is refused (every
table empty, organisation no. 1 exactly as the baseline seeds it). Then, in ONE transaction of the target
(under the writers' advisory lock): the seeded organisation is replaced by the source's, every table is
copied in foreign-key order (``COPY`` in batches, the ids as they are; the audit trail's triggers forbid
UPDATE/DELETE, not INSERT), the identity sequences are moved past the largest id, and every table is read
back and compared with the source: the row count and a checksum over every row. Any difference rolls the
whole transaction back: the target is left as it was, schema only.

The checksum is computed in Python the same way on both sides: the SHA-256 of each row's values (as the
drivers give them: ``int``, ``str``, ``None``; SQLite's INTEGER and PostgreSQL's BIGINT both read as
``int``, booleans are stored 0/1 on both), summed modulo 2**256 — independent of the order the rows come
in, so neither side has to sort (SQLite's and PostgreSQL's collations need not agree on an order), and a
changed, lost, added or swapped value changes it. The source is opened read-only.
"""

from __future__ import annotations

import graphlib
import hashlib
import sqlite3
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg

from storage.connect import open_database
from storage.db import MigrationError, load_migrations
from storage.dialect import PG_ONLY_COLUMNS
from storage.pg_db import WRITE_LOCK_KEY, PgDatabase

BATCH = 5000
_MOD = 1 << 256
#: Not the bot's data: PostgreSQL's record of the applied migrations.
SERVICE_TABLES = frozenset({"schema_version"})
#: Organisation no. 1 as both baselines seed it (its ``created_at`` is the moment of the migration).
SEEDED_ORG_SQL = ("SELECT EXISTS (SELECT 1 FROM organisations WHERE NOT (id = 1 AND name = 'Администрация' "
                  "AND prefix = '' AND kind = 'municipality' AND head_chat_id IS NULL AND days_off = '[]' "
                  "AND archived = 0))")
_COLUMNS_SQL = """
SELECT table_name, column_name FROM information_schema.columns
WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position
"""
_TABLES_SQL = ("SELECT table_name FROM information_schema.tables "
               "WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'")
_FOREIGN_KEYS_SQL = """
SELECT c.conrelid::regclass::text, c.confrelid::regclass::text FROM pg_constraint c
WHERE c.contype = 'f' AND c.connamespace = current_schema()::regnamespace
"""
_ID_TABLES_SQL = """
SELECT table_name FROM information_schema.columns
WHERE table_schema = current_schema() AND column_name = 'id' AND is_identity = 'YES'
"""

Progress = Callable[[str, int, int], None]
Hook = Callable[[asyncpg.Connection], Awaitable[None]]


class CopyRefused(Exception):
    """Nothing was copied; ``code`` names why (bot/texts/console.py MIGRATE_DB_REASONS), ``detail`` adds what."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail


@dataclass
class Checksum:
    """Rows counted and their hashes summed: the same for the same rows in any order."""

    rows: int = 0
    total: int = 0

    def add(self, rows: Iterable[Sequence[Any]]) -> None:
        for row in rows:
            self.rows += 1
            self.total = (self.total + int.from_bytes(row_hash(row), "big")) % _MOD

    @property
    def hex(self) -> str:
        return f"{self.total:064x}"


def row_hash(row: Sequence[Any]) -> bytes:
    """The SHA-256 of one row's values, normalised: ``int``, ``str``, ``None`` (a bool as its 0/1)."""
    values = tuple(int(v) if isinstance(v, bool) else v for v in row)
    return hashlib.sha256(repr(values).encode("utf-8")).digest()


@dataclass(frozen=True)
class TableCheck:
    table: str
    source: Checksum
    target: Checksum

    @property
    def ok(self) -> bool:
        return self.source == self.target


@dataclass
class CopyReport:
    schema_version: int
    tables: list[TableCheck] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return all(t.ok for t in self.tables)

    @property
    def rows(self) -> int:
        return sum(t.source.rows for t in self.tables)


class CopyMismatch(Exception):
    """The copy differs from the source (the target's transaction was rolled back)."""

    def __init__(self, report: CopyReport) -> None:
        super().__init__(", ".join(t.table for t in report.tables if not t.ok))
        self.report = report


def open_source(path: Path) -> sqlite3.Connection:
    """The SQLite database at ``path``, read-only (a missing file is refused, never created)."""
    if not Path(path).is_file():
        raise CopyRefused("missing", str(path))
    conn = sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=ro", uri=True, isolation_level=None)
    try:
        conn.execute("BEGIN")               # one read transaction: every table from the same moment
        conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise CopyRefused("not_database", f"{path}: {exc}") from exc
    return conn


def source_columns(conn: sqlite3.Connection) -> dict[str, list[str]]:
    tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' "
                                         "AND name NOT LIKE 'sqlite_%' ORDER BY name")]
    return {t: [r[1] for r in conn.execute(f'PRAGMA table_info("{t}")')] for t in tables}


async def target_columns(raw: asyncpg.Connection) -> dict[str, list[str]]:
    tables = {r[0] for r in await raw.fetch(_TABLES_SQL)} - SERVICE_TABLES
    columns: dict[str, list[str]] = {t: [] for t in tables}
    for table, column in await raw.fetch(_COLUMNS_SQL):
        if table in columns and (table, column) not in PG_ONLY_COLUMNS:    # filled by PostgreSQL itself
            columns[table].append(column)
    return columns


async def foreign_key_order(raw: asyncpg.Connection, tables: Iterable[str]) -> list[str]:
    """The tables, every one after those its foreign keys point to (names sorted where free)."""
    graph: dict[str, set[str]] = {t: set() for t in sorted(tables)}
    for child, parent in await raw.fetch(_FOREIGN_KEYS_SQL):
        if child in graph and parent in graph and child != parent:
            graph[child].add(parent)
    return list(graphlib.TopologicalSorter(graph).static_order())


async def tables_with_data(raw: asyncpg.Connection, tables: Iterable[str]) -> list[str]:
    """The tables holding bot data: any row, except organisation no. 1 as the baseline seeds it."""
    found = []
    for table in sorted(tables):
        sql = SEEDED_ORG_SQL if table == "organisations" else f'SELECT EXISTS (SELECT 1 FROM "{table}")'  # noqa: S608  names from the catalogue
        if await raw.fetchval(sql):
            found.append(table)
    return found


async def _not_foreign(url: str) -> None:
    """Refuse, before any migration touches it, a database holding tables but not the bot's schema."""
    raw = await asyncpg.connect(url)
    try:
        tables = sorted(r[0] for r in await raw.fetch(_TABLES_SQL))
    finally:
        await raw.close()
    if tables and "schema_version" not in tables:
        raise CopyRefused("not_empty", ", ".join(tables))


async def _check_schemas(source: dict[str, list[str]], target: dict[str, list[str]]) -> None:
    differ = sorted(set(source) ^ set(target))
    differ += sorted(t for t in set(source) & set(target) if set(source[t]) != set(target[t]))
    if differ:
        raise CopyRefused("schema", ", ".join(differ))


async def copy_table(src: sqlite3.Connection, raw: asyncpg.Connection, table: str, columns: list[str], *,
                     batch: int = BATCH, progress: Progress | None = None) -> Checksum:
    """Copy one table in batches (``COPY``); the checksum of what was read from the source."""
    names = ", ".join(f'"{c}"' for c in columns)
    total = src.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0]  # noqa: S608  names from the schema
    summed = Checksum()
    # In SQLite's rowid order where PostgreSQL numbers the rows itself in the order they come (PG_ONLY_COLUMNS).
    order = " ORDER BY rowid" if (table, "rowid") in PG_ONLY_COLUMNS else ""
    cursor = src.execute(f'SELECT {names} FROM "{table}"{order}')  # noqa: S608  names from the schema
    while rows := cursor.fetchmany(batch):
        try:
            await raw.copy_records_to_table(table, records=rows, columns=columns)
        except (asyncpg.DataError, asyncpg.IntegrityConstraintViolationError) as exc:
            raise CopyRefused("bad_value", f"{table}: {exc}") from exc
        summed.add(rows)
        if progress is not None:
            progress(table, summed.rows, total)
    return summed


async def target_checksum(raw: asyncpg.Connection, table: str, columns: list[str],
                          batch: int = BATCH) -> Checksum:
    """The checksum of a table as the target holds it (read inside the copying transaction)."""
    names = ", ".join(f'"{c}"' for c in columns)
    summed = Checksum()
    cursor = await raw.cursor(f'SELECT {names} FROM "{table}"')  # noqa: S608  names from the catalogue
    while rows := await cursor.fetch(batch):
        summed.add(rows)
    return summed


async def _continue_sequences(raw: asyncpg.Connection, tables: Iterable[str]) -> None:
    """Every identity column continues after the largest id copied (the next case gets the next id)."""
    with_id = {r[0] for r in await raw.fetch(_ID_TABLES_SQL)}
    for table in sorted(set(tables) & with_id):
        await raw.execute(
            f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "  # noqa: S608  names from the catalogue
            f'COALESCE((SELECT MAX(id) FROM "{table}"), 0) + 1, false)')


async def copy_to_postgresql(source: Path, url: str, *, batch: int = BATCH, progress: Progress | None = None,
                        before_verify: Hook | None = None, clock: Callable[[], float] = time.monotonic,
                        ) -> CopyReport:
    """Copy the SQLite database ``source`` into the empty PostgreSQL database at ``url`` and verify it.

    Raises :class:`CopyRefused` (nothing copied) or :class:`CopyMismatch` (copied, differed, rolled back).
    ``before_verify`` runs inside the transaction after the copy, before the comparison (tests)."""
    started = clock()
    src = open_source(source)
    try:
        version = int(src.execute("PRAGMA user_version").fetchone()[0])
        latest = len(load_migrations())
        if version != latest:
            raise CopyRefused("source_version", f"{version} ≠ {latest}")
        try:
            await _not_foreign(url)
            db = await open_database(url)
        except MigrationError as exc:
            raise CopyRefused("target_version", str(exc)) from exc
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            raise CopyRefused("connect", f"{type(exc).__name__}: {exc}") from exc
        assert isinstance(db, PgDatabase)
        try:
            target_version = await db.schema_version()
            if target_version != version:
                raise CopyRefused("target_version", f"{target_version} ≠ {version}")
            report = CopyReport(version)
            async with db.pool.acquire() as raw, raw.transaction():
                await raw.execute("SELECT pg_advisory_xact_lock($1)", WRITE_LOCK_KEY)
                columns = await target_columns(raw)
                await _check_schemas(source_columns(src), columns)
                if busy := await tables_with_data(raw, columns):
                    raise CopyRefused("not_empty", ", ".join(busy))
                await raw.execute("DELETE FROM organisations")          # the seed: the source has its own no. 1
                order = await foreign_key_order(raw, columns)
                copied = {t: await copy_table(src, raw, t, columns[t], batch=batch, progress=progress)
                          for t in order}
                await _continue_sequences(raw, order)
                if before_verify is not None:
                    await before_verify(raw)
                for table in order:
                    report.tables.append(TableCheck(table, copied[table],
                                                    await target_checksum(raw, table, columns[table], batch)))
                report.seconds = clock() - started
                if not report.ok:
                    raise CopyMismatch(report)
        finally:
            await db.close()
    finally:
        src.close()
    return report
