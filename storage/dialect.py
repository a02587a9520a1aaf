"""Where SQLite and PostgreSQL differ: the one place that knows.

The repositories write their SQL once, in the subset both databases run (``?`` and ``:name`` parameters,
``ON CONFLICT … DO …``, ``CASE``, ``COUNT(*) FILTER``, ``lower()``). What cannot be written once is
rewritten here for PostgreSQL, statement by statement, and remembered (each statement text is translated
once per process):

- parameters: ``?``, ``?N`` and ``:name`` become ``$1 … $n`` (asyncpg's numbered parameters);
- ``INSERT OR IGNORE INTO …`` becomes ``INSERT INTO … ON CONFLICT DO NOTHING``;
- an ``INSERT`` into a table with an ``id`` column returns it (``RETURNING id``), so that the cursor's
  ``lastrowid`` means what it means in SQLite;
- ``json_object(…)`` becomes ``jsonb_build_object(…)``; SQLite's null-safe ``a IS b`` / ``a IS NOT b``
  become ``IS NOT DISTINCT FROM`` / ``IS DISTINCT FROM``;
- SQLite's current time as text, ``strftime('%Y-%m-%dT%H:%M:%fZ', 'now')``, becomes the same text from
  ``statement_timestamp()``;
- SQLite's functions with no PostgreSQL namesake (``group_concat``, ``json_group_array``, ``json_object``,
  ``json_extract``, ``json_valid``, ``json_type``, ``sha256_hex``) are defined by the PostgreSQL baseline
  migration (``storage/migrations/postgresql/``) with SQLite's meaning, so the statements keep their names.

SQLite's statements are left exactly as written: the embedded default pays nothing for the second backend.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

SQLITE = "sqlite"
POSTGRESQL = "postgresql"

#: Columns PostgreSQL's schema has and SQLite's has not: SQLite's implicit rowid, made explicit where a
#: query orders by it (``department_places``: the order the admin gave the places).
PG_ONLY_COLUMNS = frozenset({("department_places", "rowid")})

_TOKEN = re.compile(r"""
    (?P<str>'(?:[^']|'')*')              # a string literal ('' inside)
  | (?P<ident>"(?:[^"]|"")*")            # a quoted identifier
  | (?P<comment>--[^\n]*)                # a line comment
  | (?P<cast>::)                         # PostgreSQL's cast, never a parameter
  | (?P<qnum>\?\d+)                      # a numbered parameter (?1 … as SQLite writes them)
  | (?P<qmark>\?)                        # a positional parameter
  | (?P<named>(?<![:\w]):[A-Za-z_]\w*)   # a named parameter
""", re.VERBOSE)
#: SQLite functions whose PostgreSQL namesake is spelt otherwise (variadic: no SQL function can stand in).
_RENAMES = (
    (re.compile(r"\bjson_object\(", re.IGNORECASE), "jsonb_build_object("),
    # SQLite's null-safe comparison of any two values: "a IS b", "a IS NOT b"
    (re.compile(r"\bIS\s+NOT\s+(?!NULL\b|TRUE\b|FALSE\b|DISTINCT\b)", re.IGNORECASE), "IS DISTINCT FROM "),
    (re.compile(r"\bIS\s+(?!NOT\b|NULL\b|TRUE\b|FALSE\b|DISTINCT\b|UNKNOWN\b)", re.IGNORECASE), "IS NOT DISTINCT FROM "),
)
#: Whole SQLite expressions with literal arguments (matched before the statement is tokenised): SQLite's
#: current UTC time as ISO 8601 text with milliseconds → the same text from the statement's clock.
_EXPRESSIONS = (
    (re.compile(r"strftime\('%Y-%m-%dT%H:%M:%fZ',\s*'now'\)", re.IGNORECASE),
     "to_char(statement_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"),
)
_INSERT_IGNORE = re.compile(r"^\s*INSERT\s+OR\s+IGNORE\s+INTO\b", re.IGNORECASE)
_INSERT_INTO = re.compile(r"^\s*INSERT\s+(?:OR\s+IGNORE\s+)?INTO\s+([A-Za-z_]\w*)", re.IGNORECASE)
_RETURNING = re.compile(r"\bRETURNING\b", re.IGNORECASE)
_ROWS = re.compile(r"^\s*(?:SELECT|WITH|VALUES|SHOW|EXPLAIN)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Statement:
    """A statement as PostgreSQL gets it: its text, the parameter names in ``$n`` order (``None`` for
    positional parameters), and whether it returns rows (a query, or a DML statement with ``RETURNING``)."""

    text: str
    names: tuple[str, ...] | None
    returns_rows: bool
    returns_id: bool

    def args(self, params: Sequence[Any] | Mapping[str, Any]) -> list[Any]:
        if self.names is None:
            if isinstance(params, Mapping):
                raise TypeError(f"positional statement given named parameters: {self.text[:80]}")
            return list(params)
        if not isinstance(params, Mapping):
            raise TypeError(f"named statement given positional parameters: {self.text[:80]}")
        return [params[name] for name in self.names]


@dataclass
class Dialect:
    """One backend's SQL. ``id_tables``: the tables whose ``INSERT`` returns ``id`` (PostgreSQL only;
    read from the database's catalogue when it opens)."""

    name: str
    id_tables: frozenset[str] = frozenset()
    _cache: dict[str, Statement] = field(default_factory=dict, repr=False, compare=False)

    @property
    def is_postgresql(self) -> bool:
        return self.name == POSTGRESQL

    def statement(self, sql: str) -> Statement:
        """The PostgreSQL form of ``sql`` (translated once, then remembered)."""
        found = self._cache.get(sql)
        if found is None:
            found = self._cache[sql] = translate(sql, self.id_tables)
        return found


def translate(sql: str, id_tables: Iterable[str] = ()) -> Statement:
    """Rewrite one SQLite-flavoured statement for PostgreSQL (see the module's docstring)."""
    for pattern, replacement in _EXPRESSIONS:
        sql = pattern.sub(replacement, sql)
    out: list[str] = []
    names: list[str] = []
    positional = named = False
    pos = 0
    number = 0
    for m in _TOKEN.finditer(sql):
        out.append(_rename(sql[pos:m.start()]))
        pos = m.end()
        kind = m.lastgroup
        if kind == "qnum":
            positional = True
            number = max(number, int(m.group()[1:]))
            out.append("$" + m.group()[1:])
        elif kind == "qmark":
            positional = True
            number += 1
            out.append(f"${number}")
        elif kind == "named":
            named = True
            name = m.group()[1:]
            if name not in names:
                names.append(name)
            out.append(f"${names.index(name) + 1}")
        else:
            out.append(m.group())
    out.append(_rename(sql[pos:]))
    if positional and named:
        raise ValueError(f"a statement mixes ? and :name parameters: {sql[:80]}")
    text = "".join(out).strip().rstrip(";")
    ignore = bool(_INSERT_IGNORE.match(text))
    if ignore:
        text = _INSERT_IGNORE.sub("INSERT INTO", text, count=1) + " ON CONFLICT DO NOTHING"
    returns_id = False
    insert = _INSERT_INTO.match(text)
    if insert and insert.group(1).lower() in id_tables and not _RETURNING.search(text):
        text += " RETURNING id"
        returns_id = True
    returns_rows = bool(_ROWS.match(text)) or bool(_RETURNING.search(text))
    return Statement(text, tuple(names) if named else None, returns_rows, returns_id)


def _rename(chunk: str) -> str:
    for pattern, replacement in _RENAMES:
        chunk = pattern.sub(replacement, chunk)
    return chunk


SQLITE_DIALECT = Dialect(SQLITE)
