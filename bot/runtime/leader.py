"""Leadership: exactly one process of a deployment leads (issue 15 §2).

The leader polls Telegram (polling mode), runs the outbox sender and the one Scheduler (reminders,
digests, backups, retention); a standby serves webhook updates and /healthz only. Who leads is decided by a
lock that only one process can hold (:class:`LeaderLock`): on PostgreSQL a session-level advisory lock on a
connection of its own (``storage/leader_lock.py``), released by the server the moment that connection drops
(the leader killed, its machine gone); on SQLite the one process always holds it (:class:`SoleProcess`).

The rule (:meth:`Leadership.step`, one round; :meth:`Leadership.run` repeats it):

- a standby tries to take the lock every ``retry_seconds`` (2 s): it leads once it holds it;
- the leader checks every ``check_seconds`` (1 s) that its lock is still held (its connection answers); if
  not — a half-dead leader cut off from the database — it stops leading at once, before anybody else may
  take over, and becomes a standby; the lock's own watcher may wake the check earlier (:meth:`wake`);
- gaining leadership starts the leader's duties (``on_gained``), losing it stops them (``on_lost``); duties
  that fail to start give the lock back, and the next round tries again.

The logs say when leadership moves: "became leader", "lost leadership", "standby", with the process id.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Awaitable, Callable
from typing import Protocol

log = logging.getLogger(__name__)

LEADER = "leader"
STANDBY = "standby"

Duty = Callable[[], Awaitable[None]]


class LeaderLock(Protocol):
    """The lock of the deployment's one leader."""

    async def acquire(self) -> bool:
        """Try once, without waiting: True when this process holds the lock now."""
        ...

    async def held(self) -> bool:
        """Whether the lock is still held (False when its connection broke or did not answer in time)."""
        ...

    async def release(self) -> None:
        """Give the lock back (and drop what held it); safe to call when not held."""
        ...


class SoleProcess:
    """SQLite: the one process of the deployment always leads."""

    async def acquire(self) -> bool:
        return True

    async def held(self) -> bool:
        return True

    async def release(self) -> None:
        return None


async def _nothing() -> None:
    return None


class Leadership:
    """Whether this process leads, and the moves between leader and standby (see the module's text)."""

    def __init__(self, lock: LeaderLock, *, retry_seconds: float = 2.0, check_seconds: float = 1.0,
                 pid: int | None = None) -> None:
        self.lock = lock
        self.retry_seconds = retry_seconds
        self.check_seconds = check_seconds
        self.pid = os.getpid() if pid is None else pid
        self.leading = False
        self.on_gained: Duty = _nothing
        self.on_lost: Duty = _nothing
        self._said_standby = False
        self._wake = asyncio.Event()
        self._stopping = False
        self._step_lock = asyncio.Lock()

    @property
    def role(self) -> str:
        return LEADER if self.leading else STANDBY

    def wake(self) -> None:
        """Check now (the lock's connection reported trouble)."""
        self._wake.set()

    async def step(self) -> str:
        """One round of the rule; returns the role after it."""
        async with self._step_lock:
            if self._stopping:
                return self.role
            if self.leading:
                if not await self._held():
                    await self._lose("its lock's connection broke or did not answer")
            elif await self._acquire():
                await self._gain()
            elif not self._said_standby:
                self._said_standby = True
                log.info("standby (pid %s): another process leads; trying every %.0f s", self.pid,
                         self.retry_seconds)
            return self.role

    async def run(self) -> None:
        """Repeat :meth:`step` until :meth:`stop`: every ``check_seconds`` as the leader, every
        ``retry_seconds`` as a standby, or at once when woken."""
        while not self._stopping:
            await self.step()
            pause = self.check_seconds if self.leading else self.retry_seconds
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=pause)
            except TimeoutError:
                pass
            self._wake.clear()

    async def halt(self) -> None:
        """No more rounds (a round in progress is finished first); the lock is kept until :meth:`stop`."""
        self._stopping = True
        self._wake.set()
        async with self._step_lock:
            pass

    async def stop(self) -> None:
        """No more rounds, and the lock is given back (the caller stopped the duties: the app's close)."""
        await self.halt()
        async with self._step_lock:
            was = self.leading
            self.leading = False
            await self._release()
        if was:
            log.info("leadership given up (pid %s): stopping", self.pid)

    async def _gain(self) -> None:
        self.leading = True
        self._said_standby = False
        log.warning("became leader (pid %s)", self.pid)
        try:
            await self.on_gained()
        except Exception:
            log.exception("the leader's duties did not start (pid %s): giving leadership back", self.pid)
            await self._lose("its duties did not start")

    async def _lose(self, why: str) -> None:
        self.leading = False
        log.warning("lost leadership (pid %s): %s; the leader's duties stop", self.pid, why)
        try:
            await self.on_lost()
        except Exception:
            log.exception("the leader's duties did not stop cleanly (pid %s)", self.pid)
        await self._release()

    async def _acquire(self) -> bool:
        try:
            return await self.lock.acquire()
        except Exception as exc:         # the database unreachable: stay a standby, try again later
            log.warning("standby (pid %s): could not try the leader's lock: %s", self.pid,
                        f"{type(exc).__name__}: {exc}"[:300])
            return False

    async def _held(self) -> bool:
        try:
            return await self.lock.held()
        except Exception:
            return False

    async def _release(self) -> None:
        try:
            await self.lock.release()
        except Exception as exc:
            log.warning("could not release the leader's lock (the server drops it with the connection): %s",
                        f"{type(exc).__name__}: {exc}"[:300])
