"""Factories of incoming updates, as Bot API JSON dicts (``*_dict``) and as aiogram ``Update`` objects.

Every factory gives a fresh ``update_id`` (module-wide counter) and, unless one is passed, a fresh
``message_id`` (starting at 10 000 so it does not collide with ids the recording session gives to the
bot's own messages). Forwards use ``forward_origin`` as the Bot API does today.

    await dp.feed_update(bot, private_message(100, "/start"))
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # imported lazily: aiogram costs seconds and the standalone fake server needs only dicts
    from aiogram.types import Update

BOT_ID = 42
BOT_USERNAME = "test_bot"

_update_ids = itertools.count(1)
_message_ids = itertools.count(10_000)
_callback_ids = itertools.count(1)
_file_ids = itertools.count(1)

ADMIN_RIGHTS: dict[str, bool] = {
    "can_be_edited": False,
    "is_anonymous": False,
    "can_manage_chat": True,
    "can_delete_messages": True,
    "can_manage_video_chats": True,
    "can_restrict_members": True,
    "can_promote_members": False,
    "can_change_info": True,
    "can_invite_users": True,
    "can_post_stories": False,
    "can_edit_stories": False,
    "can_delete_stories": False,
    "can_send_welcome_messages": False,
    "can_pin_messages": True,
}


def next_update_id() -> int:
    return next(_update_ids)


def next_message_id() -> int:
    return next(_message_ids)


def now() -> int:
    return int(time.time())


# --------------------------------------------------------------------------- objects


def user_dict(
    user_id: int, full_name: str = "Иван Петров", *, username: str | None = None, is_bot: bool = False
) -> dict[str, Any]:
    first, _, last = full_name.partition(" ")
    user: dict[str, Any] = {"id": user_id, "is_bot": is_bot, "first_name": first or full_name}
    if last:
        user["last_name"] = last
    if username:
        user["username"] = username
    if not is_bot:
        user["language_code"] = "ru"
    return user


def bot_user_dict(bot_id: int = BOT_ID, username: str = BOT_USERNAME) -> dict[str, Any]:
    return {"id": bot_id, "is_bot": True, "first_name": "Test Bot", "username": username}


def group_type(chat_id: int) -> str:
    """``-100…`` ids are supergroups (or channels), other negative ids are basic groups."""
    return "supergroup" if str(chat_id).startswith("-100") else "group"


def private_chat_dict(user_id: int, full_name: str = "Иван Петров") -> dict[str, Any]:
    user = user_dict(user_id, full_name)
    chat = {"id": user_id, "type": "private", "first_name": user["first_name"]}
    if "last_name" in user:
        chat["last_name"] = user["last_name"]
    return chat


def group_chat_dict(chat_id: int, title: str = "Отдел ЖКХ", chat_type: str | None = None) -> dict[str, Any]:
    return {"id": chat_id, "type": chat_type or group_type(chat_id), "title": title}


def chat_member_dict(user: Mapping[str, Any], status: str) -> dict[str, Any]:
    """A ChatMember of any status (``creator``, ``administrator``, ``member``, ``restricted``,
    ``left``, ``kicked``) with every field aiogram requires."""
    member: dict[str, Any] = {"status": status, "user": dict(user)}
    if status == "administrator":
        member.update(ADMIN_RIGHTS)
    elif status == "creator":
        member["is_anonymous"] = False
    elif status == "kicked":
        member["until_date"] = 0
    elif status == "restricted":
        member.update(
            is_member=True,
            can_send_messages=False,
            can_send_audios=False,
            can_send_documents=False,
            can_send_photos=False,
            can_send_videos=False,
            can_send_video_notes=False,
            can_send_voice_notes=False,
            can_send_polls=False,
            can_send_other_messages=False,
            can_add_web_page_previews=False,
            can_change_info=False,
            can_invite_users=False,
            can_pin_messages=False,
            can_manage_topics=False,
            until_date=0,
        )
    return member


def photo_sizes(file_ids: Sequence[str]) -> list[dict[str, Any]]:
    """One photo in several sizes, smallest first (``message.photo[-1]`` is the last id)."""
    sizes = []
    count = len(file_ids)
    for index, file_id in enumerate(file_ids):
        width = 1280 * (index + 1) // count
        sizes.append(
            {
                "file_id": file_id,
                "file_unique_id": f"u-{file_id}",
                "width": width,
                "height": width * 3 // 4,
                "file_size": 1000 * (index + 1),
            }
        )
    return sizes


def _forward_origin(
    *,
    forward_from_chat: Any,
    forward_message_id: int | None,
    forward_from_user: Any,
    forward_sender_name: str | None,
    forward_date: int | None,
) -> dict[str, Any] | None:
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
            return {
                "type": "channel",
                "date": date,
                "chat": chat,
                "message_id": forward_message_id if forward_message_id is not None else 1,
            }
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
    entities: Iterable[Any] | None = None,
    message_thread_id: int | None = None,
) -> dict[str, Any]:
    """A Message dict. With media, ``text`` becomes the caption unless ``caption`` is given."""
    message: dict[str, Any] = {
        "message_id": message_id if message_id is not None else next_message_id(),
        "date": date if date is not None else now(),
        "chat": dict(chat),
    }
    if from_user is not None:
        message["from"] = dict(from_user)
    if message_thread_id is not None:
        message["message_thread_id"] = message_thread_id
    origin = _forward_origin(
        forward_from_chat=forward_from_chat,
        forward_message_id=forward_message_id,
        forward_from_user=forward_from_user,
        forward_sender_name=forward_sender_name,
        forward_date=forward_date,
    )
    if origin is not None:
        message["forward_origin"] = origin
    has_media = bool(photo_file_ids) or video_file_id is not None or document is not None
    if photo_file_ids:
        message["photo"] = photo_sizes(list(photo_file_ids))
    if video_file_id is not None:
        message["video"] = {
            "file_id": video_file_id,
            "file_unique_id": f"u-{video_file_id}",
            "width": 1280,
            "height": 720,
            "duration": 10,
            "mime_type": "video/mp4",
        }
    if document is not None:
        doc = {"file_id": document} if isinstance(document, str) else dict(document)
        doc.setdefault("file_unique_id", f"u-{doc['file_id']}")
        doc.setdefault("file_name", "document.pdf")
        doc.setdefault("mime_type", "application/pdf")
        message["document"] = doc
    if media_group_id is not None:
        message["media_group_id"] = media_group_id
    entity_list = [_entity(e) for e in entities] if entities is not None else None
    if has_media:
        body = caption if caption is not None else text
        if body:
            message["caption"] = body
            if entity_list:
                message["caption_entities"] = entity_list
    else:
        if text is not None:
            message["text"] = text
            if entity_list is None and text.startswith("/"):
                command = text.split()[0]
                entity_list = [{"type": "bot_command", "offset": 0, "length": len(command)}]
            if entity_list:
                message["entities"] = entity_list
    if reply_to_message_id is not None:
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


# --------------------------------------------------------------------------- updates as dicts


def private_message_dict(
    user_id: int,
    text: str | None,
    *,
    full_name: str = "Иван Петров",
    username: str | None = None,
    **options: Any,
) -> dict[str, Any]:
    """``options``: every keyword of :func:`message_dict` (forwards, media, replies, entities…)."""
    message = message_dict(
        private_chat_dict(user_id, full_name),
        user_dict(user_id, full_name, username=username),
        text,
        **options,
    )
    return {"update_id": next_update_id(), "message": message}


def group_message_dict(
    chat_id: int,
    user_id: int,
    text: str | None,
    *,
    full_name: str = "Иван Петров",
    username: str | None = None,
    chat_title: str = "Отдел ЖКХ",
    chat_type: str | None = None,
    **options: Any,
) -> dict[str, Any]:
    message = message_dict(
        group_chat_dict(chat_id, chat_title, chat_type),
        user_dict(user_id, full_name, username=username),
        text,
        **options,
    )
    return {"update_id": next_update_id(), "message": message}


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
    reply_markup: Mapping[str, Any] | None = None,
    bot_id: int = BOT_ID,
) -> dict[str, Any]:
    """A callback query from a button under the bot's message ``message_id`` in ``chat_id``."""
    if chat_type == "private":
        chat = private_chat_dict(chat_id, full_name)
    else:
        chat = group_chat_dict(chat_id, chat_title, chat_type)
    message: dict[str, Any] = {
        "message_id": message_id,
        "date": now() - 60,
        "chat": chat,
        "from": bot_user_dict(bot_id),
        "text": message_text,
    }
    if reply_markup is not None:
        message["reply_markup"] = dict(reply_markup)
    query = {
        "id": f"cbq-{next(_callback_ids)}",
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


# --------------------------------------------------------------------------- aiogram Update objects


def to_update(data: Mapping[str, Any]) -> Update:
    from aiogram.types import Update

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


def album(
    user_id: int,
    file_ids: Sequence[str],
    caption: str | None = None,
    *,
    media_group_id: str | None = None,
    kind: str = "photo",
    **options: Any,
) -> list[Update]:
    """A media group sent by a user: one update per item, the caption on the first one."""
    group = media_group_id or f"mg-{next(_file_ids)}"
    updates = []
    for index, file_id in enumerate(file_ids):
        media: dict[str, Any] = (
            {"photo_file_ids": [file_id]} if kind == "photo" else {"video_file_id": file_id}
        )
        updates.append(
            private_message(
                user_id, caption if index == 0 else None, media_group_id=group, **media, **options
            )
        )
    return updates
