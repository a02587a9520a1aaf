"""Several processes (issue 15 §2), wired: who leads, what the leader runs, each update once.

- :func:`leadership_for` builds the rule of ``bot/runtime/leader.py`` with the deployment's lock: on
  PostgreSQL the advisory lock of ``storage/leader_lock.py``, on SQLite the one process (always leading).
- :class:`LeaderDuties` is what only the leader runs: the reminders and the one Scheduler (digests, backups,
  retention), the outbox sender, and in polling mode the polling (added by the runner). Gaining leadership
  starts them, losing it stops them: the scheduler's jobs are dropped, the sender finishes the notice it is
  sending (its other claims go back to the outbox), polling stops taking updates and lets those in progress
  finish. Every job is rebuilt from the database when they start again, so nothing is lost or run twice.
- :class:`OnceMiddleware` (outermost on ``dp.update``, PostgreSQL only) handles each update once per
  deployment with the processed-update record of ``storage/processed_updates.py`` (the crash window, and why
  SQLite goes without it, are explained there).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Set
from contextlib import AbstractAsyncContextManager, suppress
from datetime import datetime
from typing import Any, Protocol

from aiogram import BaseMiddleware, Bot, Dispatcher
from aiogram.types import TelegramObject, Update

from bot.app.web import SENDER_TASK
from bot.delivery.sender import Notifier
from bot.jobs.daily import backup_job, digest_job
from bot.jobs.reminders import ReminderScheduler
from bot.jobs.retention import retention_job
from bot.jobs.scheduler import Scheduler
from bot.runtime.clock import Clock
from bot.runtime.leader import Leadership, SoleProcess
from bot.services.backups import BackupService
from bot.services.reports import DigestService
from bot.services.retention import RetentionService
from storage.db import Database
from storage.leader_lock import PgLeaderLock
from storage.processed_updates import PgUpdateRecord

log = logging.getLogger(__name__)

LEADERSHIP_TASK = "leadership"


def leadership_for(db: Database, target: object) -> Leadership:
    """PostgreSQL: the advisory lock at the database's URL; SQLite: the one process leads."""
    if not db.is_postgresql:
        return Leadership(SoleProcess())
    lock = PgLeaderLock(str(target))
    leadership = Leadership(lock)
    lock.on_broken = leadership.wake        # a broken lock connection is checked at once
    return leadership


class Duty(Protocol):
    """Something only the leader runs besides the scheduler and the sender (the polling)."""

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


class LeaderDuties:
    def __init__(self, *, scheduler: Scheduler, reminders: ReminderScheduler, notifier: Notifier,
                 digests: DigestService, backups: BackupService, retention: RetentionService | None,
                 tasks: list[asyncio.Task[Any]]) -> None:
        self.scheduler, self.reminders, self.notifier = scheduler, reminders, notifier
        self.digests, self.backups, self.retention = digests, backups, retention
        self.tasks = tasks            # the app's background tasks (/healthz finds the sender there)
        self.extra: list[Duty] = []
        self.running = False
        self._sender: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self.running = True
        await self.reminders.start()        # rebuild from the database + catch-up (late reminders)
        self.notifier.resume()
        self._sender = asyncio.create_task(self.notifier.run(), name=SENDER_TASK)
        self.tasks.append(self._sender)
        digest_job(self.digests).start(self.scheduler)
        if self.backups.scheduled:            # SQLite only: on PostgreSQL backups are the DBA's
            backup_job(self.backups).start(self.scheduler)
        if self.retention is not None:
            retention_job(self.retention).start(self.scheduler)
        for duty in self.extra:
            await duty.start()

    async def add(self, duty: Duty) -> None:
        """One more duty of the leader; started now when this process leads."""
        self.extra.append(duty)
        if self.running:
            await duty.start()

    async def stop(self, within: float = 10.0) -> None:
        """Stop every duty (a standby now, or the app closing): at most ``within`` seconds for the sender."""
        self.running = False
        for duty in self.extra:
            await duty.stop()
        await self.reminders.stop()
        if self.scheduler.running:
            self.scheduler.remove_all_jobs()
        await self.scheduler.stop()
        await asyncio.sleep(0)      # APScheduler's shutdown runs as a loop callback: let it, before a restart
        self.notifier.stop()
        sender, self._sender = self._sender, None
        if sender is not None and not sender.done():
            _, late = await asyncio.wait({sender}, timeout=max(0.0, within))
            if late:
                log.warning("%s did not stop in time: cancelled", SENDER_TASK)
                sender.cancel()
            await asyncio.gather(sender, return_exceptions=True)


class Polling:
    """Long polling as a duty of the leader (polling mode); its end by itself (a wrong token …) is kept for
    the runner (``ended``)."""

    def __init__(self, dp: Dispatcher, bot: Bot, *, allowed_updates: list[str], concurrency: int) -> None:
        self.dp, self.bot = dp, bot
        self.allowed_updates, self.concurrency = allowed_updates, concurrency
        self.task: asyncio.Task[None] | None = None
        self.ended: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    async def start(self) -> None:
        if self.task is not None and not self.task.done():
            return
        self.task = asyncio.create_task(
            self.dp.start_polling(self.bot, handle_signals=False, close_bot_session=False,
                                  allowed_updates=self.allowed_updates, tasks_concurrency_limit=self.concurrency),
            name="polling")
        self.task.add_done_callback(self._ended)

    def _ended(self, task: asyncio.Task[None]) -> None:
        """Polling that ends by itself (not by :meth:`stop`) ends the runner's wait: with its error, if any."""
        if task is not self.task or self.ended.done():
            return
        error = None if task.cancelled() else task.exception()
        if error is not None:
            self.ended.set_exception(error)
        else:
            self.ended.set_result(None)

    async def stop(self) -> None:
        """No new updates are taken (the updates in progress finish on their own tasks)."""
        task, self.task = self.task, None
        if task is None or task.done():
            return
        try:
            await self.dp.stop_polling()
        except RuntimeError:            # not started yet (the stop came during the start)
            task.cancel()
        with suppress(asyncio.CancelledError):
            await task


class UpdateRecord(Protocol):
    def claim(self, update_id: int, now: datetime) -> AbstractAsyncContextManager[bool]: ...

    async def close(self) -> None: ...


async def update_record_for(db: Database, target: object, *, size: int) -> UpdateRecord | None:
    """PostgreSQL's processed-update record; None on SQLite (one process: see storage/processed_updates.py)."""
    if db.is_postgresql:
        return await PgUpdateRecord.open(str(target), db, size=size)
    return None


class OnceMiddleware(BaseMiddleware):
    """Each update once per deployment: an update already handled (or being handled in this process) is
    skipped with a log line."""

    def __init__(self, record: UpdateRecord, clock: Clock) -> None:
        self.record = record
        self.clock = clock
        self._in_flight: set[int] = set()

    @property
    def in_flight(self) -> Set[int]:
        return self._in_flight

    async def __call__(self, handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
                       event: TelegramObject, data: dict[str, Any]) -> Any:
        if not isinstance(event, Update):
            return await handler(event, data)
        update_id = event.update_id
        if update_id in self._in_flight:
            log.info("update %s is being handled already: skipped", update_id)
            return None
        self._in_flight.add(update_id)
        try:
            async with self.record.claim(update_id, self.clock.now()) as fresh:
                if not fresh:
                    log.info("update %s was handled already: skipped", update_id)
                    return None
                return await handler(event, data)
        finally:
            self._in_flight.discard(update_id)
