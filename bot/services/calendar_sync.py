"""The working calendar shared by every process of a PostgreSQL deployment (issue 15).

On PostgreSQL the administration's days (the overrides: days off, extra working days, days declared working
by the head) live in the database — one ``kv`` row with a version (``storage/calendar_overrides.py``) — not in
the ``CALENDAR_PATH`` file, which two servers would each have a copy of:

* **start** (:meth:`SharedCalendar.load`): no row yet → it is seeded from the file (or empty), once — under the
  deployment's write transaction, so two processes starting together seed it once; a row → the file is
  ignored for the overrides, with a warning when it differs (the database wins; days are changed with the
  bot's commands);
* **a change** (``WorkdayService``): the row is read and written, version + 1, in the change's own write
  transaction, beside its audit event;
* **another process's change** (:meth:`SharedCalendar.check`, every :data:`SYNC_SECONDS` in every process):
  one read of the ``kv`` key; when the version moved, the overrides are swapped into the running
  ``WorkCalendar`` and ``on_change`` runs (reminder moments follow). The open deadlines are not counted again
  here: the changing process did that in the database.

Measured (PostgreSQL 15 on the same machine, 2 shared cores): a check is ~0.4 ms (one primary-key read on a
pooled connection) — nothing at one every 5 s, while checking before every update instead would add that round
trip to each update; hence the timer.
On SQLite nothing of this runs: the file stays the one place, as before.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path

from bot import texts
from deadlines.calendar import CalendarOverrides, WorkCalendar
from storage.calendar_overrides import CalendarOverridesRepository, StoredCalendar
from storage.db import Conn, Database

log = logging.getLogger(__name__)

#: How often every process asks the database whether another process changed the calendar.
SYNC_SECONDS = 5.0

Sleep = Callable[[float], Awaitable[None]]


class SharedCalendar:
    """The calendar overrides of the database, kept in this process's ``WorkCalendar``."""

    def __init__(self, db: Database, calendar: WorkCalendar, path: Path, lock: asyncio.Lock,
                 on_change: Callable[[], Awaitable[None]] | None = None, *,
                 interval: float = SYNC_SECONDS, sleep: Sleep = asyncio.sleep) -> None:
        self.db = db
        self.calendar = calendar
        self.path = path
        self.lock = lock                    # the WorkdayService's: a local change and a reload never interleave
        self.on_change = on_change
        self.interval = interval
        self.sleep = sleep
        self.repo = CalendarOverridesRepository()
        self.version: int | None = None     # the version this process runs on
        self._task: asyncio.Task[None] | None = None
        self._failing = False

    def _file(self) -> CalendarOverrides | None:
        return CalendarOverrides.load(self.path) if self.path.exists() else None

    def _apply(self, stored: StoredCalendar) -> None:
        if stored.overrides != self.calendar.overrides:
            self.calendar.overrides = stored.overrides      # the setter drops the calendar's caches
        self.version = stored.version

    async def load(self) -> None:
        """At start: seed the row from the file once, or take the database's overrides."""
        file = self._file()
        stored = await self.repo.read(self.db.conn)
        seeded = False
        if stored is None:
            async with self.lock, self.db.transaction() as conn:    # the whole deployment's one writer
                stored = await self.repo.read(conn)
                if stored is None:
                    stored = StoredCalendar(1, file if file is not None else CalendarOverrides())
                    seeded = await self.repo.seed(conn, stored.overrides)
        if seeded:
            log.info("calendar overrides seeded into the database from %s",
                     self.path if file is not None else "nothing (no file)")
        elif file is not None and file != stored.overrides:
            log.warning(texts.CALENDAR_FILE_IGNORED.format(path=self.path, version=stored.version))
        self._apply(stored)

    async def current(self, conn: Conn) -> tuple[int, CalendarOverrides]:
        """Inside a change's transaction: the stored version and overrides (a fresh object to change);
        before the row exists (the start did not seed it) the file's, as version 0."""
        stored = await self.repo.read(conn)
        if stored is None:
            return 0, self._file() or CalendarOverrides()
        return stored.version, stored.overrides

    async def store(self, conn: Conn, version: int, overrides: CalendarOverrides) -> int:
        """Inside the change's transaction: the next version; :meth:`applied` after the commit."""
        await self.repo.write(conn, version + 1, overrides)
        return version + 1

    async def bump(self, conn: Conn) -> tuple[int, CalendarOverrides]:
        """Inside a transaction that changes what the calendar depends on elsewhere (an organisation's days
        off): the same overrides, the next version, so the other processes' reminder moments follow too;
        :meth:`applied` with the result after the commit."""
        version, overrides = await self.current(conn)
        return await self.store(conn, version, overrides), overrides

    def applied(self, version: int, overrides: CalendarOverrides) -> None:
        """After the commit of this process's change."""
        self._apply(StoredCalendar(version, overrides))

    async def check(self) -> bool:
        """Another process's change: True when this process took a new version (and ran ``on_change``)."""
        version = await self.repo.version(self.db.conn)
        if version is None or version == self.version:
            return False
        async with self.lock:
            stored = await self.repo.read(self.db.conn)
            if stored is None or stored.version == self.version:
                return False
            before = self.version
            self._apply(stored)
        log.info("calendar overrides: version %s -> %s, changed by another process", before, stored.version)
        if self.on_change is not None:
            await self.on_change()
        return True

    # ---- the timer of every process --------------------------------------------------------------------
    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._watch(), name="calendar-sync")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _watch(self) -> None:
        while True:
            await self.sleep(self.interval)
            try:
                await self.check()
            except Exception:       # the database away for a moment: the next check tries again
                if not self._failing:
                    log.warning("calendar check failed; trying again every %s s", self.interval, exc_info=True)
                self._failing = True
            else:
                if self._failing:
                    log.info("calendar check works again")
                self._failing = False
