"""The composition root: settings -> storage, calendar, services, Bot, Dispatcher, sender, scheduler.

The only module that sees everything; the runner (bot/app/runner.py) starts what it builds.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import tzinfo
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.session.base import BaseSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError
from aiogram.fsm.storage.base import BaseStorage
from aiogram.types import (
    BotCommand,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
)

from bot import texts
from bot.app.responses import pin_response_types
from bot.app.startup import StartupChecks, open_checked
from bot.app.web import SENDER_TASK, Health
from bot.delivery.sender import Notifier, RateLimiter
from bot.domain.model import Actor
from bot.jobs.daily import backup_job, digest_job
from bot.jobs.reminders import ReminderScheduler, ReminderService
from bot.jobs.retention import retention_job
from bot.jobs.scheduler import Scheduler
from bot.runtime.clock import Clock, SystemClock
from bot.runtime.locks import KeyedLocks
from bot.services.access import AccessService
from bot.services.backups import BackupService
from bot.services.cases import CaseService
from bot.services.chats import ChatsService
from bot.services.coordinator import CoordinatorService
from bot.services.handover import HandoverService
from bot.services.members import MemberService
from bot.services.orgs import OrgService
from bot.services.place_index import PlaceIndex
from bot.services.places import PlacesService
from bot.services.ratings import RatingService
from bot.services.recipients import Recipients
from bot.services.reports import DigestService, ReportService
from bot.services.retention import RetentionService
from bot.services.surges import IncidentService, SurgeService
from bot.services.workdays import WorkdayService
from bot.settings import Settings
from bot.settings.sections import TELEGRAM_API_DEFAULT, TelegramSettings
from deadlines.orgs import with_days_off
from deadlines.rules import Deadlines
from handlers import get_routers
from handlers.coordinator import coordinator_commands
from handlers.middlewares import ActorMiddleware, FloodThrottle, MemberGate
from handlers.notices import NoticeRenderer
from storage.db import Database
from storage.fsm import SQLiteStorage

log = logging.getLogger(__name__)

PRIVATE_COMMANDS = texts.MENU_PRIVATE       # the command menus Telegram shows (set_commands)
GROUP_COMMANDS = texts.MENU_GROUP


@dataclass(frozen=True)
class HandlerServices:
    """What every handler may ask for by name (the Dispatcher's keyword arguments), all of them required."""

    cases: CaseService
    access: AccessService
    incidents: IncidentService
    reports: ReportService
    workdays: WorkdayService
    backups: BackupService
    deadlines: Deadlines
    clock: Clock
    tz: tzinfo
    locks: KeyedLocks
    places: PlacesService
    members: MemberService
    place_index: PlaceIndex
    handover: HandoverService
    chats: ChatsService
    orgs: OrgService
    ratings: RatingService
    coordinator: CoordinatorService


def build_dispatcher(storage: BaseStorage, services: HandlerServices, *, flood_limit: int = 0) -> Dispatcher:
    dp = Dispatcher(storage=storage, **vars(services))
    # Who acts, then (issue 13 §2) strangers' floods throttled, then a bound group's members checked.
    for middleware in (ActorMiddleware(), FloodThrottle(flood_limit), MemberGate()):
        dp.message.outer_middleware(middleware)
        dp.callback_query.outer_middleware(middleware)
    dp.include_routers(*get_routers())
    return dp


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
    scheduler: Scheduler
    reminders: ReminderScheduler
    workdays: WorkdayService
    digests: DigestService
    backups: BackupService
    checks: StartupChecks
    health: Health
    tasks: list[asyncio.Task[Any]]
    closed: bool = False
    retention: RetentionService | None = None

    async def start_background(self) -> None:
        await self.reminders.start()        # rebuild from the database + catch-up (late reminders)
        self.tasks.append(asyncio.create_task(self.notifier.run(), name=SENDER_TASK))
        digest_job(self.digests).start(self.scheduler)
        if self.backups.scheduled:                # SQLite only: on PostgreSQL backups are the DBA's
            backup_job(self.backups).start(self.scheduler)
        if self.retention is not None:
            retention_job(self.retention).start(self.scheduler)

    async def close(self, within: float | None = None) -> None:
        """Stop in order, at most ``within`` seconds (SHUTDOWN_TIMEOUT) in all: the scheduler (reminders,
        digests, backups), then the sender, which finishes the notice it is sending and leaves the rest
        queued in the outbox (cancelled when the time is up: that notice stays queued too); then the FSM
        storage, the HTTP session and the database. A second call does nothing."""
        if self.closed:
            return
        self.closed = True
        loop = asyncio.get_running_loop()
        deadline = loop.time() + (self.settings.web.shutdown_timeout if within is None else within)
        await self.reminders.stop()
        await self.scheduler.stop()
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


def make_session(settings: TelegramSettings) -> AiohttpSession:
    if settings.telegram_api_url == TELEGRAM_API_DEFAULT:
        return AiohttpSession()
    return AiohttpSession(api=TelegramAPIServer.from_base(settings.telegram_api_url, is_local=False))


async def build_app(settings: Settings, *, clock: Clock | None = None, session: BaseSession | None = None,
                    token: str | None = None, limiter: RateLimiter | None = None) -> App:
    tz = settings.deadlines.tz
    clock = clock or SystemClock(tz)
    pin_response_types()
    deadlines = settings.deadlines.build_deadlines()
    calendar = deadlines.calendar
    db = await open_checked(settings.storage.database_target())   # PostgreSQL unreachable: StartupFatal
    telegram = settings.telegram
    secret = token or (telegram.bot_token.get_secret_value() if telegram.bot_token else "")
    bot = Bot(secret, session=session or make_session(telegram),
              default=DefaultBotProperties(parse_mode=ParseMode.HTML, link_preview_is_disabled=True))
    people = settings.people
    access = AccessService(db, clock, admin_ids=people.admin_ids, operator_ids=people.operator_ids,
                           head_chat_id=people.head_chat_id, official_ids=people.official_ids,
                           coordinator_ids=people.coordinator_ids)
    places = PlacesService(db, clock, access.may_administer)     # the seed file and the admins' list (/places)
    place_index = PlaceIndex(db, clock, places=places.data, may_administer=access.may_administer)   # the places of posts
    access.set_place_scores(place_index.scores)            # the card suggests departments by their places too
    reports = settings.reports
    recipients = Recipients(access)         # whom each organisation's notices reach (issue 14)
    surges = SurgeService(db, calendar, clock, access.head_chat_id, min_posts=reports.surge_min_posts,
                          window_minutes=reports.surge_window_minutes, places=place_index,
                          coordinator=recipients.coordinator)
    incidents = IncidentService(db, deadlines, clock)
    cases = CaseService(db, deadlines, clock, surges=surges, incidents=incidents)
    cases.operator_ids = access.operator_ids         # organisation no. 1's operators of the settings (transfers)
    handover = HandoverService(db, clock, access)
    chats = ChatsService(db, clock, access, handover)
    notifier = Notifier(bot, db, clock, NoticeRenderer(cases, access, clock, tz, place_index), limiter, chats=chats)
    scheduler = Scheduler(clock)
    remind = settings.reminders
    reminders = ReminderScheduler(
        ReminderService(db, deadlines, clock, fractions=remind.remind_fractions(),
                        escalate=remind.escalate_rule_set(), escalate_official=remind.escalate_official_rule_set(),
                        coordinator=remind.coordinator_rule_set(),
                        clarification_wait_days=remind.clarification_wait_days),
        scheduler, on_queued=notifier.wake)

    def on_commit() -> None:
        notifier.wake()
        reminders.resync()

    cases.set_on_commit(on_commit)
    incidents.set_on_commit(on_commit)
    handover.set_on_commit(on_commit)
    chats.set_on_commit(on_commit)

    async def calendar_changed() -> None:
        await reminders.sync(full=True)
        notifier.wake()

    async def recompute_org(actor: Actor, reason: dict[str, Any], org_id: int) -> list[str]:
        return await cases.recompute_open(actor, reason, org_id=org_id)

    workdays = WorkdayService(db, clock, calendar, settings.deadlines.calendar_path, on_change=calendar_changed,
                              recompute=cases.recompute_open, recompute_org=recompute_org)
    digests = DigestService(db, calendar, clock, access.head_chat_id, times=reports.digest_times,
                            on_queued=notifier.wake, person_name=access.person_name,
                            coordinator=recipients.coordinator)
    backups = BackupService(db, clock, tz, settings.backups.backup_dir, keep=settings.backups.backup_keep,
                            times=settings.backups.backup_times, on_queued=notifier.wake,
                            passphrase=settings.backups.backup_passphrase)
    dp = build_dispatcher(SQLiteStorage(db), HandlerServices(
        cases=cases, access=access, incidents=incidents,
        reports=ReportService(db, calendar, clock, tz, person_name=access.person_name),
        workdays=workdays, backups=backups, deadlines=deadlines, clock=clock, tz=tz, locks=KeyedLocks(),
        places=places, place_index=place_index, handover=handover, chats=chats, orgs=OrgService(db, clock, access),
        members=MemberService(db, clock, access, strict=people.strict_members, on_queued=notifier.wake),
        ratings=RatingService(db, calendar, clock, tz, org_calendar=with_days_off), coordinator=CoordinatorService(db, clock, access)),
        flood_limit=settings.web.flood_limit)
    tasks: list[asyncio.Task[Any]] = []
    return App(settings=settings, db=db, bot=bot, dp=dp, clock=clock, deadlines=deadlines, cases=cases,
               access=access, notifier=notifier, scheduler=scheduler, reminders=reminders, workdays=workdays,
               digests=digests, backups=backups,
               checks=StartupChecks(db, bot, clock, calendar, access, notifier.wake),
               health=Health(db, clock, reminders, tasks, settings.web.run_mode), tasks=tasks,
               retention=RetentionService(db, clock, tz, settings.storage.retention_months, on_queued=notifier.wake))


async def set_commands(bot: Bot, coordinator_chats: Iterable[int] = ()) -> None:
    await bot.set_my_commands([BotCommand(command=c, description=d) for c, d in PRIVATE_COMMANDS],
                              scope=BotCommandScopeAllPrivateChats())
    await bot.set_my_commands([BotCommand(command=c, description=d) for c, d in GROUP_COMMANDS],
                              scope=BotCommandScopeAllGroupChats())
    for chat_id in coordinator_chats:   # the coordinator's own menu; a chat Telegram refuses is skipped
        try:
            await bot.set_my_commands(coordinator_commands(), scope=BotCommandScopeChat(chat_id=chat_id))
        except (TelegramBadRequest, TelegramForbiddenError) as exc:
            log.info("no coordinator's menu in chat %s: %s", chat_id, exc)
