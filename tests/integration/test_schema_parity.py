"""SQLite's and PostgreSQL's migrations create the same schema: tables, columns, NOT NULL, indexes.

A new migration goes into both folders under the same number (storage/db.py load_migrations); this test
catches a column or an index written into one of them only.
"""

from __future__ import annotations

from storage.connect import open_database
from storage.db import load_migrations
from storage.dialect import PG_ONLY_COLUMNS
from storage.schema_check import reference_schema
from tests.support.backend import create_database

#: What PostgreSQL has and SQLite has not (the columns: storage/dialect.py PG_ONLY_COLUMNS).
PG_ONLY_TABLES = {"schema_version"}                     # PRAGMA user_version on SQLite


def test_every_migration_after_the_baseline_exists_for_both_backends() -> None:
    sqlite_numbers = [n for n, _, _ in load_migrations()]
    pg = load_migrations("postgresql")
    baseline = pg[0][0]
    assert [n for n, _, _ in pg] == [n for n in sqlite_numbers if n >= baseline]
    assert [name for _, name, _ in pg][1:] == [name for n, name, _ in load_migrations() if n > baseline]


def _sqlite_schema() -> tuple[dict[str, dict[str, bool]], set[str]]:
    version = load_migrations()[-1][0]
    schema = reference_schema(version)
    tables: dict[str, dict[str, bool]] = {}
    indexes: set[str] = set()
    for name, (type_, _, sql, columns) in schema.items():
        if type_ == "table":
            # PRAGMA table_xinfo: cid, name, type, notnull, dflt_value, pk, hidden. A primary key's column is
            # NOT NULL on PostgreSQL (SQLite's INTEGER PRIMARY KEY cannot hold NULL either: it is the rowid).
            tables[name] = {str(c[1]): bool(c[3]) or bool(c[5]) for c in columns}
        elif type_ == "index" and sql:
            indexes.add(name)
    return tables, indexes


async def test_postgresql_has_the_tables_columns_and_indexes_of_sqlite(pg_url: str) -> None:
    db = await open_database(await create_database(migrated=False))
    try:
        rows = await db.fetchall(
            "SELECT table_name, column_name, is_nullable FROM information_schema.columns "
            "WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position")
        pg_tables: dict[str, dict[str, bool]] = {}
        for r in rows:
            if (r[0], r[1]) not in PG_ONLY_COLUMNS and r[0] not in PG_ONLY_TABLES:
                pg_tables.setdefault(str(r[0]), {})[str(r[1])] = r[2] == "NO"
        pg_indexes = {str(r[0]) for r in await db.fetchall(
            "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() AND indexname LIKE 'ix\\_%'")}
    finally:
        await db.close()
    sqlite_tables, sqlite_indexes = _sqlite_schema()
    assert set(pg_tables) == set(sqlite_tables)
    for table, columns in sqlite_tables.items():
        assert list(pg_tables[table]) == list(columns), table                  # same columns, same order
        differing = {c for c in columns if columns[c] != pg_tables[table][c]}
        assert not differing, (table, differing)                               # same NOT NULL
    assert pg_indexes == sqlite_indexes
