"""Incoming updates as Bot API JSON dicts: messages, forwards, media, replies, button presses.

Every factory gives a fresh ``update_id`` (module-wide counter) and, unless one is passed, a fresh
``message_id`` (starting at 10 000 so it does not collide with ids the fake gives to the bot's own
messages) and a ``date`` read from the wall clock. Forwards use ``forward_origin`` as the Bot API does.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC
from typing import Any

from bot.fake_telegram.objects import (
    BOT_ID,
    bot_user_dict,
    chat_member_dict,
    group_chat_dict,
    photo_sizes,
    private_chat_dict,
    user_dict,
)
from bot.runtime.clock import SystemClock

WALL_CLOCK = SystemClock(UTC)

_update_ids = itertools.count(1)
_message_ids = itertools.count(10_000)
_callback_ids = itertools.count(1)


def next_update_id() -> int:
    return next(_update_ids)


def next_message_id() -> int:
    return next(_message_ids)


def now() -> int:
    return int(WALL_CLOCK.now().timestamp())


def _forward_origin(*, forward_from_chat: Any, forward_message_id: int | None, forward_from_user: Any,
                    forward_sender_name: str | None, forward_date: int | None) -> dict[str, Any] | None:
    date = forward_date if forward_date is not None else now() - 3600
    if forward_from_chat is not None:
        if isinstance(forward_from_chat, Mapping):
            chat = dict(forward_from_chat)
        else:
            values = tuple(forward_from_chat)
            chat = {"id": values[0], "title": values[1] if len(values) > 1 else "Канал"}
            if len(values) > 2 and values[2]:
                chat["username"] = values[2]
            chat["type"] = values[3] if len(values) > 3 else "channel"
        chat.setdefault("type", "channel")
        if chat["type"] == "channel":
            return {"type": "channel", "date": date, "chat": chat,
                    "message_id": forward_message_id if forward_message_id is not None else 1}
        return {"type": "chat", "date": date, "sender_chat": chat}
    if forward_from_user is not None:
        if isinstance(forward_from_user, Mapping):
            sender = dict(forward_from_user)
        else:
            values = tuple(forward_from_user)
            sender = user_dict(values[0], values[1] if len(values) > 1 else "Пётр Сидоров")
        return {"type": "user", "date": date, "sender_user": sender}
    if forward_sender_name is not None:
        return {"type": "hidden_user", "date": date, "sender_user_name": forward_sender_name}
    return None


def _media(message: dict[str, Any], photo_file_ids: Sequence[str], video_file_id: str | None,
           document: Mapping[str, Any] | str | None) -> bool:
    if photo_file_ids:
        message["photo"] = photo_sizes(list(photo_file_ids))
    if video_file_id is not None:
        message["video"] = {"file_id": video_file_id, "file_unique_id": f"u-{video_file_id}", "width": 1280,
                            "height": 720, "duration": 10, "mime_type": "video/mp4"}
    if document is not None:
        doc = {"file_id": document} if isinstance(document, str) else dict(document)
        doc.setdefault("file_unique_id", f"u-{doc['file_id']}")
        doc.setdefault("file_name", "document.pdf")
        doc.setdefault("mime_type", "application/pdf")
        message["document"] = doc
    return bool(photo_file_ids) or video_file_id is not None or document is not None


def message_dict(
    chat: Mapping[str, Any],
    from_user: Mapping[str, Any] | None,
    text: str | None,
    *,
    message_id: int | None = None,
    date: int | None = None,
    forward_from_chat: Any = None,
    forward_message_id: int | None = None,
    forward_from_user: Any = None,
    forward_sender_name: str | None = None,
    forward_date: int | None = None,
    photo_file_ids: Sequence[str] = (),
    video_file_id: str | None = None,
    document: Mapping[str, Any] | str | None = None,
    media_group_id: str | None = None,
    caption: str | None = None,
    reply_to_message_id: int | None = None,
    reply_to_text: str | None = "Сообщение бота",
    reply_to_from: Mapping[str, Any] | None = None,
    reply_to_message: Mapping[str, Any] | None = None,
    entities: Iterable[Any] | None = None,
    message_thread_id: int | None = None,
) -> dict[str, Any]:
    """A Message dict. With media, ``text`` becomes the caption unless ``caption`` is given. A reply is
    to ``reply_to_message`` (a whole message) or to a text message ``reply_to_message_id``."""
    message: dict[str, Any] = {
        "message_id": message_id if message_id is not None else next_message_id(),
        "date": date if date is not None else now(),
        "chat": dict(chat),
    }
    if from_user is not None:
        message["from"] = dict(from_user)
    if message_thread_id is not None:
        message["message_thread_id"] = message_thread_id
    origin = _forward_origin(forward_from_chat=forward_from_chat, forward_message_id=forward_message_id,
                             forward_from_user=forward_from_user, forward_sender_name=forward_sender_name,
                             forward_date=forward_date)
    if origin is not None:
        message["forward_origin"] = origin
    has_media = _media(message, photo_file_ids, video_file_id, document)
    if media_group_id is not None:
        message["media_group_id"] = media_group_id
    entity_list = [_entity(e) for e in entities] if entities is not None else None
    if has_media:
        body = caption if caption is not None else text
        if body:
            message["caption"] = body
            if entity_list:
                message["caption_entities"] = entity_list
    elif text is not None:
        message["text"] = text
        if entity_list is None and text.startswith("/"):
            entity_list = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        if entity_list:
            message["entities"] = entity_list
    if reply_to_message is not None:
        message["reply_to_message"] = {k: v for k, v in reply_to_message.items() if k != "reply_to_message"}
    elif reply_to_message_id is not None:
        reply: dict[str, Any] = {
            "message_id": reply_to_message_id,
            "date": message["date"] - 60,
            "chat": dict(chat),
            "from": dict(reply_to_from) if reply_to_from is not None else bot_user_dict(),
        }
        if reply_to_text is not None:
            reply["text"] = reply_to_text
        message["reply_to_message"] = reply
    return message


def _entity(entity: Any) -> dict[str, Any]:
    if isinstance(entity, Mapping):
        return dict(entity)
    dump = getattr(entity, "model_dump", None)
    if dump is None:
        raise TypeError(f"entity must be a dict or MessageEntity, not {type(entity).__name__}")
    return {k: v for k, v in dump(mode="json").items() if v is not None}


def _message_update(chat: Mapping[str, Any], user_id: int, text: str | None, full_name: str,
                    username: str | None, options: dict[str, Any]) -> dict[str, Any]:
    message = message_dict(chat, user_dict(user_id, full_name, username=username), text, **options)
    return {"update_id": next_update_id(), "message": message}


def private_message_dict(user_id: int, text: str | None, *, full_name: str = "Иван Петров",
                         username: str | None = None, **options: Any) -> dict[str, Any]:
    """``options``: every keyword of :func:`message_dict` (forwards, media, replies, entities…)."""
    return _message_update(private_chat_dict(user_id, full_name), user_id, text, full_name, username, options)


def group_message_dict(chat_id: int, user_id: int, text: str | None, *, full_name: str = "Иван Петров",
                       username: str | None = None, chat_title: str = "Отдел ЖКХ", chat_type: str | None = None,
                       **options: Any) -> dict[str, Any]:
    return _message_update(group_chat_dict(chat_id, chat_title, chat_type), user_id, text, full_name, username,
                           options)


def callback_dict(
    user_id: int,
    chat_id: int,
    data: str,
    message_id: int,
    *,
    message_text: str = "…",
    chat_type: str = "private",
    full_name: str = "Иван Петров",
    username: str | None = None,
    chat_title: str = "Отдел ЖКХ",
    chat: Mapping[str, Any] | None = None,
    reply_markup: Mapping[str, Any] | None = None,
    bot: Mapping[str, Any] | None = None,
    bot_id: int = BOT_ID,
    date: int | None = None,
    query_id: str | None = None,
) -> dict[str, Any]:
    """A callback query from a button under the bot's message ``message_id`` in ``chat_id``."""
    if chat is None:
        chat = (private_chat_dict(chat_id, full_name) if chat_type == "private"
                else group_chat_dict(chat_id, chat_title, chat_type))
    message: dict[str, Any] = {
        "message_id": message_id,
        "date": (date if date is not None else now()) - 60,
        "chat": dict(chat),
        "from": dict(bot) if bot is not None else bot_user_dict(bot_id),
        "text": message_text,
    }
    if reply_markup is not None:
        message["reply_markup"] = dict(reply_markup)
    query = {
        "id": query_id or f"cbq-{next(_callback_ids)}",
        "from": user_dict(user_id, full_name, username=username),
        "message": message,
        "chat_instance": f"ci{abs(chat_id)}",
        "data": data,
    }
    return {"update_id": next_update_id(), "callback_query": query}


def my_chat_member_dict(
    chat_id: int,
    from_user_id: int,
    *,
    chat_title: str = "Отдел ЖКХ",
    chat_type: str | None = None,
    old_status: str = "left",
    new_status: str = "member",
    full_name: str = "Иван Петров",
    bot_id: int = BOT_ID,
) -> dict[str, Any]:
    """The bot's own membership changing (default: added to a group as a member)."""
    bot = bot_user_dict(bot_id)
    event = {
        "chat": group_chat_dict(chat_id, chat_title, chat_type),
        "from": user_dict(from_user_id, full_name),
        "date": now(),
        "old_chat_member": chat_member_dict(bot, old_status),
        "new_chat_member": chat_member_dict(bot, new_status),
    }
    return {"update_id": next_update_id(), "my_chat_member": event}


def migration_dicts(old_chat_id: int, new_chat_id: int, from_user_id: int, *, chat_title: str = "Отдел ЖКХ",
                    full_name: str = "Иван Петров") -> tuple[dict[str, Any], dict[str, Any]]:
    """A group upgraded to a supergroup, as Telegram tells it: the old group's last service message
    (``migrate_to_chat_id``) and the new supergroup's first one (``migrate_from_chat_id``)."""
    user = user_dict(from_user_id, full_name)
    old = message_dict(group_chat_dict(old_chat_id, chat_title, "group"), user, None)
    old["migrate_to_chat_id"] = new_chat_id
    new = message_dict(group_chat_dict(new_chat_id, chat_title, "supergroup"), user, None)
    new["migrate_from_chat_id"] = old_chat_id
    return ({"update_id": next_update_id(), "message": old}, {"update_id": next_update_id(), "message": new})
