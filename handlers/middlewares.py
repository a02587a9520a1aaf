"""Resolve who is acting (role, department) once per update; handlers receive it as `actor`. Then: strangers' floods
are throttled, and a press or command in a bound group is checked against the group's members."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware, Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message, TelegramObject

from bot import texts
from bot.domain import membership
from bot.domain.membership import Flood, FloodGate, Verdict
from bot.domain.model import Actor, Role
from bot.runtime.clock import Clock
from bot.runtime.logs import bind_actor, bind_case
from bot.services.access import AccessService, ChatInfo
from bot.services.cases import CaseService
from bot.services.members import MemberService
from handlers.callbacks import CaseCb

log = logging.getLogger(__name__)


class ActorMiddleware(BaseMiddleware):
    async def __call__(self, handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
                       event: TelegramObject, data: dict[str, Any]) -> Any:
        access: AccessService = data["access"]
        user = data.get("event_from_user")
        chat = data.get("event_chat")
        actor: Actor | None = None
        if user is not None and chat is not None and not user.is_bot:
            actor = await access.actor_for(user.id, user.full_name, ChatInfo(chat.id, chat.type))
        data["actor"] = actor
        # Log lines of this update carry who acts and, for a case's button, the case (bot/runtime/logs.py); the
        # case services bind the case they act on too. Not reset at the end on purpose: the error handler
        # (handlers/errors.py) logs after this middleware returned, and aiogram runs every update in a
        # task of its own (polling and webhook alike), so nothing carries over to another update.
        bind_actor(user.id if user is not None else None, actor.role.value if actor is not None else None)
        bind_case(None)
        await self._bind_case(event, data)
        return await handler(event, data)

    @staticmethod
    async def _bind_case(event: TelegramObject, data: dict[str, Any]) -> None:
        if not isinstance(event, CallbackQuery) or not (event.data or "").startswith(f"{CaseCb.__prefix__}:"):
            return
        cases: CaseService | None = data.get("cases")
        try:
            case_id = CaseCb.unpack(event.data or "").case_id
        except (TypeError, ValueError):
            return
        if cases is not None:
            # for the log line only; a case of another organisation is not named (its id is logged as given)
            actor: Actor | None = data.get("actor")
            if actor is not None:
                bind_case(await cases.number_of(case_id, scope=actor.scope))


class FloodThrottle(BaseMiddleware):
    """Issue 13 §2: somebody without a role (a stranger, a person in an unbound group) may send ``limit``
    updates a minute; the first one over is answered once, the rest of the flood is ignored. Staff is
    never throttled (an operator forwards posts in bursts). On the injected clock."""

    def __init__(self, limit: int) -> None:
        self.gate = FloodGate(limit)

    async def __call__(self, handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
                       event: TelegramObject, data: dict[str, Any]) -> Any:
        user = data.get("event_from_user")
        if data.get("actor") is not None or user is None:
            return await handler(event, data)
        clock: Clock = data["clock"]
        flood = self.gate.hit(user.id, clock.now())
        if flood == Flood.PASS:
            return await handler(event, data)
        if flood == Flood.TELL:
            await _refuse(event, texts.FLOOD)
        return None


class MemberGate(BaseMiddleware):
    """Issue 13 §2: at the moment of a press or a command in a bound group, the person must be in it now
    (bot/services/members.py); somebody seen leaving — or, under STRICT_MEMBERS, not yet confirmed — is
    refused with a clear text and nothing else happens. Ordinary talk in the group is not checked."""

    async def __call__(self, handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
                       event: TelegramObject, data: dict[str, Any]) -> Any:
        actor: Actor | None = data.get("actor")
        chat = data.get("event_chat")
        if actor is None or chat is None or actor.role not in GROUP_ROLES or not await _acts(event, data):
            return await handler(event, data)
        bot: Bot = data["bot"]

        async def probe() -> bool | None:
            if isinstance(event, Message):
                return True             # Telegram delivered their message in this group: they are in it now
            try:
                member = await bot.get_chat_member(chat.id, actor.user_id)
            except TelegramAPIError:    # Telegram could not say (network, a chat gone): refused, nothing lost
                log.warning("getChatMember %s in %s failed", actor.user_id, chat.id, exc_info=True)
                return None
            return membership.in_chat(member.status, getattr(member, "is_member", None))

        members: MemberService = data["members"]
        found = await members.check(actor, chat.id, probe)
        if found == Verdict.MEMBER:
            return await handler(event, data)
        await _refuse(event, texts.MEMBER_REFUSED[found.value])
        return None


GROUP_ROLES = frozenset({Role.EXECUTOR, Role.HEAD})


async def _acts(event: TelegramObject, data: dict[str, Any]) -> bool:
    """A press, a command, a reply, or a message answering a prompt: what may change something."""
    if isinstance(event, CallbackQuery):
        return True
    if not isinstance(event, Message) or event.new_chat_members or event.left_chat_member:
        return False
    if (event.text or event.caption or "").startswith("/") or event.reply_to_message is not None:
        return True
    state: FSMContext | None = data.get("state")
    return state is not None and await state.get_state() is not None


async def _refuse(event: TelegramObject, text: str) -> None:
    if isinstance(event, CallbackQuery):
        await event.answer(text, show_alert=True)
    elif isinstance(event, Message):
        await event.answer(text)
