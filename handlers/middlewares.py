"""Resolve who is acting (role, department) once per update; handlers receive it as `actor`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.filters import Filter
from aiogram.types import CallbackQuery, Message, TelegramObject

from bot.domain.model import Actor, Role
from bot.services.access import AccessService, ChatInfo


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
        return await handler(event, data)


class HasRole(Filter):
    """Passes when the acting person has one of `roles` in this chat."""

    def __init__(self, *roles: Role) -> None:
        self.roles = frozenset(roles)

    async def __call__(self, event: Message | CallbackQuery, actor: Actor | None = None) -> bool:
        return actor is not None and actor.role in self.roles


OPERATOR_ROLES = (Role.OPERATOR, Role.ADMIN)
