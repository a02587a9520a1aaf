"""Bot API objects as JSON dicts: users, chats, chat members, photos — the shapes Telegram sends."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

BOT_ID = 42
BOT_USERNAME = "test_bot"
BOT_NAME = "Test Bot"

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

_RESTRICTED = dict.fromkeys(
    "can_send_messages can_send_audios can_send_documents can_send_photos can_send_videos "
    "can_send_video_notes can_send_voice_notes can_send_polls can_send_other_messages "
    "can_add_web_page_previews can_change_info can_invite_users can_pin_messages can_manage_topics".split(),
    False,
)


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


def bot_user_dict(bot_id: int = BOT_ID, username: str = BOT_USERNAME, first_name: str = BOT_NAME) -> dict[str, Any]:
    return {"id": bot_id, "is_bot": True, "first_name": first_name, "username": username}


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
        member.update(_RESTRICTED, is_member=True, until_date=0)
    return member


def photo_sizes(file_ids: Sequence[str]) -> list[dict[str, Any]]:
    """One photo in several sizes, smallest first (``message.photo[-1]`` is the last id)."""
    sizes = []
    count = len(file_ids)
    for index, file_id in enumerate(file_ids):
        width = 1280 * (index + 1) // count
        sizes.append({"file_id": file_id, "file_unique_id": f"u-{file_id}", "width": width,
                      "height": width * 3 // 4, "file_size": 1000 * (index + 1)})
    return sizes
