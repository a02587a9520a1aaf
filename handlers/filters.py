"""Filters that hand a handler what it needs, typed: the message under a pressed button, a configured admin."""

from __future__ import annotations

from typing import Any

from aiogram.filters import Filter
from aiogram.types import CallbackQuery, Message

from bot.services.access import AccessService


class ButtonMessage(Filter):
    """Passes a button pressed under a message the bot can still read, and hands it over as ``message``.

    Telegram sends a message it no longer gives the bot as an ``InaccessibleMessage`` (chat and id only),
    and none at all under an inline-mode message: such a press is not taken here and reaches the last resort
    (handlers/common.py), which answers «Кнопка устарела.» (or «Нет доступа.» to a stranger)."""

    async def __call__(self, callback: CallbackQuery) -> bool | dict[str, Any]:
        if isinstance(callback.message, Message):
            return {"message": callback.message}
        return False


class IsAdmin(Filter):
    """Passes one of the configured administrators, in any chat (``/bind`` is typed in the group itself,
    where the person's role is the chat's)."""

    async def __call__(self, message: Message, access: AccessService) -> bool:
        return message.from_user is not None and access.is_admin(message.from_user.id)
