"""Updates about a group's members, as Telegram sends them: service messages and chat_member updates."""

from __future__ import annotations

from typing import Any

from aiogram.types import Update

from bot.fake_telegram.objects import chat_member_dict, group_chat_dict, user_dict
from bot.fake_telegram.updates import group_message_dict, next_update_id, now
from tests.support.updates import to_update


def service(chat_id: int, from_id: int, **fields: Any) -> Update:
    """A service message (``new_chat_members=[…]``, ``left_chat_member={…}``) in a group."""
    data = group_message_dict(chat_id, from_id, None)
    data["message"].update(fields)
    return to_update(data)


def came(chat_id: int, user_id: int, name: str = "Пётр Новиков") -> Update:
    return service(chat_id, user_id, new_chat_members=[user_dict(user_id, name)])


def went(chat_id: int, user_id: int, name: str = "Пётр Новиков") -> Update:
    return service(chat_id, user_id, left_chat_member=user_dict(user_id, name))


def member_update(chat_id: int, user_id: int, old: str, new: str, *, by: int = 1,
                  name: str = "Пётр Новиков") -> Update:
    """A chat_member update: ``user_id``'s status in the group goes from ``old`` to ``new``."""
    user = user_dict(user_id, name)
    event = {"chat": group_chat_dict(chat_id), "from": user_dict(by), "date": now(),
             "old_chat_member": chat_member_dict(user, old), "new_chat_member": chat_member_dict(user, new)}
    return to_update({"update_id": next_update_id(), "chat_member": event})


def in_public_group(chat_id: int, user_id: int, text: str, username: str = "city_open_chat") -> Update:
    data = group_message_dict(chat_id, user_id, text)
    data["message"]["chat"]["username"] = username
    return to_update(data)
