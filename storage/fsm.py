"""aiogram FSM storage kept in the project's SQLite database (table ``fsm_state``).

One row per FSM key holds both the state and the JSON data, so a conversation survives a restart of
the bot. A row whose state is ``None`` and whose data is empty is deleted. The storage uses the shared
:class:`storage.db.Database` and never closes it (the application owns the connection).

Do not call the storage from inside ``Database.transaction()``: the write lock is not re-entrant.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from aiogram.fsm.state import State
from aiogram.fsm.storage.base import BaseStorage, DefaultKeyBuilder, KeyBuilder, StateType, StorageKey

from storage.db import Database, fetch_one

_NOW_SQL = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')"
EMPTY_DATA = "{}"


def _state_name(state: StateType) -> str | None:
    if state is None:
        return None
    if isinstance(state, State):
        return state.state
    if isinstance(state, str):
        return state
    raise TypeError(f"FSM state must be a State, str or None, not {type(state).__name__}")


def encode_data(data: Mapping[str, Any]) -> str:
    """Serialise FSM data to JSON; raise ``TypeError`` naming the offending value otherwise."""
    if not isinstance(data, Mapping):
        raise TypeError(f"FSM data must be a mapping, not {type(data).__name__}")
    plain = dict(data)
    try:
        return json.dumps(plain, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError) as exc:
        bad = [
            f"{key!r} ({type(value).__name__})"
            for key, value in plain.items()
            if not _is_json_serialisable(value)
        ]
        raise TypeError(
            "FSM data must be JSON-serialisable (str, int, float, bool, None, list, dict); "
            f"offending keys: {', '.join(bad) or '?'}: {exc}"
        ) from exc


def _is_json_serialisable(value: Any) -> bool:
    try:
        json.dumps(value, allow_nan=False)
    except (TypeError, ValueError):
        return False
    return True


def decode_data(raw: str | None) -> dict[str, Any]:
    if not raw:
        return {}
    value = json.loads(raw)
    return value if isinstance(value, dict) else {}


class SQLiteStorage(BaseStorage):
    """FSM storage on the shared SQLite :class:`~storage.db.Database`."""

    def __init__(self, db: Database, key_builder: KeyBuilder | None = None) -> None:
        self.db = db
        self.key_builder = key_builder or DefaultKeyBuilder(with_bot_id=True, with_destiny=True)

    def _key(self, key: StorageKey) -> str:
        return self.key_builder.build(key)

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        name = _state_name(state)
        row_key = self._key(key)
        # Each statement alone leaves a valid row (a NULL state with empty data reads as no row), so
        # they run in autocommit under the write lock: a conversation step costs fewer round trips.
        async with self.db.serialised() as conn:
            if name is None:
                await conn.execute(
                    f"UPDATE fsm_state SET state = NULL, updated_at = {_NOW_SQL} WHERE key = ?", (row_key,)  # noqa: S608  _NOW_SQL is a constant SQL expression; values are bound
                )
                await conn.execute(
                    "DELETE FROM fsm_state WHERE key = ? AND state IS NULL AND data = ?",
                    (row_key, EMPTY_DATA),
                )
            else:
                await conn.execute(
                    f"INSERT INTO fsm_state (key, state, data, updated_at) VALUES (?, ?, ?, {_NOW_SQL}) "  # noqa: S608  _NOW_SQL is a constant SQL expression; values are bound
                    f"ON CONFLICT (key) DO UPDATE SET state = excluded.state, updated_at = {_NOW_SQL}",
                    (row_key, name, EMPTY_DATA),
                )

    async def get_state(self, key: StorageKey) -> str | None:
        row = await self.db.fetchone("SELECT state FROM fsm_state WHERE key = ?", (self._key(key),))
        return None if row is None else row[0]

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        raw = encode_data(data)
        row_key = self._key(key)
        async with self.db.serialised() as conn:
            await self._write_data(conn, row_key, raw)

    async def _write_data(self, conn: Any, row_key: str, raw: str) -> None:
        if raw == EMPTY_DATA:
            await conn.execute(
                f"UPDATE fsm_state SET data = ?, updated_at = {_NOW_SQL} WHERE key = ?", (EMPTY_DATA, row_key)  # noqa: S608  _NOW_SQL is a constant SQL expression; values are bound
            )
            await conn.execute("DELETE FROM fsm_state WHERE key = ? AND state IS NULL", (row_key,))
        else:
            await conn.execute(
                f"INSERT INTO fsm_state (key, state, data, updated_at) VALUES (?, NULL, ?, {_NOW_SQL}) "  # noqa: S608  _NOW_SQL is a constant SQL expression; values are bound
                f"ON CONFLICT (key) DO UPDATE SET data = excluded.data, updated_at = {_NOW_SQL}",
                (row_key, raw),
            )

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        row = await self.db.fetchone("SELECT data FROM fsm_state WHERE key = ?", (self._key(key),))
        return {} if row is None else decode_data(row[0])

    async def update_data(self, key: StorageKey, data: Mapping[str, Any]) -> dict[str, Any]:
        """Merge ``data`` into the stored data atomically (read and write in one transaction)."""
        encode_data(data)  # fail early, before taking the write lock
        row_key = self._key(key)
        async with self.db.transaction() as conn:
            row = await fetch_one(conn, "SELECT data FROM fsm_state WHERE key = ?", (row_key,))
            current = {} if row is None else decode_data(row[0])
            current.update(data)
            await self._write_data(conn, row_key, encode_data(current))
        return dict(current)

    async def close(self) -> None:
        """Nothing to release: the shared database is closed by the application."""
