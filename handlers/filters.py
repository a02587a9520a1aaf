"""Who may act here (a role in this chat, a configured admin) and the message under a pressed button, typed."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aiogram.filters import Filter
from aiogram.types import CallbackQuery, InaccessibleMessage, Message

from bot.domain.model import Actor, Role
from bot.services.access import AccessService


class HasRole(Filter):
    """Passes when the acting person has one of `roles` in this chat."""

    def __init__(self, *roles: Role) -> None:
        self.roles = frozenset(roles)

    async def __call__(self, event: Message | CallbackQuery, actor: Actor | None = None) -> bool:
        return actor is not None and actor.role in self.roles


OPERATOR_ROLES = (Role.OPERATOR, Role.ADMIN)


class ButtonMessage(Filter):
    """Hands the message under the pressed button to the handler as ``message: Message``.

    Telegram gives the bot a message older than 48 hours as an ``InaccessibleMessage``: its chat and id only.
    That is all a handler uses of it (it answers in the chat, edits the buttons or the text by id), so it is
    handed over as a ``Message`` of those two, and an old card's buttons work as a fresh one's. A press with no
    message at all (inline mode, not used here) is not taken: the last resort (handlers/common.py) answers
    «Кнопка устарела.»."""

    async def __call__(self, callback: CallbackQuery) -> bool | dict[str, Any]:
        message = callback.message
        if isinstance(message, InaccessibleMessage):
            message = Message(message_id=message.message_id, chat=message.chat,
                              date=datetime.fromtimestamp(0, UTC)).as_(callback.bot)
        return {"message": message} if message is not None else False


class DeploymentAdmin(Filter):
    """A deployment admin (ADMIN_IDS): the only one who manages organisations and what the whole deployment
    shares (backups, the calendar, the chats' delivery) — not an organisation's own admin (issue 14)."""

    async def __call__(self, event: Message | CallbackQuery, access: AccessService) -> bool:
        return event.from_user is not None and access.is_admin(event.from_user.id)


class IsAdmin(Filter):
    """Passes one of the configured administrators, in any chat (``/bind`` is typed in the group itself,
    where the person's role is the chat's)."""

    async def __call__(self, message: Message, access: AccessService) -> bool:
        return message.from_user is not None and await access.is_any_admin(message.from_user.id)
