"""The leader's lock on PostgreSQL (bot/runtime/leader.py's ``LeaderLock``).

A session-level advisory lock (``pg_try_advisory_lock(LEADER_LOCK_KEY)``) held on a connection of its own,
outside the pool: the lock lives exactly as long as that session. When the leader is killed (``kill -9``)
its socket closes and the server releases the lock at once; when its machine vanishes, the server's TCP
settings below end the session within ~10 s. The other way round — the leader's connection broke while the
process lives — :meth:`held` answers False (it checks the connection with a short timeout, and asyncpg's
termination listener wakes the check at once), and the leader stops leading.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

import asyncpg

from storage.pg_db import LEADER_LOCK_KEY

log = logging.getLogger(__name__)

#: A lock connection that does not answer ``SELECT 1`` within this many seconds counts as broken.
CHECK_TIMEOUT = 2.0
#: The server gives up on a vanished leader's session quickly (keepalives and TCP user timeout, PostgreSQL
#: 12+; ignored on a Unix socket, where a dead peer is seen at once).
SERVER_SETTINGS = {"application_name": "bot-leader-lock", "tcp_keepalives_idle": "5",
                   "tcp_keepalives_interval": "2", "tcp_keepalives_count": "2", "tcp_user_timeout": "8000"}


class PgLeaderLock:
    """``pg_try_advisory_lock`` on a dedicated connection (opened on the first try, closed on release)."""

    def __init__(self, url: str, *, on_broken: Callable[[], None] | None = None,
                 key: int = LEADER_LOCK_KEY) -> None:
        self.url = url
        self.key = key
        self.on_broken = on_broken or (lambda: None)
        self._conn: asyncpg.Connection | None = None
        self._held = False
        self._guard = asyncio.Lock()          # one statement at a time on the one connection

    async def acquire(self) -> bool:
        async with self._guard:
            if self._held and self._conn is not None and not self._conn.is_closed():
                return True
            conn = self._conn
            if conn is None or conn.is_closed():
                conn = await asyncio.wait_for(
                    asyncpg.connect(self.url, server_settings=SERVER_SETTINGS), timeout=CHECK_TIMEOUT * 2)
                assert conn is not None
                conn.add_termination_listener(self._terminated)
                self._conn = conn
            self._held = bool(await asyncio.wait_for(
                conn.fetchval("SELECT pg_try_advisory_lock($1)", self.key), timeout=CHECK_TIMEOUT))
            return self._held

    async def held(self) -> bool:
        async with self._guard:
            conn = self._conn
            if not self._held or conn is None or conn.is_closed():
                return False
            try:
                return bool(await asyncio.wait_for(conn.fetchval("SELECT 1"), timeout=CHECK_TIMEOUT))
            except (Exception, TimeoutError):
                return False

    async def release(self) -> None:
        async with self._guard:
            conn, self._conn, self._held = self._conn, None, False
            if conn is None or conn.is_closed():
                return
            try:      # closing the session releases its advisory locks; a broken one is just dropped
                await asyncio.wait_for(conn.close(), timeout=CHECK_TIMEOUT)
            except (Exception, TimeoutError):
                conn.terminate()

    def _terminated(self, _conn: asyncpg.Connection) -> None:
        if self._held:
            log.warning("the leader's lock connection was closed")
            self.on_broken()
