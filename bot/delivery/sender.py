"""The one way out to Telegram: the outbox sender, transport only.

Services queue notices in the same transaction as the state change that owes them; the sender asks the
renderer (handlers/notices/) what each notice says at delivery time, sends it, then records it as sent
in a short transaction of its own (never a transaction held across a Telegram call). Killing the
process loses nothing: an unsent notice stays in the outbox. The one window in which a message may
go out twice is between Telegram accepting it and the `sent_at` commit (docs/delivery.md).

Limits: at most ~30 messages a second overall, 1 a second per chat, 20 a minute per group;
`retry_after` on 429 is honoured; network errors and 5xx are retried with backoff; a chat that
blocked or removed the bot is reported to the admins and not retried. Chats that change (``ChatEvents``):
a group upgraded to a supergroup is rebound and the notice sent again to the new id; a bound group the bot
was removed from keeps its notices waiting (neither sent nor failed) until it is bound again.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any, Protocol

from aiogram import Bot
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramMigrateToChat,
    TelegramNetworkError,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.types import InputMediaPhoto, InputMediaVideo

from bot.delivery.outgoing import Album, Edit, Outgoing, PermanentFailure, Renderer, Text
from bot.domain.model import Media
from bot.domain.notices import Json, Notice, NoticeKind
from bot.runtime.clock import Clock
from bot.runtime.logs import log_context
from storage.db import Database
from storage.outbox import OutboxItem, OutboxRepository

log = logging.getLogger(__name__)

#: A transient failure (network, 5xx, 429) is retried until the notice is this old.
GIVE_UP_AFTER = timedelta(hours=24)
#: A per-chat wait longer than this defers the notice instead of sleeping (others go first).
DEFER_OVER = 1.5
BACKOFF_CAP = 300.0
#: A notice answered «upgraded to a supergroup» this many times (a chain of upgrades, a confused chat) fails.
MAX_MIGRATIONS = 3
#: A new leader's sender leaves its predecessor's claims (PostgreSQL) this long: a half-dead leader stops
#: within ~3 s of losing its lock (bot/runtime/leader.py); a killed one sends nothing more anyway.
CLAIM_GRACE = timedelta(seconds=5)


def backoff(attempts: int) -> float:
    """Seconds before the next try after ``attempts`` failed ones: 2, 4, 8 … capped at 5 minutes."""
    return min(BACKOFF_CAP, 2.0 ** min(attempts + 1, 16))


class ChatEvents(Protocol):
    """What the sender reports about chats that changed (bot/services/chats.py)."""

    async def migrated(self, old: int, new: int) -> bool:
        """The group ``old`` is now the supergroup ``new``: move its bindings and queued notices."""
        ...

    async def unreachable(self, chat_id: int, error: str) -> bool:
        """The chat refused the bot for good; True: its notices wait for it instead of failing."""
        ...


#: Telegram's words for a group the bot cannot write in any more (removed, deleted, deactivated).
GONE_WORDS = ("chat not found", "bot was kicked", "group chat was deactivated", "not a member",
              "bot is not a member", "chat was deleted")


class Deferred(Exception):
    """The target chat's own limit asks for a long wait: deliver this notice later."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"deferred {seconds:.1f} s")
        self.seconds = seconds


class RateLimiter:
    """Telegram's limits: global per-second, per-chat per-second and per-group per-minute."""

    def __init__(self, per_second: float = 29.0, per_chat_interval: float = 1.0, group_per_minute: int = 20,
                 monotonic: Any = time.monotonic, sleep: Any = asyncio.sleep) -> None:
        self.per_second = per_second
        self.per_chat_interval = per_chat_interval
        self.group_per_minute = group_per_minute
        self._global: deque[float] = deque()
        self._chat_last: dict[int, float] = {}
        self._group: dict[int, deque[float]] = {}
        self._monotonic = monotonic
        self._sleep = sleep

    def delay(self, chat_id: int) -> float:
        now = self._monotonic()
        wait = 0.0
        while self._global and now - self._global[0] >= 1.0:
            self._global.popleft()
        if len(self._global) >= self.per_second:
            wait = max(wait, 1.0 - (now - self._global[0]))
        last = self._chat_last.get(chat_id)
        if last is not None:
            wait = max(wait, self.per_chat_interval - (now - last))
        if chat_id < 0:
            q = self._group.setdefault(chat_id, deque())
            while q and now - q[0] >= 60.0:
                q.popleft()
            if len(q) >= self.group_per_minute:
                wait = max(wait, 60.0 - (now - q[0]))
        return max(0.0, wait)

    def record(self, chat_id: int) -> None:
        now = self._monotonic()
        self._global.append(now)
        self._chat_last[chat_id] = now
        if chat_id < 0:
            self._group.setdefault(chat_id, deque()).append(now)

    async def acquire(self, chat_id: int) -> None:
        while (wait := self.delay(chat_id)) > 0:
            await self._sleep(wait)
        self.record(chat_id)


class Notifier:
    """The outbox sender: due notices, rendered by the injected renderer, sent within Telegram's limits."""

    def __init__(self, bot: Bot, db: Database, clock: Clock, renderer: Renderer,
                 limiter: RateLimiter | None = None, chats: ChatEvents | None = None) -> None:
        self.bot, self.db, self.clock = bot, db, clock
        self.chats = chats
        self.renderer = renderer
        self.outbox = OutboxRepository()
        self.limiter = limiter or RateLimiter()
        self._wake = asyncio.Event()
        self._stopping = False
        self._lock = asyncio.Lock()
        self._paused_until: datetime | None = None    # after a 429: nothing goes out before this
        self._parts_sent = 0                           # messages sent for the notice being delivered
        self._chat: int | None = None                  # the chat of the part being sent

    def wake(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        self._stopping = True
        self._wake.set()

    def resume(self) -> None:
        """Before ``run()`` again after a stop (this process leads again, bot/app/leading.py)."""
        self._stopping = False

    async def run(self, idle_seconds: float = 5.0) -> None:
        """Deliver until stopped; a notice queued by a use case wakes it at once. On PostgreSQL it first
        shortens the claims a previous sender left (another process that led before) to CLAIM_GRACE."""
        if self.db.is_postgresql:
            try:
                async with self.db.transaction() as conn:
                    taken = await self.outbox.expire_claims(conn, self.clock.now() + CLAIM_GRACE)
                if taken:
                    log.info("outbox: %d notices claimed by the previous leader are taken over", taken)
            except Exception:
                log.exception("outbox: could not take over the previous leader's claims (their lease ends them)")
        while not self._stopping:
            try:
                await self.flush()
            except Exception:
                log.exception("outbox delivery round failed")
            self._wake.clear()
            if self._stopping:         # stop() during the round: its wake-up was just cleared
                break
            try:
                idle = await self._idle(idle_seconds)
            except Exception:          # the database failing for a moment must not end the sender
                log.exception("outbox: could not read the next attempt time")
                idle = idle_seconds
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=idle)
            except TimeoutError:
                pass

    async def _idle(self, idle_seconds: float) -> float:
        """Seconds until the next pending attempt (a 429 pause, a backoff), at most ``idle_seconds``."""
        now = self.clock.now()
        wait = idle_seconds
        nxt = await self.outbox.next_attempt(self.db.conn)
        if nxt is not None:
            wait = min(wait, (nxt - now).total_seconds())
        if self._paused_until is not None:
            wait = max(wait, (self._paused_until - now).total_seconds())
        return max(0.05, min(wait, idle_seconds))

    async def flush(self, limit: int = 500) -> int:
        """Deliver every due notice; return how many were delivered."""
        delivered = 0
        async with self._lock:
            while not self._stopping or delivered == 0:
                if self._paused_until is not None:
                    if self.clock.now() < self._paused_until:
                        break       # a 429 asked everyone to wait (retry_after)
                    self._paused_until = None
                items = await self.outbox.due(self.db.conn, self.clock.now(), limit=min(limit, 100))
                if not items:
                    break
                for index, item in enumerate(items):
                    if await self._deliver_one(item):
                        delivered += 1
                    if self._paused_until is not None or self._stopping:
                        await self._release(items[index + 1:])
                        break
                if len(items) < 100 or self._stopping or self._paused_until is not None:
                    break
        return delivered

    async def _release(self, items: list[OutboxItem]) -> None:
        """Claimed notices left undelivered (a stop, a 429 pause) go back to the outbox for any sender."""
        claimed = [item.id for item in items if item.claimed]
        if claimed:
            async with self.db.transaction() as conn:
                await self.outbox.release(conn, claimed)

    async def _deliver_one(self, item: OutboxItem) -> bool:
        with log_context(case=None, actor_id=None, actor_role=None):    # the renderer binds the case
            return await self._deliver_one_logged(item)

    async def _deliver_one_logged(self, item: OutboxItem) -> bool:
        self._parts_sent = 0
        self._chat = None
        try:
            await self.deliver(item)
        except Deferred as exc:
            # A per-chat limit (20 a minute in a group) would hold everyone else up: try it later.
            async with self.db.transaction() as conn:
                await self.outbox.defer(conn, item.id, self.clock.now() + timedelta(seconds=exc.seconds))
            return False
        except TelegramRetryAfter as exc:
            # Telegram asked to wait: nothing at all goes out before retry_after (not just this item).
            self._paused_until = self.clock.now() + timedelta(seconds=float(exc.retry_after))
            await self._retry(item, float(exc.retry_after), f"429 retry_after={exc.retry_after}", count=False)
            return False
        except (TelegramNetworkError, TelegramServerError, TimeoutError, OSError) as exc:
            await self._retry(item, backoff(item.attempts), f"{type(exc).__name__}: {exc}")
            return False
        except TelegramMigrateToChat as exc:
            return await self._migrated(item, exc)
        except (TelegramForbiddenError, TelegramNotFound) as exc:
            if not await self._waits(item, str(exc)):
                await self._fail(item, str(exc))
            return False
        except PermanentFailure as exc:
            await self._fail(item, str(exc))
            return False
        except TelegramBadRequest as exc:
            if any(words in str(exc).lower() for words in GONE_WORDS):
                if not await self._waits(item, str(exc)):
                    await self._fail(item, str(exc))
                return False
            log.warning("notice %s (%s) refused by Telegram: %s", item.id, item.notice.kind, exc)
            await self._fail(item, str(exc), report=False)
            return False
        async with self.db.transaction() as conn:
            await self.outbox.mark_sent(conn, item.id, self.clock.now())
        log.info("notice %s (%s) delivered", item.id, item.notice.kind)
        return True

    async def _migrated(self, item: OutboxItem, exc: TelegramMigrateToChat) -> bool:
        """The group became a supergroup: rebind it, and send the notice again at once (to the new id)."""
        old, new = self._chat, exc.migrate_to_chat_id
        if self.chats is None or old is None or item.attempts >= MAX_MIGRATIONS:
            await self._fail(item, str(exc))
            return False
        log.warning("chat %s was upgraded to supergroup %s: rebinding, notice %s goes again", old, new, item.id)
        await self.chats.migrated(old, new)
        async with self.db.transaction() as conn:
            await self.outbox.retry_later(conn, item.id, self.clock.now(), f"migrated to {new}")
        self.wake()
        return False

    async def _waits(self, item: OutboxItem, error: str) -> bool:
        """A bound group the bot cannot reach: the notice waits for it (the admins were told)."""
        if self.chats is None or self._chat is None or not await self.chats.unreachable(self._chat, error):
            return False
        async with self.db.transaction() as conn:
            await self.outbox.wait_for_chat(conn, item.id, self._chat, error)
        log.warning("notice %s (%s) waits for chat %s: %s", item.id, item.notice.kind, self._chat, error)
        self.wake()
        return True

    async def _retry(self, item: OutboxItem, seconds: float, error: str, *, count: bool = True) -> None:
        """Try again later. Transient failures never lose a notice: only one older than GIVE_UP_AFTER
        (Telegram unreachable for a whole day) is given up, and the admins are told."""
        now = self.clock.now()
        if now - item.created_at > GIVE_UP_AFTER:
            await self._fail(item, error)
            return
        async with self.db.transaction() as conn:
            await self.outbox.retry_later(conn, item.id, now + timedelta(seconds=seconds), error, count=count)

    async def _fail(self, item: OutboxItem, error: str, *, report: bool = True) -> None:
        """Give up on a notice; the admins' alert is queued in the same transaction (it survives a crash)."""
        log.warning("notice %s (%s) failed for good: %s", item.id, item.notice.kind, error)
        now = self.clock.now()
        tell = report and item.notice.kind != NoticeKind.ADMIN_ALERT
        alert = await self.renderer.unreachable(item.notice, error) if tell else None   # read before the write
        async with self.db.transaction() as conn:
            await self.outbox.mark_failed(conn, item.id, now, error)
            if alert is not None:
                await self.outbox.add(conn, replace(alert, dedup_key=f"unreachable:{item.id}"), now)
        if report:
            self.wake()

    # ---- sending ---------------------------------------------------------------------------------
    async def deliver(self, item: OutboxItem) -> None:
        for part in await self.renderer.render(item.notice):
            await self._send(item.notice, part)

    async def _send(self, notice: Notice[Json], part: Outgoing) -> None:
        if isinstance(part, Album):
            await self._send_media(part.chat_id, part.media)
            return
        await self._acquire(part.chat_id)
        if isinstance(part, Text):
            msg = await self.bot.send_message(part.chat_id, part.text, reply_markup=part.markup)
            if part.remember is not None:
                await self.renderer.sent(notice, part.remember, msg.chat.id, msg.message_id)
        elif isinstance(part, Edit):
            await self._edit(part)
        else:
            await self.bot.send_photo(part.chat_id, part.file_id, caption=part.caption)

    async def _acquire(self, chat_id: int) -> None:
        """Wait for the rate limiter; a long per-chat wait before anything of this notice went out
        defers the notice instead of holding every other chat up."""
        self._chat = chat_id
        wait = self.limiter.delay(chat_id)
        if wait > DEFER_OVER and self._parts_sent == 0:
            raise Deferred(wait)
        await self.limiter.acquire(chat_id)
        self._parts_sent += 1

    async def _edit(self, part: Edit) -> None:
        try:
            await self.bot.edit_message_text(text=part.text, chat_id=part.chat_id, message_id=part.message_id,
                                             reply_markup=part.markup)
        except TelegramBadRequest as exc:
            message = str(exc).lower()
            if "not modified" in message or "message to edit not found" in message:
                return
            raise

    async def _send_media(self, chat_id: int, media: tuple[Media, ...]) -> None:
        photos_videos = [m for m in media if m.kind in ("photo", "video")]
        others = [m for m in media if m.kind not in ("photo", "video")]
        if len(photos_videos) == 1:
            await self._acquire(chat_id)
            m = photos_videos[0]
            if m.kind == "photo":
                await self.bot.send_photo(chat_id, m.file_id)
            else:
                await self.bot.send_video(chat_id, m.file_id)
        elif photos_videos:
            for start in range(0, len(photos_videos), 10):
                group: list[InputMediaPhoto | InputMediaVideo] = [
                    InputMediaPhoto(media=m.file_id) if m.kind == "photo" else InputMediaVideo(media=m.file_id)
                    for m in photos_videos[start:start + 10]]
                await self._acquire(chat_id)
                await self.bot.send_media_group(chat_id, group)  # type: ignore[arg-type]
        for m in others:
            await self._acquire(chat_id)
            await self.bot.send_document(chat_id, m.file_id)
