"""Incoming updates as aiogram ``Update`` objects, built from the fake Telegram's JSON dicts
(:mod:`bot.fake_telegram.updates`; the few dicts tests use directly are re-exported).

    await dp.feed_update(bot, private_message(100, "/start"))
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from typing import Any

from aiogram.types import Update

from bot.fake_telegram.objects import bot_user_dict
from bot.fake_telegram.updates import (
    callback_dict,
    group_message_dict,
    my_chat_member_dict,
    private_message_dict,
)

__all__ = [
    "album",
    "bot_user_dict",
    "callback",
    "group_message",
    "group_message_dict",
    "my_chat_member",
    "private_message",
    "private_message_dict",
]

_media_groups = itertools.count(1)


def to_update(data: Mapping[str, Any]) -> Update:
    return Update.model_validate(dict(data))


def private_message(user_id: int, text: str | None, **options: Any) -> Update:
    """See :func:`private_message_dict` and :func:`message_dict` for the options."""
    return to_update(private_message_dict(user_id, text, **options))


def group_message(chat_id: int, user_id: int, text: str | None, **options: Any) -> Update:
    return to_update(group_message_dict(chat_id, user_id, text, **options))


def callback(user_id: int, chat_id: int, data: str, message_id: int, **options: Any) -> Update:
    return to_update(callback_dict(user_id, chat_id, data, message_id, **options))


def my_chat_member(chat_id: int, from_user_id: int, **options: Any) -> Update:
    return to_update(my_chat_member_dict(chat_id, from_user_id, **options))


def album(user_id: int, file_ids: Sequence[str], caption: str | None = None, *, media_group_id: str | None = None,
          kind: str = "photo", **options: Any) -> list[Update]:
    """A media group sent by a user: one update per item, the caption on the first one."""
    group = media_group_id or f"mg-{next(_media_groups)}"
    return [private_message(user_id, caption if index == 0 else None, media_group_id=group,
                            **({"photo_file_ids": [file_id]} if kind == "photo" else {"video_file_id": file_id}),
                            **options)
            for index, file_id in enumerate(file_ids)]
