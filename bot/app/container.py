"""The composition root: settings -> storage, calendar, services, Bot, Dispatcher, sender, scheduler."""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.session.base import BaseSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.types import BotCommand, BotCommandScopeAllGroupChats, BotCommandScopeAllPrivateChats

from bot.app.responses import pin_response_types
from bot.delivery.sender import Notifier, RateLimiter
from bot.jobs.periodic import Job, Sleep, run_at
from bot.jobs.reminders import ReminderScheduler, ReminderService
from bot.runtime.clock import Clock, SystemClock
from bot.runtime.locks import KeyedLocks
from bot.services.access import AccessService
from bot.services.backups import BackupService, run_backups
from bot.services.cases import CaseService
from bot.services.reports import DigestService
from bot.services.surges import IncidentService, SurgeService
from bot.services.workdays import WorkdayService
from bot.settings import TELEGRAM_API_DEFAULT, Settings
from deadlines.rules import Deadlines
from handlers import get_routers
from handlers.middlewares import ActorMiddleware
from handlers.notices import NoticeRenderer
from storage.db import Database
from storage.fsm import SQLiteStorage

log = logging.getLogger(__name__)

PRIVATE_COMMANDS = [("start", "что умеет бот"), ("open", "открытые сообщения"), ("case", "карточка сообщения"),
                    ("cancel", "отменить ввод")]
GROUP_COMMANDS = [("my", "открытые сообщения отдела"), ("cancel", "отменить ввод")]


@dataclass
class App:
    settings: Settings
    db: Database
    bot: Bot
    dp: Dispatcher
    clock: Clock
    deadlines: Deadlines
    cases: CaseService
    access: AccessService
    notifier: Notifier
    tasks: list[asyncio.Task[Any]] = field(default_factory=list)
    reminders: ReminderScheduler | None = None
    workdays: WorkdayService | None = None
    digests: DigestService | None = None
    backups: BackupService | None = None
    started_at: float = field(default_factory=time.monotonic)     # for /healthz uptime
    closed: bool = False

    async def start_background(self) -> None:
        if self.reminders is not None:
            await self.reminders.start()        # rebuild from the database + catch-up (late reminders)
        self.tasks.append(asyncio.create_task(self.notifier.run(), name="outbox-sender"))
        if self.digests is not None:
            self.tasks.append(asyncio.create_task(run_digests(self.digests, self.clock), name="digests"))
        if self.backups is not None and self.backups.times:
            self.tasks.append(asyncio.create_task(run_backups(self.backups, self.clock), name="backups"))

    async def close(self, within: float | None = None) -> None:
        """Stop in order, at most ``within`` seconds (SHUTDOWN_TIMEOUT) in all: digests, the reminders
        scheduler, then the sender, which finishes the notice it is sending and leaves the rest queued
        in the outbox (cancelled when the time is up: that notice stays queued too); then the FSM
        storage, the HTTP session and the database. A second call does nothing."""
        if self.closed:
            return
        self.closed = True
        loop = asyncio.get_running_loop()
        deadline = loop.time() + (self.settings.shutdown_timeout if within is None else within)
        for task in self.tasks:
            if task.get_name() in ("digests", "backups"):
                task.cancel()
        if self.reminders is not None:
            await self.reminders.stop()
        self.notifier.stop()
        pending = [task for task in self.tasks if not task.done()]
        if pending:
            _, late = await asyncio.wait(pending, timeout=max(0.0, deadline - loop.time()))
            for task in late:
                log.warning("%s did not stop in time: cancelled", task.get_name())
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        await self.dp.storage.close()
        await self.bot.session.close()
        await self.db.close()


#: A digest missed while the bot was down is still sent if the bot is back within this time.
DIGEST_CATCH_UP = timedelta(hours=2)

async def run_digests(digests: DigestService, clock: Clock, *, sleep: Sleep = asyncio.sleep,
                      catch_up: timedelta = DIGEST_CATCH_UP) -> None:
    """The head's digests on working days at DIGEST_TIMES. Each is deduplicated per day in the outbox,
    so a restart re-sends nothing, and one missed by less than ``catch_up`` goes out at start."""

    def upcoming(after: datetime) -> tuple[datetime, Job] | None:
        moments = digests.next_moments(after=after, count=1)
        if not moments:
            return None
        moment, kind = moments[0]
        return moment, lambda: digests.send_digest(kind)

    await run_at(upcoming, clock, sleep=sleep, catch_up=catch_up, what="digest")


def make_session(settings: Settings) -> AiohttpSession:
    if settings.telegram_api_url == TELEGRAM_API_DEFAULT:
        return AiohttpSession()
    return AiohttpSession(api=TelegramAPIServer.from_base(settings.telegram_api_url, is_local=False))


async def build_app(settings: Settings, *, clock: Clock | None = None, session: BaseSession | None = None,
                    token: str | None = None, limiter: RateLimiter | None = None) -> App:
    tz = settings.tz
    clock = clock or SystemClock(tz)
    pin_response_types()
    deadlines = settings.build_deadlines()
    db = await Database.open(settings.database_path)
    secret = token or (settings.bot_token.get_secret_value() if settings.bot_token else "")
    bot = Bot(secret, session=session or make_session(settings),
              default=DefaultBotProperties(parse_mode=ParseMode.HTML, link_preview_is_disabled=True))
    access = AccessService(db, clock, admin_ids=settings.admin_ids, operator_ids=settings.operator_ids,
                           head_chat_id=settings.head_chat_id, official_ids=settings.official_ids)
    cases = CaseService(db, deadlines, clock)
    notifier = Notifier(bot, db, clock, NoticeRenderer(cases, access, clock, tz), limiter)
    reminder_service = ReminderService(db, deadlines, clock, fractions=settings.remind_fractions(),
                                       escalate=settings.escalate_rule_set(),
                                       escalate_official=settings.escalate_official_rule_set(),
                                       clarification_wait_days=settings.clarification_wait_days)
    reminders = ReminderScheduler(reminder_service, clock, on_queued=notifier.wake)

    def on_commit() -> None:
        notifier.wake()
        reminders.resync()

    cases.set_on_commit(on_commit)

    async def calendar_changed() -> None:
        await reminders.sync(full=True)
        notifier.wake()

    workdays = WorkdayService(db, clock, deadlines.calendar, settings.calendar_path, on_change=calendar_changed,
                              recompute=cases.recompute_open)
    dp = Dispatcher(storage=SQLiteStorage(db), cases=cases, access=access, clock=clock, tz=tz,
                    deadlines=deadlines, settings=settings, locks=KeyedLocks(), notifier=notifier)
    dp["reminders"] = reminders
    dp["workdays"] = workdays
    dp["surges"] = SurgeService(db, deadlines.calendar, clock, access.head_chat_id,
                                min_posts=settings.surge_min_posts, window_minutes=settings.surge_window_minutes,
                                on_queued=notifier.wake)
    digests = DigestService(db, deadlines.calendar, clock, access.head_chat_id, times=settings.digest_times,
                            on_queued=notifier.wake, person_name=access.person_name)
    dp["incidents"] = IncidentService(db, deadlines, clock, on_commit=on_commit)
    backups = BackupService(db, clock, tz, settings.backup_dir, keep=settings.backup_keep,
                            times=settings.backup_times, on_queued=notifier.wake)
    dp["backups"] = backups
    actor_mw = ActorMiddleware()
    dp.message.outer_middleware(actor_mw)
    dp.callback_query.outer_middleware(actor_mw)
    dp.include_routers(*get_routers())
    return App(settings=settings, db=db, bot=bot, dp=dp, clock=clock, deadlines=deadlines, cases=cases,
               access=access, notifier=notifier, reminders=reminders, workdays=workdays,
               digests=digests, backups=backups)


async def set_commands(bot: Bot) -> None:
    await bot.set_my_commands([BotCommand(command=c, description=d) for c, d in PRIVATE_COMMANDS],
                              scope=BotCommandScopeAllPrivateChats())
    await bot.set_my_commands([BotCommand(command=c, description=d) for c, d in GROUP_COMMANDS],
                              scope=BotCommandScopeAllGroupChats())


async def run(settings: Settings) -> None:
    """Run the bot in RUN_MODE (polling or webhook) until SIGTERM / SIGINT (bot/app/runner.py)."""
    from bot.app.runner import run as run_mode

    await run_mode(settings)


async def run_polling(settings: Settings) -> None:
    """Long polling whatever RUN_MODE says (kept for callers of the old name)."""
    await run(settings.model_copy(update={"run_mode": "polling"}))
