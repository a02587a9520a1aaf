"""The one way out to Telegram: the outbox sender.

Services queue notices in the same transaction as the state change that owes them; the sender
renders each at delivery time from the current case and sends it, then records it as sent in a
short transaction of its own (never a transaction held across a Telegram call). Killing the
process loses nothing: an unsent notice stays in the outbox. The one window in which a message may
go out twice is between Telegram accepting it and the `sent_at` commit (docs/delivery.md).

Limits: at most ~30 messages a second overall, 1 a second per chat, 20 a minute per group;
`retry_after` on 429 is honoured; network errors and 5xx are retried with backoff; a chat that
blocked or removed the bot is reported to the admins and not retried.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from datetime import datetime, timedelta, tzinfo
from typing import Any

from aiogram import Bot
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.types import InputMediaPhoto, InputMediaVideo, Message

from bot import texts
from bot.domain.accountability import Party, owners
from bot.domain.model import Case, Deadline, Media, Owner, Role, Status
from bot.domain.sources import platform_by_code
from bot.runtime.clock import Clock
from bot.runtime.logs import bind_case, log_context
from bot.services.access import AccessService
from bot.services.cases import CaseService
from handlers import keyboards, render
from storage.db import Database
from storage.outbox import Notice, OutboxItem, OutboxRepository

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8          # kept for callers; transient failures are now bounded by GIVE_UP_AFTER
#: A transient failure (network, 5xx, 429) is retried until the notice is this old.
GIVE_UP_AFTER = timedelta(hours=24)
#: A per-chat wait longer than this defers the notice instead of sleeping (others go first).
DEFER_OVER = 1.5
BACKOFF_CAP = 300.0


def backoff(attempts: int) -> float:
    """Seconds before the next try after ``attempts`` failed ones: 2, 4, 8 … capped at 5 minutes."""
    return min(BACKOFF_CAP, 2.0 ** min(attempts + 1, 16))


class PermanentFailure(Exception):
    """The chat cannot be reached (blocked, removed, not found): do not retry."""


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
    def __init__(self, bot: Bot, db: Database, cases: CaseService, access: AccessService, clock: Clock,
                 tz: tzinfo, limiter: RateLimiter | None = None) -> None:
        self.bot = bot
        self.db = db
        self.cases = cases
        self.access = access
        self.clock = clock
        self.tz = tz
        self.outbox = OutboxRepository()
        self.limiter = limiter or RateLimiter()
        self._wake = asyncio.Event()
        self._stopping = False
        self._lock = asyncio.Lock()
        self._paused_until: datetime | None = None    # after a 429: nothing goes out before this
        self._parts_sent = 0                           # messages sent for the notice being delivered

    def wake(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        self._stopping = True
        self._wake.set()

    async def run(self, idle_seconds: float = 5.0) -> None:
        """Deliver until stopped; a notice queued by a use case wakes it at once."""
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
                for item in items:
                    if await self._deliver_one(item):
                        delivered += 1
                    if self._paused_until is not None or self._stopping:
                        break
                if len(items) < 100 or self._stopping or self._paused_until is not None:
                    break
        return delivered

    async def _deliver_one(self, item: OutboxItem) -> bool:
        with log_context(case=None, actor_id=None, actor_role=None):    # deliver() binds the case
            return await self._deliver_one_logged(item)

    async def _deliver_one_logged(self, item: OutboxItem) -> bool:
        self._parts_sent = 0
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
        except (TelegramForbiddenError, TelegramNotFound, PermanentFailure) as exc:
            await self._fail(item, str(exc))
            return False
        except TelegramBadRequest as exc:
            if "chat not found" in str(exc).lower():
                await self._fail(item, str(exc))
                return False
            log.warning("notice %s (%s) refused by Telegram: %s", item.id, item.notice.kind, exc)
            await self._fail(item, str(exc), report=False)
            return False
        async with self.db.transaction() as conn:
            await self.outbox.mark_sent(conn, item.id, self.clock.now())
        log.info("notice %s (%s) delivered", item.id, item.notice.kind)
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
        async with self.db.transaction() as conn:
            await self.outbox.mark_failed(conn, item.id, now, error)
            if report and item.notice.kind != "admin_alert":
                target = texts.UNREACHABLE_TARGET.get(item.notice.target_kind, item.notice.target_kind)
                text = texts.CHAT_UNREACHABLE.format(
                    target=texts.esc(f"{target} {item.notice.target_id or ''}".strip()), error=texts.esc(error[:200]))
                await self.outbox.add(conn, Notice("admin_alert", "admins", None, None, {"text": text},
                                                   dedup_key=f"unreachable:{item.id}"), now)
        if report:
            self.wake()

    # ---- rendering and sending ---------------------------------------------------------------
    async def _acquire(self, chat_id: int) -> None:
        """Wait for the rate limiter; a long per-chat wait before anything of this notice went out
        defers the notice instead of holding every other chat up."""
        wait = self.limiter.delay(chat_id)
        if wait > DEFER_OVER and self._parts_sent == 0:
            raise Deferred(wait)
        await self.limiter.acquire(chat_id)
        self._parts_sent += 1

    async def _send_text(self, chat_id: int, text: str, reply_markup: Any = None) -> Message:
        await self._acquire(chat_id)
        return await self.bot.send_message(chat_id, text, reply_markup=reply_markup)

    async def _send_media(self, chat_id: int, media: list[Media]) -> None:
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

    async def _department_chat(self, department_id: int | None) -> int:
        dept = await self.access.department(department_id) if department_id is not None else None
        if dept is None or dept.chat_id is None:
            raise PermanentFailure(f"department {department_id} has no chat")
        return dept.chat_id

    async def deliver(self, item: OutboxItem) -> None:
        n = item.notice
        now = self.clock.now()
        if n.kind == "admin_alert":
            for admin in self.access.admin_ids:
                await self._send_text(admin, str(n.payload.get("text", "")))
            return
        if n.kind == "chat_text":
            assert n.target_id is not None
            await self._send_text(n.target_id, str(n.payload.get("text", "")))
            return
        if n.kind == "surge_operators":
            await self._on_surge_operators(n.payload)
            return
        assert n.case_id is not None
        case = await self.cases.get(n.case_id)
        bind_case(case.number)
        handler = (self._on_escalation_official if (n.kind, n.target_kind) == ("escalation", "official")
                   else getattr(self, f"_on_{n.kind}", None))
        if handler is None:
            raise PermanentFailure(f"unknown notice kind {n.kind}")
        await handler(case, n.target_id, n.payload, now)

    async def _remember(self, case: Case, msg: Message, purpose: str) -> None:
        assert case.id is not None
        await self.cases.remember_message(case.id, msg.chat.id, msg.message_id, purpose)

    async def _on_case_routed(self, case: Case, department_id: int, payload: dict[str, Any], now: Any) -> None:
        chat_id = await self._department_chat(department_id)
        if case.media:
            await self._send_media(chat_id, case.media)
        msg = await self._send_text(chat_id, render.case_card(case, now, self.tz,
                                                              header=self._dept_header(case, department_id)),
                                    keyboards.department_card(case, department_id))
        assert case.id is not None
        await self.cases.set_department_card(case.id, department_id, msg.message_id)

    async def _on_card_refresh(self, case: Case, _target: Any, payload: dict[str, Any], now: Any) -> None:
        lead = await self.cases.lead(case)
        if case.operator_chat_id and case.operator_card_id:
            depts = await self.access.suggest(case.text) if case.is_open else []
            await self._edit(case.operator_chat_id, case.operator_card_id,
                             render.case_card(case, now, self.tz, lead=lead),
                             keyboards.operator_card(case, depts, await self.cases.selection(case.id or 0)))
        for a in case.assignments:
            if a.card_message_id is None:
                continue
            try:
                chat_id = await self._department_chat(a.department_id)
            except PermanentFailure:
                continue
            await self._edit(chat_id, a.card_message_id,
                             render.case_card(case, now, self.tz, header=self._dept_header(case, a.department_id),
                                              lead=lead),
                             keyboards.department_card(case, a.department_id))

    def _dept_header(self, case: Case, department_id: int) -> str:
        """"Вам направлено сообщение…" stays on the department's card while it has to accept or decline."""
        decline = case.open_deadline("decline", department_id)
        inherited = render.inherited_note(case, department_id, self.clock.now(), self.tz, self.cases.deadlines)
        if decline is None:
            return inherited
        header = texts.DEPT_CARD_HEADER.format(due=texts.when(decline.due_at.astimezone(self.tz)))
        return header + ("\n" + inherited if inherited else "")

    async def _edit(self, chat_id: int, message_id: int, text: str, markup: Any) -> None:
        await self._acquire(chat_id)
        try:
            await self.bot.edit_message_text(text=text, chat_id=chat_id, message_id=message_id, reply_markup=markup)
        except TelegramBadRequest as exc:
            message = str(exc).lower()
            if "not modified" in message or "message to edit not found" in message:
                return
            raise

    async def _on_declined(self, case: Case, chat_id: int, payload: dict[str, Any], now: Any) -> None:
        text = texts.DECLINED_TO_OPERATOR.format(department=texts.esc(payload.get("department", "")),
                                                 number=case.number, reason=texts.esc(payload.get("reason", "")))
        if payload.get("back_to_operator"):
            text += texts.DECLINED_BACK
        await self._send_text(chat_id, text)

    async def _on_draft_for_approval(self, case: Case, chat_id: int, payload: dict[str, Any], now: Any) -> None:
        draft = next((d for d in case.drafts if d.id == payload.get("draft_id")), None)
        if draft is None or draft.decision is not None:
            return  # already decided: nothing to ask
        if draft.media:
            await self._send_media(chat_id, draft.media)
        assert draft.id is not None
        by = payload.get("approve_by")
        approve_by = datetime.fromisoformat(by) if isinstance(by, str) else None
        msg = await self._send_text(chat_id, render.draft_for_operator(case, draft, self.tz, approve_by),
                                    keyboards.approval(case, draft.id))
        await self._remember(case, msg, "draft")

    async def _on_draft_returned(self, case: Case, department_id: int, payload: dict[str, Any], now: Any) -> None:
        chat_id = await self._department_chat(department_id)
        draft = next((d for d in case.drafts if d.id == payload.get("draft_id")), None)
        rework = case.open_deadline("rework", department_id)
        text = texts.RETURNED_TO_DEPT.format(number=case.number, comment=texts.esc(draft.comment if draft else ""),
                                             due=texts.when(rework.due_at.astimezone(self.tz) if rework else None))
        msg = await self._send_text(chat_id, text, keyboards.department_card(case, department_id))
        await self._remember(case, msg, "returned")

    async def _on_draft_approved(self, case: Case, department_id: int, payload: dict[str, Any], now: Any) -> None:
        chat_id = await self._department_chat(department_id)
        publish = case.open_deadline("publish", department_id)
        draft = next((d for d in case.drafts if d.id == payload.get("draft_id")), None)
        template = texts.APPROVED_TO_DEPT.format(
            number=case.number, due=texts.when(publish.due_at.astimezone(self.tz) if publish else None), text="{text}")
        msg = await self._send_text(chat_id, render.fit(template, draft.text if draft else "", texts.MESSAGE_LIMIT))
        await self._remember(case, msg, "approved")

    async def _on_published(self, case: Case, chat_id: int, payload: dict[str, Any], now: Any) -> None:
        link = payload.get("link")
        caption = texts.PUBLISHED_TO_OPERATOR.format(
            number=case.number, kind=texts.KIND.get(str(payload.get("kind")), ""),
            link=texts.PUBLISHED_LINK.format(link=texts.esc(link)) if link else "")
        await self._acquire(chat_id)
        await self.bot.send_photo(chat_id, str(payload["file_id"]), caption=caption[: texts.CAPTION_LIMIT])

    async def _on_info_received(self, case: Case, chat_id: int, payload: dict[str, Any], now: Any) -> None:
        info = next((d for d in case.drafts if d.id == payload.get("draft_id")), None)
        if info is None:
            return
        names = {a.department_id: a.department_name for a in case.assignments}
        pending = payload.get("pending") or []
        tail = (texts.INFO_PENDING.format(departments=texts.esc(", ".join(pending))) if pending
                else texts.INFO_ALL_IN)
        template = texts.INFO_TO_OPERATOR.format(department=texts.esc(names.get(info.department_id or 0, "")),
                                                 number=case.number, text="{text}", pending=tail)
        if info.media:
            await self._send_media(chat_id, info.media)
        msg = await self._send_text(chat_id, render.fit(template, info.text, texts.MESSAGE_LIMIT))
        await self._remember(case, msg, "info")

    async def _on_author_replied(self, case: Case, department_id: int, payload: dict[str, Any], now: Any) -> None:
        chat_id = await self._department_chat(department_id)
        template = texts.AUTHOR_REPLIED_TO_DEPT.format(number=case.number, text="{text}")
        msg = await self._send_text(chat_id, render.fit(template, str(payload.get("text", "")), texts.MESSAGE_LIMIT),
                                    keyboards.department_card(case, department_id))
        await self._remember(case, msg, "author_reply")

    async def _on_answer_anyway(self, case: Case, department_id: int, payload: dict[str, Any], now: Any) -> None:
        chat_id = await self._department_chat(department_id)
        msg = await self._send_text(chat_id, texts.ANSWER_ANYWAY_TO_DEPT.format(number=case.number),
                                    keyboards.department_card(case, department_id))
        await self._remember(case, msg, "answer_anyway")

    async def _on_clarification_overdue(self, case: Case, chat_id: int, payload: dict[str, Any], now: Any) -> None:
        if case.status != Status.AWAITING_AUTHOR:
            return                      # the author replied, or the case moved on: nothing to ask
        since = datetime.fromisoformat(str(payload["since"]))
        text = texts.CLARIFICATION_OVERDUE.format(number=case.number, since=texts.when(since.astimezone(self.tz)),
                                                  days=payload.get("days", ""))
        msg = await self._send_text(chat_id, text, keyboards.clarification_overdue(case))
        await self._remember(case, msg, "clarification_overdue")

    async def _on_significant(self, case: Case, _target: Any, payload: dict[str, Any], now: Any) -> None:
        head = await self.access.head_chat_id()
        if head is None:
            raise PermanentFailure("no head chat configured")
        text = texts.SIGNIFICANT_TO_HEAD.format(
            number=case.number, platform=texts.esc(platform_by_code(case.platform).title),
            link=texts.CARD_LINK.format(link=texts.esc(case.link)) if case.link else "",
            excerpt=texts.esc(texts.excerpt(case.text, 1500)) if case.text else texts.CARD_NO_TEXT)
        msg = await self._send_text(head, text)
        await self._remember(case, msg, "head")

    async def _on_surge_operators(self, payload: dict[str, Any]) -> None:
        """cl. 21: every active operator gets the surge's posts with the button that merges them."""
        text = texts.SURGE_TO_OPERATOR.format(alert=payload.get("text", ""))   # rendered (escaped) by the service
        markup = keyboards.surge_merge(int(payload["surge_id"]))
        for operator in await self.access.operators():
            if operator.active:
                await self._send_text(operator.user_id, text, markup)

    # ---- reminders and escalations (bot/jobs/reminders.py) -----------------------------------------
    async def _owners(self, case: Case, deadline: Deadline) -> tuple[Party, ...]:
        """Who owes the clock at this moment (bot.domain.accountability), not when the notice was planned."""
        return owners(case, deadline, await self.cases.lead(case))

    async def _party_chats(self, case: Case, parties: tuple[Party, ...]) -> list[int]:
        """The operator's private chat, or the owing departments' chats."""
        chats: list[int] = []
        for p in parties:
            if p.kind == Owner.OPERATOR:
                chats.append(case.operator_chat_id if p.id == case.operator_id and case.operator_chat_id else p.id)
            else:
                chats.append(await self._department_chat(p.id))
        return list(dict.fromkeys(chats))

    def _deadline(self, case: Case, payload: dict[str, Any]) -> Deadline | None:
        return next((d for d in case.deadlines if d.id == payload.get("deadline_id")), None)

    async def _on_reminder(self, case: Case, _target: Any, payload: dict[str, Any], now: Any) -> None:
        deadline = self._deadline(case, payload)
        if deadline is None or not deadline.is_open:
            return      # done meanwhile: nobody needs reminding
        text = texts.REMINDER_TO_OWNER.format(
            number=case.number, rule=texts.RULE.get(deadline.rule, deadline.rule),
            due=texts.when(deadline.due_at.astimezone(self.tz)), late=texts.REMINDER_LATE if payload.get("late") else "")
        for chat_id in await self._party_chats(case, await self._owners(case, deadline)):
            msg = await self._send_text(chat_id, text)
            await self._remember(case, msg, "reminder")

    async def _on_expired(self, case: Case, _target: Any, payload: dict[str, Any], now: Any) -> None:
        deadline = self._deadline(case, payload)
        if deadline is None or not deadline.is_open:
            return
        text = texts.EXPIRED_TO_OWNER.format(number=case.number, rule=texts.RULE.get(deadline.rule, deadline.rule),
                                             due=texts.when(deadline.due_at.astimezone(self.tz)))
        for chat_id in await self._party_chats(case, await self._owners(case, deadline)):
            msg = await self._send_text(chat_id, text)
            await self._remember(case, msg, "expired")

    async def _names(self, case: Case, parties: tuple[Party, ...]) -> dict[str, str]:
        """Operators' names as Telegram gives them, for the head's messages."""
        out: dict[str, str] = {}
        withdrawn = {Party.department(d.department_id) for d in case.deadlines
                     if d.department_id is not None and case.assignment(d.department_id) is None}
        for p in {*parties, *withdrawn, Party.operator(case.operator_id)}:
            if p.kind == Owner.OPERATOR and (name := await self.access.person_name(p.id)):
                out[p.key] = name
            elif p.kind == Owner.DEPARTMENT and (dept := await self.access.department(p.id)) is not None:
                out[p.key] = dept.name      # a department withdrawn from the case after it declined
        return out

    async def _on_escalation(self, case: Case, _target: Any, payload: dict[str, Any], now: Any) -> None:
        """cl. 6, 7, 21: a missed deadline in the head's chat."""
        head = await self.access.head_chat_id()
        if head is None:
            raise PermanentFailure("no head chat configured")
        msg = await self._send_text(head, await self._escalation_text(case, payload, now),
                                    keyboards.off_hours(case, Role.HEAD, self.clock.now()))   # cl. 8 per case
        await self._remember(case, msg, "head")

    async def _on_escalation_official(self, case: Case, _target: Any, payload: dict[str, Any], now: Any) -> None:
        """cl. 5: a missed operational step in every responsible official's private chat (the admins' when no
        official is configured), told as the head is told."""
        officials = [o.user_id for o in await self.access.officials() if o.active]
        chats = officials or sorted(self.access.admin_ids)
        if not chats:
            raise PermanentFailure("no official and no admin configured")
        text = await self._escalation_text(case, payload, now)
        # cl. 8 per case: the official (or the admin standing in) may decide to work on it off hours
        markup = keyboards.off_hours(case, Role.OFFICIAL if officials else Role.ADMIN, now)
        for chat_id in dict.fromkeys(chats):
            msg = await self._send_text(chat_id, text, markup)
            await self._remember(case, msg, "official")

    async def _escalation_text(self, case: Case, payload: dict[str, Any], now: Any) -> str:
        """A missed deadline: the party that held the step when it ran out, and the chain of steps that led
        there (each with its time and whether it met its own deadline)."""
        deadline = self._deadline(case, payload)
        rule = str(payload.get("rule", ""))
        inherited = False
        if deadline is not None:
            if deadline.blame is not None:
                parties = tuple(Party.parse(k) for k in deadline.blame)
                inherited = deadline.blame_inherited
            else:
                parties = await self._owners(case, deadline)
            due = deadline.due_at
        else:
            parties, due = (), datetime.fromisoformat(str(payload.get("due_at")))
        names = await self._names(case, parties)
        departments = [a.department_name for a in case.assignments if a.active]
        steps = render.chain_text(case, now, self.tz, names)
        return texts.ESCALATION_TO_HEAD.format(
            number=case.number, platform=texts.esc(platform_by_code(case.platform).title),
            rule=texts.RULE.get(rule, rule), due=texts.when(due.astimezone(self.tz)),
            department=texts.esc(", ".join(departments)) if departments else texts.ESCALATION_NO_DEPARTMENT,
            owner=render.owners_text(case, parties, names),
            inherited=texts.ESCALATION_INHERITED if inherited else "",
            chain=texts.ESCALATION_CHAIN.format(chain=steps) if steps else "",
            link=texts.CARD_LINK.format(link=texts.esc(case.link)) if case.link else "",
            excerpt=texts.esc(texts.excerpt(case.text, 800)) if case.text else texts.CARD_NO_TEXT)

    async def _on_term_changed(self, case: Case, department_id: int, payload: dict[str, Any], now: Any) -> None:
        """cl. 9: the operator shortened the answer term — a new message to the department, not an edit."""
        a = case.assignment(department_id)
        if a is None or not a.active or not case.is_open:
            return
        chat_id = await self._department_chat(department_id)
        answer = case.open_deadline("answer")
        draft = case.open_deadline("draft", department_id)
        text = texts.TERM_CHANGED_TO_DEPT.format(
            number=case.number, answer=texts.when(answer.due_at.astimezone(self.tz) if answer else None),
            draft=texts.when(draft.due_at.astimezone(self.tz) if draft else None))
        msg = await self._send_text(chat_id, text)
        await self._remember(case, msg, "term_changed")
