"""Resolve who is acting (role, department) once per update; handlers receive it as `actor`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import CallbackQuery, TelegramObject

from bot.domain.model import Actor
from bot.runtime.logs import bind_actor, bind_case
from bot.services.access import AccessService, ChatInfo
from bot.services.cases import CaseService
from handlers.callbacks import CaseCb


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
            bind_case(await cases.number_of(case_id))
