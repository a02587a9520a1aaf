"""A backup's schema against the migrations, exactly, and who the file grants access to.

A crafted database could pass every other check (a sound SQLite file, this bot's tables, a known schema
version) and still carry a dropped append-only trigger of the audit trail, a changed column or a table of
its own. So the schema of a file is compared with the schema the migrations create for its version — every
table, column, index, trigger and view, by its name and its exact SQL, plus each table's columns as SQLite
reads them (``PRAGMA table_xinfo``). Only SQLite's statistics tables (``ANALYZE``) may differ.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from storage.db import _split_sql, load_migrations, sha256_hex

#: Tables SQLite itself may add (ANALYZE); they hold statistics, never data of the bot.
IGNORED = frozenset({"sqlite_stat1", "sqlite_stat2", "sqlite_stat3", "sqlite_stat4"})

Entry = tuple[str, str, str | None, tuple[tuple[object, ...], ...]]   # type, table, sql, columns


@dataclass(frozen=True, order=True)
class SchemaDifference:
    """``kind``: missing (the migrations create it, the file has not), extra (the file has it, the migrations
    do not), changed (both have it, differently); ``type``: table, index, trigger or view."""

    kind: str
    type: str
    name: str

    def code(self) -> str:
        return f"{self.kind}:{self.type}:{self.name}"


def schema_of(conn: sqlite3.Connection) -> dict[str, Entry]:
    """Every schema object of ``conn`` by name."""
    found: dict[str, Entry] = {}
    for type_, name, table, sql in conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_master"):
        if name in IGNORED:
            continue
        columns: tuple[tuple[object, ...], ...] = ()
        if type_ == "table":
            quoted = '"' + str(name).replace('"', '""') + '"'
            columns = tuple(tuple(r) for r in conn.execute(f"PRAGMA table_xinfo({quoted})"))
        found[str(name)] = (str(type_), str(table), sql, columns)
    return found


def reference_schema(version: int) -> dict[str, Entry]:
    """The schema migrations 1…``version`` create in an empty database."""
    conn = sqlite3.connect(":memory:", isolation_level=None)
    conn.create_function("sha256_hex", 1, sha256_hex, deterministic=True)
    try:
        for number, _, sql in load_migrations()[:version]:
            for statement in _split_sql(sql):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {number}")
        return schema_of(conn)
    finally:
        conn.close()


def schema_differences(conn: sqlite3.Connection, version: int) -> list[SchemaDifference]:
    """How the schema of ``conn`` differs from what the migrations create for ``version``; empty when equal."""
    expected, actual = reference_schema(version), schema_of(conn)
    out = [SchemaDifference("missing", expected[n][0], n) for n in expected if n not in actual]
    out += [SchemaDifference("extra", actual[n][0], n) for n in actual if n not in expected]
    out += [SchemaDifference("changed", expected[n][0], n) for n in expected
            if n in actual and actual[n] != expected[n]]
    return sorted(out, key=lambda d: (d.type != "trigger", d.kind, d.type, d.name))


@dataclass(frozen=True)
class Grants:
    """Whom a database lets in: the people and chats it names (ADMIN_IDS and the other settings add theirs)."""

    operators: tuple[tuple[int, str], ...]
    officials: tuple[tuple[int, str], ...]
    departments: tuple[tuple[str, int], ...]       # name, chat id
    head_chat_id: str | None
    open_invites: int


def grants_of(conn: sqlite3.Connection, now_ts: str) -> Grants:
    """What ``conn`` (a database whose schema passed) grants: active operators and officials, bound
    department chats, the head's chat, invites still usable at ``now_ts``."""
    def people(table: str) -> tuple[tuple[int, str], ...]:
        rows = conn.execute(f"SELECT user_id, full_name FROM {table} WHERE active = 1 ORDER BY user_id")  # noqa: S608
        return tuple((int(r[0]), str(r[1])) for r in rows)

    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    head = (conn.execute("SELECT group_concat(head_chat_id, ', ') FROM organisations WHERE head_chat_id IS NOT NULL")
            .fetchone() if "organisations" in tables else
            conn.execute("SELECT value FROM kv WHERE key = 'head_chat_id'").fetchone())
    revocable = any(r[1] == "revoked_at" for r in conn.execute("PRAGMA table_info(invites)"))
    invites = conn.execute("SELECT COUNT(*) FROM invites WHERE used_by IS NULL AND expires_at > ? AND revoked_at IS NULL"
                           if revocable else "SELECT COUNT(*) FROM invites WHERE used_by IS NULL AND expires_at > ?",
                           (now_ts,)).fetchone()
    departments = conn.execute("SELECT name, chat_id FROM departments WHERE chat_id IS NOT NULL AND archived = 0 "
                               "ORDER BY name")
    return Grants(operators=people("operators"),
                  officials=people("officials") if "officials" in tables else (),
                  departments=tuple((str(r[0]), int(r[1])) for r in departments),
                  head_chat_id=str(head[0]) if head and head[0] is not None else None, open_invites=int(invites[0]))
