"""Checks made when the bot starts, before it takes updates (called from bot/app/runner.py).

* the database is writable (a write in a transaction that is rolled back): if not, the start
  stops with a Russian message (``StartupFatal``; bot/__main__.py exits with code 2). On PostgreSQL
  (``DATABASE_URL``) a server that cannot be reached, refuses the role or is read-only stops the start
  the same way, already when the database is opened (``open_checked``), naming the URL without its password;
* the migrations are applied (the schema version equals the number of migration files);
* the production calendar is confirmed for this year (and, in December, for the next one);
* the head's chat and every bound department's chat are reachable, the bot is a member of each and
  may write there (``getChat``, ``getChatMember`` for the bot itself).

Every other problem is logged as a warning, and the admins get ONE ``admin_alert`` notice listing
them, queued through the outbox (it survives a crash; the same list is not repeated the same day).
"""

from __future__ import annotations

import hashlib
import logging
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from aiogram import Bot
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.types import ChatMemberRestricted

from bot import texts
from bot.domain.notices import Notice, NoticeKind, Words
from bot.domain.orgs import DEFAULT_ORG
from bot.runtime.clock import Clock
from bot.services.access import AccessService
from deadlines.calendar import WorkCalendar
from storage.connect import open_database
from storage.db import Database, is_postgresql_url
from storage.health import DATABASE_ERRORS, check_writable, migrations_status, probe_writable
from storage.outbox import OutboxRepository
from storage.pg_db import redact

log = logging.getLogger(__name__)


class StartupFatal(Exception):
    """The bot cannot work at all; the message is for the person starting it (Russian)."""


def database_not_writable(path: Path) -> str | None:
    """Before the bot opens the database: None if it can be written, else the Russian message."""
    try:
        probe_writable(path)
    except (sqlite3.Error, OSError) as exc:
        return texts.STARTUP_DB_NOT_WRITABLE.format(path=path, error=exc)
    return None


def database_problem(target: str | Path, exc: BaseException) -> str:
    """The Russian message of a database that cannot be opened or written: the file, or the PostgreSQL
    URL without its password (the error's text is cleared of it too)."""
    if not is_postgresql_url(target):
        return texts.STARTUP_DB_NOT_WRITABLE.format(path=target, error=exc)
    error, password = str(exc) or type(exc).__name__, urlsplit(str(target)).password
    if password:
        error = error.replace(password, "***")
    return texts.STARTUP_PG_UNAVAILABLE.format(url=redact(str(target)), error=error)


async def open_checked(target: str | Path) -> Database:
    """``open_database``; a PostgreSQL that cannot be reached, refuses the role or is read-only stops the
    start with :class:`StartupFatal` (a SQLite file's errors pass as before)."""
    try:
        return await open_database(target)
    except DATABASE_ERRORS as exc:
        if not is_postgresql_url(target):
            raise
        raise StartupFatal(database_problem(target, exc)) from exc


@dataclass(frozen=True)
class StartupChecks:
    """What the checks read: the database, Telegram, the clock, the calendar, the chats; ``wake`` wakes the
    outbox sender for the admins' alert."""

    db: Database
    bot: Bot
    clock: Clock
    calendar: WorkCalendar
    access: AccessService
    wake: Callable[[], None]


class _TelegramDown(Exception):
    pass


async def _chat_problem(bot: Bot, chat_id: int) -> str | None:
    """None if the bot can write in the chat, else why not (Telegram's own words)."""
    try:
        chat = await bot.get_chat(chat_id)
        if chat.type == "private":                   # a person's chat: reachable is all there is to know
            return None
        member = await bot.get_chat_member(chat_id, bot.id)
    except (TelegramNetworkError, TelegramServerError, TelegramRetryAfter, TelegramUnauthorizedError,
            TimeoutError, OSError) as exc:
        raise _TelegramDown(str(exc)) from exc
    except TelegramAPIError as exc:
        return exc.message
    if member.status in ("left", "kicked"):
        return texts.STARTUP_NOT_MEMBER.format(status=member.status)
    if isinstance(member, ChatMemberRestricted) and (not member.is_member or not member.can_send_messages):
        return texts.STARTUP_CANNOT_SEND
    return None


async def find_problems(checks: StartupChecks) -> list[str]:
    """Everything wrong that does not stop the bot, in Russian (HTML-escaped), for the admins."""
    problems: list[str] = []
    version, expected = await migrations_status(checks.db)
    if version != expected:
        problems.append(texts.STARTUP_MIGRATIONS.format(version=version, expected=expected))
    now = checks.clock.now()
    years = [now.year] + ([now.year + 1] if now.month == 12 else [])
    for year in years:
        if not checks.calendar.is_confirmed(year):
            problems.append(texts.STARTUP_CALENDAR.format(year=year))
    if not checks.calendar.is_confirmed(now.year + 1):
        log.warning("production calendar for %s is not confirmed", now.year + 1)
    try:
        orgs = await checks.access.organisations()
        for org in orgs:                                   # every organisation's head's group (issue 14)
            head = await checks.access.head_chat_id(org.id)
            if head is None:
                if org.id == DEFAULT_ORG:                  # the others' heads are bound as they join
                    problems.append(texts.STARTUP_NO_HEAD)
            elif (error := await _chat_problem(checks.bot, head)) is not None:
                problems.append(texts.STARTUP_HEAD_CHAT.format(chat_id=head, error=texts.esc(error)))
        departments = [d for org in orgs for d in await checks.access.departments(org_id=org.id)]
        for dept in departments:
            if dept.chat_id is None:
                continue
            if (error := await _chat_problem(checks.bot, dept.chat_id)) is not None:
                problems.append(texts.STARTUP_DEPT_CHAT.format(name=texts.esc(dept.name), chat_id=dept.chat_id,
                                                               error=texts.esc(error)))
    except _TelegramDown as exc:
        problems.append(texts.STARTUP_TELEGRAM_DOWN.format(error=texts.esc(str(exc)[:200])))
    return problems


async def run_startup_checks(checks: StartupChecks) -> list[str]:
    """Run the checks; raise :class:`StartupFatal` if the database cannot be written, otherwise
    queue one admins' alert when something is wrong and return the problems found."""
    try:
        await check_writable(checks.db)
    except DATABASE_ERRORS as exc:
        raise StartupFatal(database_problem(checks.db.url or checks.db.path, exc)) from exc
    problems = await find_problems(checks)
    if not problems:
        log.info("start-up checks passed")
        return problems
    log.warning("start-up checks found %d problem(s): %s", len(problems), "; ".join(problems))
    text = texts.STARTUP_ALERT.format(problems="\n".join(texts.STARTUP_PROBLEM_LINE.format(text=p) for p in problems))
    now = checks.clock.now()
    digest = hashlib.sha1(text.encode("utf-8"), usedforsecurity=False).hexdigest()[:12]   # a dedup key
    async with checks.db.transaction() as conn:
        await OutboxRepository().add(conn, Notice(NoticeKind.ADMIN_ALERT, "admins", None, None, Words(text),
                                                  dedup_key=f"startup:{now.date().isoformat()}:{digest}"), now)
    checks.wake()
    return problems
