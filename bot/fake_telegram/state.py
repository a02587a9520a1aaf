"""What the fake Telegram remembers: chats, members, per-chat message ids, messages, files, failures."""

from __future__ import annotations

import itertools
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC
from typing import Any

from bot.fake_telegram.files import FileStore, Upload
from bot.fake_telegram.markup import MAX_CAPTION, MAX_TEXT, check_callback_data, check_html, is_html
from bot.fake_telegram.objects import (
    BOT_NAME,
    BOT_USERNAME,
    bot_user_dict,
    chat_member_dict,
    group_chat_dict,
    user_dict,
)
from bot.fake_telegram.protocol import (
    DEFAULT_DESCRIPTIONS,
    ApiError,
    as_json,
    bad_request,
    canonical_method,
    maybe_int,
)
from bot.runtime.clock import Clock, SystemClock

#: Called after every method Telegram answered ``ok``: (method, parameters, uploads, result).
Watcher = Callable[[str, Mapping[str, Any], Mapping[str, Upload], Any], None]


#: What a migrated group still answers (reading it is not refused).
MIGRATION_ANSWERED = frozenset({"getChat", "getMe", "getUpdates", "answerCallbackQuery"})


@dataclass
class _Failure:
    method: str
    error: ApiError
    chat_id: Any
    times: int


class TelegramState:
    """The model behind every fake Telegram. ``validate=False`` skips Telegram's checks of texts and
    buttons, ``keep_messages=False`` forgets sent messages (a benchmark's memory must not grow)."""

    def __init__(self, *, clock: Clock | None = None, bot_username: str = BOT_USERNAME, bot_name: str = BOT_NAME,
                 reads_all_group_messages: bool = False, validate: bool = True, keep_messages: bool = True) -> None:
        self.clock = clock or SystemClock(UTC)
        self.profile = (bot_username, bot_name)
        self.reads_all_group_messages = reads_all_group_messages
        self.validate = validate
        self.keep_messages = keep_messages
        self.chats: dict[int, dict[str, Any]] = {}
        self.members: dict[tuple[int, int], dict[str, Any]] = {}
        self.messages: dict[tuple[int, int], dict[str, Any]] = {}
        self.store = FileStore()
        self.commands: dict[str, list[dict[str, Any]]] = {}
        self.answers: dict[str, tuple[str, bool]] = {}       # callback query id -> (text, show_alert)
        self.counts: Counter[str] = Counter()                # calls answered, by method
        self.watchers: list[Watcher] = []
        self.webhook_url = ""
        self.webhook_secret = ""
        self.webhook_allowed_updates: list[str] | None = None
        self.last_message_id: dict[int, int] = defaultdict(int)
        self.media_groups = itertools.count(1)
        self._failures: list[_Failure] = []
        self.migrated: dict[int, int] = {}      # a group upgraded to a supergroup: old id -> new id

    def now(self) -> int:
        return int(self.clock.now().timestamp())

    # ---- identities

    def me(self, bot_id: int) -> dict[str, Any]:
        return bot_user_dict(bot_id, *self.profile)

    def set_chat(self, chat_id: int, **fields: Any) -> dict[str, Any]:
        """Register or update a chat (e.g. ``title=``, ``type=``, ``username=``)."""
        chat = self.chat(chat_id)
        chat.update(fields)
        return chat

    def chat(self, chat_id: Any) -> dict[str, Any]:
        key = maybe_int(chat_id)
        if isinstance(key, str):
            for chat in self.chats.values():
                if chat.get("username") and f"@{chat['username']}".lower() == key.lower():
                    return chat
            raise bad_request("chat not found")
        if key not in self.chats:
            if key > 0:
                self.chats[key] = {"id": key, "type": "private", "first_name": f"User {key}"}
            else:
                self.chats[key] = group_chat_dict(key, f"Chat {key}")
        return self.chats[key]

    def known_chat(self, chat_id: Any) -> dict[str, Any]:
        """A chat the bot has met (an update from it, a message sent to it, ``set_chat``); any other
        answers "Bad Request: chat not found", as Telegram's getChat does for chats unknown to the bot."""
        key = maybe_int(chat_id)
        if isinstance(key, int) and key not in self.chats:
            raise bad_request("chat not found")
        return self.chat(chat_id)

    def forget_chat(self, chat_id: int) -> None:
        """The chat is gone for the bot (deleted, or the bot never was in it): getChat says "chat not found"."""
        self.chats.pop(chat_id, None)

    def set_member(self, chat_id: int, user: Mapping[str, Any] | int, status: str = "member") -> None:
        user_obj = user_dict(user) if isinstance(user, int) else dict(user)
        self.members[(chat_id, user_obj["id"])] = chat_member_dict(user_obj, status)

    def next_message_id(self, chat_id: int) -> int:
        self.last_message_id[chat_id] += 1
        return self.last_message_id[chat_id]

    def remember_update(self, update: Mapping[str, Any]) -> None:
        """Store messages of an incoming update so replies, copies, forwards and edits of them work."""
        for key in ("message", "edited_message", "channel_post"):
            message = update.get(key)
            if isinstance(message, Mapping) and "chat" in message:
                chat = message["chat"]
                self.chats.setdefault(chat["id"], dict(chat))
                mid = int(message["message_id"])
                self.last_message_id[chat["id"]] = max(self.last_message_id[chat["id"]], mid)
                self.messages[(chat["id"], mid)] = dict(message)

    # ---- failures

    def fail_next(self, method: str, *, status: int = 400, description: str | None = None,
                  retry_after: int | None = None, migrate_to_chat_id: int | None = None, chat_id: Any = None,
                  times: int = 1) -> None:
        """Make the next ``times`` calls of ``method`` (to ``chat_id`` if given) fail."""
        if status == 429 and retry_after is None:
            retry_after = 1
        text = (description or DEFAULT_DESCRIPTIONS.get(status, "Error")).format(retry_after=retry_after)
        error = ApiError(status, text, retry_after=retry_after, migrate_to_chat_id=migrate_to_chat_id)
        self._failures.append(_Failure(canonical_method(method), error, maybe_int(chat_id), times))

    def take_failure(self, method: str, params: Mapping[str, Any]) -> ApiError | None:
        for failure in self._failures:
            if failure.method != method:
                continue
            if failure.chat_id is not None and maybe_int(params.get("chat_id")) != failure.chat_id:
                continue
            failure.times -= 1
            if failure.times <= 0:
                self._failures.remove(failure)
            return failure.error
        new = self.migrated.get(maybe_int(params.get("chat_id")))
        if new is not None and method not in MIGRATION_ANSWERED:
            return ApiError(400, "Bad Request: group chat was upgraded to a supergroup chat", migrate_to_chat_id=new)
        return None

    def migrate_chat(self, old: int, new: int) -> None:
        """Telegram upgrades the group ``old`` to the supergroup ``new``: the old id answers every write with
        400 «group chat was upgraded to a supergroup chat» and ``migrate_to_chat_id``."""
        title = self.chat(old).get("title", f"Chat {new}")
        self.chats[new] = group_chat_dict(new, title, "supergroup")
        self.migrated[old] = new

    # ---- messages

    def text(self, value: Any, parse_mode: Any, *, caption: bool) -> str:
        text = "" if value is None else str(value)
        if not self.validate:
            return text
        if is_html(parse_mode):
            text = check_html(text)
        if caption and len(text) > MAX_CAPTION:
            raise bad_request("message caption is too long")
        if not caption and len(text) > MAX_TEXT:
            raise bad_request("message is too long")
        if not caption and not text.strip():
            raise bad_request("message text is empty")
        return text

    def new_message(self, me: Mapping[str, Any], params: Mapping[str, Any], chat_id: Any = None) -> dict[str, Any]:
        chat = self.chat(params.get("chat_id") if chat_id is None else chat_id)
        message: dict[str, Any] = {"message_id": self.next_message_id(chat["id"]), "date": self.now(),
                                   "chat": dict(chat)}
        if chat.get("type") == "channel":
            message["sender_chat"] = dict(chat)
        else:
            message["from"] = dict(me)
        if "message_thread_id" in params and isinstance(thread := maybe_int(params["message_thread_id"]), int):
            message["message_thread_id"] = thread
        reply_to = maybe_int(params.get("reply_to_message_id"))
        if isinstance(reply_parameters := as_json(params.get("reply_parameters")), Mapping):
            reply_to = maybe_int(reply_parameters.get("message_id"))
        if isinstance(reply_to, int):
            original = self.messages.get((chat["id"], reply_to))
            if original is not None:
                message["reply_to_message"] = {k: v for k, v in original.items() if k != "reply_to_message"}
        self.apply_markup(message, params)
        return message

    def apply_markup(self, message: dict[str, Any], params: Mapping[str, Any]) -> None:
        markup = as_json(params.get("reply_markup"))
        if self.validate:
            check_callback_data(markup)
        if isinstance(markup, Mapping) and "inline_keyboard" in markup:
            message["reply_markup"] = dict(markup)
        else:
            message.pop("reply_markup", None)

    def keep(self, message: dict[str, Any]) -> dict[str, Any]:
        if self.keep_messages:
            self.messages[(message["chat"]["id"], message["message_id"])] = message
        return message

    def find_message(self, params: Mapping[str, Any], me: Mapping[str, Any]) -> dict[str, Any] | None:
        """The message an edit targets (a stub if unknown); None for inline messages."""
        if params.get("inline_message_id"):
            return None
        chat = self.chat(params.get("chat_id"))
        mid = maybe_int(params.get("message_id"))
        if not isinstance(mid, int):
            raise bad_request("message identifier is not specified")
        found = self.messages.get((chat["id"], mid))
        if found is None:
            found = {"message_id": mid, "date": self.now() - 60, "chat": dict(chat), "from": dict(me)}
        return found
