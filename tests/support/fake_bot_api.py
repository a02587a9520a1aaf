"""A local fake Telegram Bot API: an in-memory core plus an aiohttp server around it.

:class:`BotAPICore` answers Bot API methods with realistic JSON results (the same shapes Telegram
returns, valid for aiogram 3.31) and keeps per-chat message ids, sent messages, files and commands.
The in-process :class:`tests.support.recording.RecordingSession` and the HTTP :class:`FakeBotAPI` both
use it.

Realism on purpose: HTML in ``parse_mode=HTML`` texts is checked like Telegram does (unknown or
unbalanced tags give ``400 Bad Request: can't parse entities``), texts over 4096 and captions over
1024 characters, empty texts and callback data over 64 bytes are rejected, editing a known message
without changes gives ``message is not modified``, and editing a text or caption without
``reply_markup`` removes the inline keyboard.

The server serves ``{base}/bot{token}/{method}`` and ``{base}/file/bot{token}/{path}``, the URLs that
``TelegramAPIServer.from_base(base)`` builds::

    server = FakeBotAPI()
    url = await server.start()
    bot = Bot("42:TEST", session=AiohttpSession(api=TelegramAPIServer.from_base(url)))
    server.push_update(server.user_message(100, "/start"))
    call = await server.wait_for_call("sendMessage")
    await server.stop()

Rate limiting (``FakeBotAPI(enforce_limits=True)``) is deliberately strict, with no bursts: sliding
windows of at most 30 sends per second overall, 1 per second per private chat and 20 per minute per
group (chat id < 0). Counted methods are those in :data:`SEND_METHODS` (edits are not counted). A send
over a limit is answered ``429 Too Many Requests`` with ``parameters.retry_after`` and recorded in
``server.violations``; it does not count towards the window.

Standalone: ``python -m tests.support.fake_bot_api --port 8081`` prints its URL; type
``<user_id> <text>`` to push a private message, ``cb <user_id> <message_id> <data>`` to push a callback.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import html
import itertools
import json
import math
import re
import sys
import time
from collections import defaultdict, deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.support import updates as upd

# --------------------------------------------------------------------------- method names

KNOWN_METHODS = (
    "getMe getUpdates deleteWebhook setWebhook getWebhookInfo setMyCommands getMyCommands "
    "deleteMyCommands sendMessage sendPhoto sendVideo sendDocument sendAudio sendVoice sendAnimation "
    "sendSticker sendMediaGroup copyMessage forwardMessage editMessageText editMessageReplyMarkup "
    "editMessageCaption deleteMessage deleteMessages answerCallbackQuery getChat getChatMember "
    "getChatAdministrators getFile pinChatMessage unpinChatMessage sendChatAction leaveChat logOut close"
).split()
_CANONICAL = {name.lower(): name for name in KNOWN_METHODS}

SEND_METHODS = frozenset(
    "sendMessage sendPhoto sendVideo sendDocument sendAudio sendVoice sendAnimation sendSticker "
    "sendMediaGroup copyMessage copyMessages forwardMessage forwardMessages sendLocation sendContact "
    "sendPoll sendDice sendVenue".split()
)

MEDIA_KINDS = frozenset("photo video document audio voice animation sticker".split())

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA = 64

_TEXT_FIELDS = frozenset(
    "text caption data description short_description title query url callback_data name "
    "first_name last_name question explanation address emoji sticker inline_message_id "
    "callback_query_id file_id business_connection_id language_code".split()
)
_JSON_FIELDS = frozenset(
    "reply_markup entities caption_entities media commands scope allowed_updates "
    "link_preview_options reply_parameters message_ids options".split()
)


def canonical_method(name: str) -> str:
    return _CANONICAL.get(name.lower(), name)


# --------------------------------------------------------------------------- errors and records


class ApiError(Exception):
    """An error answer of the Bot API (``ok: false``)."""

    def __init__(
        self,
        status: int,
        description: str,
        *,
        retry_after: int | None = None,
        migrate_to_chat_id: int | None = None,
    ) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.retry_after = retry_after
        self.migrate_to_chat_id = migrate_to_chat_id

    def payload(self) -> dict[str, Any]:
        body: dict[str, Any] = {"ok": False, "error_code": self.status, "description": self.description}
        parameters: dict[str, Any] = {}
        if self.retry_after is not None:
            parameters["retry_after"] = self.retry_after
        if self.migrate_to_chat_id is not None:
            parameters["migrate_to_chat_id"] = self.migrate_to_chat_id
        if parameters:
            body["parameters"] = parameters
        return body


DEFAULT_DESCRIPTIONS = {
    400: "Bad Request: chat not found",
    401: "Unauthorized",
    403: "Forbidden: bot was blocked by the user",
    404: "Not Found",
    409: "Conflict: terminated by other getUpdates request",
    413: "Request Entity Too Large",
    429: "Too Many Requests: retry after {retry_after}",
    500: "Internal Server Error",
    502: "Bad Gateway",
}


def bad_request(description: str) -> ApiError:
    return ApiError(400, f"Bad Request: {description}")


@dataclass
class Upload:
    """A file uploaded with multipart form data (``content`` is None in the in-process session)."""

    field: str
    filename: str
    content: bytes | None = None
    content_type: str | None = None


@dataclass
class ApiCall:
    method: str
    params: dict[str, Any]
    time: float
    files: dict[str, Upload] = field(default_factory=dict)
    token: str = ""
    status: int = 200
    result: Any = None
    error: dict[str, Any] | None = None

    @property
    def chat_id(self) -> Any:
        return self.params.get("chat_id")

    @property
    def text(self) -> str | None:
        value = self.params.get("text", self.params.get("caption"))
        return None if value is None else str(value)


@dataclass
class _Failure:
    method: str
    error: ApiError
    chat_id: Any
    times: int


@dataclass(frozen=True)
class RateLimits:
    global_per_second: int = 30
    private_per_second: int = 1
    group_per_minute: int = 20


@dataclass
class Violation:
    time: float
    method: str
    chat_id: Any
    scope: str  # "global" | "private" | "group"
    retry_after: int


class RateLimiter:
    """Strict sliding windows (see the module docstring)."""

    def __init__(self, limits: RateLimits | None = None, clock: Callable[[], float] = time.monotonic) -> None:
        self.limits = limits or RateLimits()
        self.clock = clock
        self._global: deque[float] = deque()
        self._per_chat: dict[Any, deque[float]] = defaultdict(deque)
        self.violations: list[Violation] = []
        self.accepted = 0

    @staticmethod
    def _wait(window: deque[float], limit: int, span: float, now: float) -> float:
        while window and window[0] <= now - span:
            window.popleft()
        if len(window) < limit:
            return 0.0
        return window[len(window) - limit] + span - now

    def check(self, method: str, chat_id: Any) -> None:
        """Raise a 429 :class:`ApiError` if this send would exceed a limit, else count it."""
        if method not in SEND_METHODS:
            return
        now = self.clock()
        checks: list[tuple[str, deque[float], int, float]] = [
            ("global", self._global, self.limits.global_per_second, 1.0)
        ]
        chat_key = _maybe_int(chat_id)
        if chat_key is not None:
            window = self._per_chat[chat_key]
            if isinstance(chat_key, int) and chat_key < 0:
                checks.append(("group", window, self.limits.group_per_minute, 60.0))
            else:
                checks.append(("private", window, self.limits.private_per_second, 1.0))
        for scope, window, limit, span in checks:
            wait = self._wait(window, limit, span, now)
            if wait > 0:
                retry_after = max(1, math.ceil(wait))
                self.violations.append(Violation(now, method, chat_key, scope, retry_after))
                raise ApiError(429, f"Too Many Requests: retry after {retry_after}", retry_after=retry_after)
        for _, window, _, _ in checks:
            window.append(now)
        self.accepted += 1


# --------------------------------------------------------------------------- helpers


def _maybe_int(value: Any) -> Any:
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value
    text = str(value).strip()
    if re.fullmatch(r"-?\d+", text):
        return int(text)
    return text


def _as_json(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _as_bool(value: Any) -> bool:
    if isinstance(value, str):
        return value.lower() in ("true", "1")
    return bool(value)


def decode_form_value(key: str, value: str) -> Any:
    """Turn one form field as aiogram sends it (everything a string) back into JSON values."""
    if key in _TEXT_FIELDS:
        return value
    if key in _JSON_FIELDS or value[:1] in ("{", "["):
        return _as_json(value)
    if value in ("true", "false"):
        return value == "true"
    if re.fullmatch(r"-?\d+", value):
        return int(value)
    return value


_ALLOWED_TAGS = frozenset(
    "b strong i em u ins s strike del span tg-spoiler a tg-emoji code pre blockquote tg-time".split()
)
_TAG_RE = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[^<>]*?)?)\s*(/?)>")


def check_html(text: str) -> str:
    """Validate Telegram HTML like the Bot API does; return the plain text Telegram stores."""
    stack: list[str] = []
    plain: list[str] = []
    pos = 0
    while True:
        lt = text.find("<", pos)
        if lt < 0:
            plain.append(text[pos:])
            break
        plain.append(text[pos:lt])
        match = _TAG_RE.match(text, lt)
        offset = len(text[:lt].encode("utf-8"))
        if match is None:
            raise bad_request(f"can't parse entities: Unexpected end of name token at byte offset {offset}")
        closing, name, _attrs, _self = match.groups()
        name = name.lower()
        if name not in _ALLOWED_TAGS:
            kind = "end" if closing else "start"
            raise bad_request(
                f'can\'t parse entities: Unsupported {kind} tag "{name}" at byte offset {offset}'
            )
        if closing:
            if not stack or stack[-1] != name:
                raise bad_request(
                    f"can't parse entities: Can't find end tag corresponding to start tag \"{stack[-1]}\""
                    if stack
                    else f'can\'t parse entities: Unmatched end tag at byte offset {offset}, expected "</>", found "</{name}>"'
                )
            stack.pop()
        else:
            stack.append(name)
        pos = match.end()
    if stack:
        raise bad_request(
            f"can't parse entities: Can't find end tag corresponding to start tag \"{stack[-1]}\""
        )
    return html.unescape("".join(plain))


def _callback_data_ok(markup: Any) -> None:
    if not isinstance(markup, Mapping):
        return
    for row in markup.get("inline_keyboard", []) or []:
        for button in row:
            data = button.get("callback_data") if isinstance(button, Mapping) else None
            if data is not None and len(str(data).encode("utf-8")) > MAX_CALLBACK_DATA:
                raise bad_request("BUTTON_DATA_INVALID")


# --------------------------------------------------------------------------- the core


@dataclass
class StoredFile:
    file_id: str
    file_unique_id: str
    file_path: str
    content: bytes | None = None
    file_size: int | None = None


class BotAPICore:
    """In-memory Bot API behaviour shared by the recording session and the HTTP server."""

    def __init__(self, *, bot_username: str = upd.BOT_USERNAME, validate: bool = True) -> None:
        self.bot_username = bot_username
        self.validate = validate
        self.chats: dict[int, dict[str, Any]] = {}
        self.members: dict[tuple[int, int], dict[str, Any]] = {}
        self.messages: dict[tuple[int, int], dict[str, Any]] = {}
        self.files: dict[str, StoredFile] = {}
        self.commands: dict[str, list[dict[str, Any]]] = {}
        self.webhook_url = ""
        self.webhook_secret = ""
        self.webhook_allowed_updates: list[str] | None = None
        self._last_message_id: dict[int, int] = defaultdict(int)
        self._file_counter = itertools.count(1)
        self._group_counter = itertools.count(1)
        self._failures: list[_Failure] = []

    # ---- identities

    def me(self, bot_id: int) -> dict[str, Any]:
        return upd.bot_user_dict(bot_id, self.bot_username)

    def get_me(self, bot_id: int) -> dict[str, Any]:
        return {
            **self.me(bot_id),
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    def set_chat(self, chat_id: int, **fields: Any) -> dict[str, Any]:
        """Register or update a chat (e.g. ``title=``, ``type=``, ``username=``)."""
        chat = self.chat(chat_id)
        chat.update(fields)
        return chat

    def chat(self, chat_id: Any) -> dict[str, Any]:
        key = _maybe_int(chat_id)
        if isinstance(key, str):
            for chat in self.chats.values():
                if chat.get("username") and f"@{chat['username']}".lower() == key.lower():
                    return chat
            raise bad_request("chat not found")
        if key not in self.chats:
            if key > 0:
                self.chats[key] = {"id": key, "type": "private", "first_name": f"User {key}"}
            else:
                self.chats[key] = upd.group_chat_dict(key, f"Chat {key}")
        return self.chats[key]

    def known_chat(self, chat_id: Any) -> dict[str, Any]:
        """A chat the bot has met (an update from it, a message sent to it, ``set_chat``); any other
        answers "Bad Request: chat not found", as Telegram's getChat does for chats unknown to the bot."""
        key = _maybe_int(chat_id)
        if isinstance(key, int) and key not in self.chats:
            raise bad_request("chat not found")
        return self.chat(chat_id)

    def forget_chat(self, chat_id: int) -> None:
        """The chat is gone for the bot (deleted, or the bot never was in it): getChat says "chat not found"."""
        self.chats.pop(chat_id, None)

    def set_member(self, chat_id: int, user: Mapping[str, Any] | int, status: str = "member") -> None:
        user_obj = upd.user_dict(user) if isinstance(user, int) else dict(user)
        self.members[(chat_id, user_obj["id"])] = upd.chat_member_dict(user_obj, status)

    def next_message_id(self, chat_id: int) -> int:
        self._last_message_id[chat_id] += 1
        return self._last_message_id[chat_id]

    def remember_update(self, update: Mapping[str, Any]) -> None:
        """Store messages of an incoming update so copies, forwards and edits of them work."""
        for key in ("message", "edited_message", "channel_post"):
            message = update.get(key)
            if isinstance(message, Mapping) and "chat" in message:
                chat = message["chat"]
                self.chats.setdefault(chat["id"], dict(chat))
                mid = int(message["message_id"])
                self._last_message_id[chat["id"]] = max(self._last_message_id[chat["id"]], mid)
                self.messages[(chat["id"], mid)] = dict(message)

    # ---- failures

    def fail_next(
        self,
        method: str,
        *,
        status: int = 400,
        description: str | None = None,
        retry_after: int | None = None,
        migrate_to_chat_id: int | None = None,
        chat_id: Any = None,
        times: int = 1,
    ) -> None:
        """Make the next ``times`` calls of ``method`` (to ``chat_id`` if given) fail."""
        if status == 429 and retry_after is None:
            retry_after = 1
        text = description or DEFAULT_DESCRIPTIONS.get(status, "Error")
        text = text.format(retry_after=retry_after)
        error = ApiError(status, text, retry_after=retry_after, migrate_to_chat_id=migrate_to_chat_id)
        self._failures.append(_Failure(canonical_method(method), error, _maybe_int(chat_id), times))

    def take_failure(self, method: str, params: Mapping[str, Any]) -> ApiError | None:
        for failure in self._failures:
            if failure.method != method:
                continue
            if failure.chat_id is not None and _maybe_int(params.get("chat_id")) != failure.chat_id:
                continue
            failure.times -= 1
            if failure.times <= 0:
                self._failures.remove(failure)
            return failure.error
        return None

    # ---- files

    def new_file(self, kind: str, content: bytes | None = None, extension: str = "jpg") -> StoredFile:
        n = next(self._file_counter)
        stored = StoredFile(
            file_id=f"fake-{kind}-{n:05d}",
            file_unique_id=f"uniq-{kind}-{n:05d}",
            file_path=f"{kind}s/file_{n}.{extension}",
            content=content,
            file_size=len(content) if content is not None else 1024,
        )
        self.files[stored.file_id] = stored
        return stored

    def file_for(self, file_id: str) -> StoredFile:
        if file_id not in self.files:
            n = next(self._file_counter)
            self.files[file_id] = StoredFile(
                file_id=file_id,
                file_unique_id=f"u-{file_id}",
                file_path=f"documents/file_{n}.bin",
                file_size=1024,
            )
        return self.files[file_id]

    def file_by_path(self, path: str) -> StoredFile | None:
        for stored in self.files.values():
            if stored.file_path == path:
                return stored
        return None

    def _input_file(self, value: Any, kind: str, uploads: Mapping[str, Upload]) -> StoredFile:
        if isinstance(value, str) and value.startswith("attach://"):
            upload = uploads.get(value[len("attach://") :])
            if upload is None:
                raise bad_request(f"file must be non-empty ({value} not uploaded)")
            ext = upload.filename.rsplit(".", 1)[-1] if "." in upload.filename else "bin"
            return self.new_file(kind, upload.content, ext)
        if isinstance(value, str) and value.startswith(("http://", "https://")):
            return self.new_file(kind)
        if not value:
            raise bad_request(f"there is no {kind} in the request")
        return self.file_for(str(value))

    def _media_object(self, kind: str, stored: StoredFile, item: Mapping[str, Any]) -> Any:
        base: dict[str, Any] = {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id}
        if stored.file_size is not None:
            base["file_size"] = stored.file_size
        if kind == "photo":
            thumb = {**base, "file_id": stored.file_id + "-s", "file_unique_id": stored.file_unique_id + "-s"}
            return [{**thumb, "width": 90, "height": 67}, {**base, "width": 1280, "height": 960}]
        if kind in ("video", "animation"):
            return {**base, "width": 1280, "height": 720, "duration": int(item.get("duration") or 10)}
        if kind in ("audio", "voice"):
            return {**base, "duration": int(item.get("duration") or 10)}
        if kind == "sticker":
            return {
                **base,
                "type": "regular",
                "width": 512,
                "height": 512,
                "is_animated": False,
                "is_video": False,
            }
        filename = stored.file_path.rsplit("/", 1)[-1]
        return {**base, "file_name": filename}

    # ---- messages

    def _text(self, value: Any, parse_mode: Any, *, caption: bool) -> str:
        text = "" if value is None else str(value)
        if self.validate and str(getattr(parse_mode, "value", parse_mode) or "").upper() == "HTML":
            text = check_html(text)
        if self.validate:
            if caption and len(text) > MAX_CAPTION:
                raise bad_request("message caption is too long")
            if not caption and len(text) > MAX_TEXT:
                raise bad_request("message is too long")
            if not caption and not text.strip():
                raise bad_request("message text is empty")
        return text

    def _new_message(
        self, me: Mapping[str, Any], params: Mapping[str, Any], chat_id: Any = None
    ) -> dict[str, Any]:
        chat = self.chat(params.get("chat_id") if chat_id is None else chat_id)
        message: dict[str, Any] = {
            "message_id": self.next_message_id(chat["id"]),
            "date": int(time.time()),
            "chat": dict(chat),
        }
        if chat.get("type") == "channel":
            message["sender_chat"] = dict(chat)
        else:
            message["from"] = dict(me)
        thread = _maybe_int(params.get("message_thread_id"))
        if isinstance(thread, int):
            message["message_thread_id"] = thread
        reply_to = _maybe_int(params.get("reply_to_message_id"))
        reply_parameters = _as_json(params.get("reply_parameters"))
        if isinstance(reply_parameters, Mapping):
            reply_to = _maybe_int(reply_parameters.get("message_id"))
        if isinstance(reply_to, int):
            original = self.messages.get((chat["id"], reply_to))
            if original is not None:
                message["reply_to_message"] = {k: v for k, v in original.items() if k != "reply_to_message"}
        self._apply_markup(message, params)
        return message

    def _apply_markup(self, message: dict[str, Any], params: Mapping[str, Any]) -> None:
        markup = _as_json(params.get("reply_markup"))
        if self.validate:
            _callback_data_ok(markup)
        if isinstance(markup, Mapping) and "inline_keyboard" in markup:
            message["reply_markup"] = dict(markup)
        else:
            message.pop("reply_markup", None)

    def _store(self, message: dict[str, Any]) -> dict[str, Any]:
        self.messages[(message["chat"]["id"], message["message_id"])] = message
        return message

    def _find_message(self, params: Mapping[str, Any], me: Mapping[str, Any]) -> dict[str, Any] | None:
        """The message an edit targets (a stub if unknown); None for inline messages."""
        if params.get("inline_message_id"):
            return None
        chat = self.chat(params.get("chat_id"))
        mid = _maybe_int(params.get("message_id"))
        if not isinstance(mid, int):
            raise bad_request("message identifier is not specified")
        found = self.messages.get((chat["id"], mid))
        if found is None:
            found = {"message_id": mid, "date": int(time.time()) - 60, "chat": dict(chat), "from": dict(me)}
        return found

    # ---- dispatch

    def handle(
        self,
        method: str,
        params: Mapping[str, Any],
        uploads: Mapping[str, Upload] | None = None,
        *,
        bot_id: int = upd.BOT_ID,
    ) -> Any:
        """Answer one method call; raise :class:`ApiError` for an error answer."""
        name = canonical_method(method)
        uploads = uploads or {}
        me = self.me(bot_id)
        handler = getattr(self, f"_m_{name}", None)
        if handler is not None:
            return handler(params, uploads, me, bot_id)
        kind = name[4:].lower()
        if name.startswith("send") and kind in MEDIA_KINDS:
            return self._send_media(kind, params, uploads, me)
        return True

    def _m_getMe(self, params: Mapping[str, Any], uploads: Any, me: Any, bot_id: int) -> Any:
        return self.get_me(bot_id)

    def _m_getUpdates(self, params: Mapping[str, Any], uploads: Any, me: Any, bot_id: int) -> Any:
        return []

    def _m_getWebhookInfo(self, params: Mapping[str, Any], uploads: Any, me: Any, bot_id: int) -> Any:
        return {"url": self.webhook_url, "has_custom_certificate": False, "pending_update_count": 0}

    def _m_setWebhook(self, params: Mapping[str, Any], uploads: Any, me: Any, bot_id: int) -> Any:
        url = str(params.get("url") or "")
        if url and not url.startswith("https://"):
            raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        secret = str(params.get("secret_token") or "")
        if secret and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", secret):
            raise bad_request("bad webhook: secret token contains unallowed characters")
        self.webhook_url = url
        self.webhook_secret = secret
        allowed = _as_json(params.get("allowed_updates"))
        self.webhook_allowed_updates = list(allowed) if allowed is not None else None
        return True

    def _m_deleteWebhook(self, params: Mapping[str, Any], uploads: Any, me: Any, bot_id: int) -> Any:
        self.webhook_url = ""
        self.webhook_secret = ""
        return True

    @staticmethod
    def _commands_key(params: Mapping[str, Any]) -> str:
        scope = _as_json(params.get("scope")) or {"type": "default"}
        return json.dumps([scope, params.get("language_code") or ""], sort_keys=True)

    def _m_setMyCommands(self, params: Mapping[str, Any], uploads: Any, me: Any, bot_id: int) -> Any:
        commands = _as_json(params.get("commands")) or []
        self.commands[self._commands_key(params)] = [
            {"command": c["command"], "description": c["description"]} for c in commands
        ]
        return True

    def _m_getMyCommands(self, params: Mapping[str, Any], uploads: Any, me: Any, bot_id: int) -> Any:
        return self.commands.get(self._commands_key(params), [])

    def _m_deleteMyCommands(self, params: Mapping[str, Any], uploads: Any, me: Any, bot_id: int) -> Any:
        self.commands.pop(self._commands_key(params), None)
        return True

    def _m_sendMessage(self, params: Mapping[str, Any], uploads: Any, me: Any, bot_id: int) -> Any:
        message = self._new_message(me, params)
        message["text"] = self._text(params.get("text"), params.get("parse_mode"), caption=False)
        entities = _as_json(params.get("entities"))
        if entities:
            message["entities"] = entities
        return self._store(message)

    def _send_media(
        self, kind: str, params: Mapping[str, Any], uploads: Mapping[str, Upload], me: Any
    ) -> Any:
        stored = self._input_file(params.get(kind), kind, uploads)
        message = self._new_message(me, params)
        message[kind] = self._media_object(kind, stored, params)
        if params.get("caption") is not None:
            message["caption"] = self._text(params.get("caption"), params.get("parse_mode"), caption=True)
        return self._store(message)

    def _m_sendMediaGroup(
        self, params: Mapping[str, Any], uploads: Mapping[str, Upload], me: Any, bot_id: int
    ) -> Any:
        media = _as_json(params.get("media")) or []
        if self.validate and not 2 <= len(media) <= 10:
            raise bad_request("wrong number of media in the album: must be 2-10")
        group_id = str(10_000_000 + next(self._group_counter))
        messages = []
        for item in media:
            kind = item.get("type", "photo")
            stored = self._input_file(item.get("media"), kind, uploads)
            message = self._new_message(me, {**params, "reply_markup": None})
            message["media_group_id"] = group_id
            message[kind] = self._media_object(kind, stored, item)
            if item.get("caption") is not None:
                message["caption"] = self._text(item.get("caption"), item.get("parse_mode"), caption=True)
            messages.append(self._store(message))
        return messages

    _CONTENT_KEYS = (
        "text entities caption caption_entities photo video document audio voice animation sticker "
        "media_group_id".split()
    )

    def _source(self, params: Mapping[str, Any]) -> dict[str, Any]:
        from_chat = self.chat(params.get("from_chat_id"))
        mid = _maybe_int(params.get("message_id"))
        found = self.messages.get((from_chat["id"], mid)) if isinstance(mid, int) else None
        return found or {"chat": from_chat, "date": int(time.time()) - 60, "text": "…"}

    def _m_copyMessage(self, params: Mapping[str, Any], uploads: Any, me: Any, bot_id: int) -> Any:
        source = self._source(params)
        message = self._new_message(me, params)
        for key in self._CONTENT_KEYS:
            if key in source and key != "media_group_id":
                message[key] = source[key]
        if params.get("caption") is not None and "text" not in message:
            message["caption"] = self._text(params.get("caption"), params.get("parse_mode"), caption=True)
        self._store(message)
        return {"message_id": message["message_id"]}

    def _m_forwardMessage(self, params: Mapping[str, Any], uploads: Any, me: Any, bot_id: int) -> Any:
        source = self._source(params)
        message = self._new_message(me, {"chat_id": params.get("chat_id")})
        for key in self._CONTENT_KEYS:
            if key in source and key != "media_group_id":
                message[key] = source[key]
        chat = source["chat"]
        if "forward_origin" in source:
            origin = source["forward_origin"]
        elif chat.get("type") == "channel":
            origin = {
                "type": "channel",
                "date": source["date"],
                "chat": chat,
                "message_id": params.get("message_id"),
            }
        elif "from" in source:
            origin = {"type": "user", "date": source["date"], "sender_user": source["from"]}
        else:
            origin = {"type": "chat", "date": source["date"], "sender_chat": chat}
        message["forward_origin"] = origin
        return self._store(message)

    def _edit(self, params: Mapping[str, Any], me: Any, change: Callable[[dict[str, Any]], None]) -> Any:
        target = self._find_message(params, me)
        if target is None:
            dummy: dict[str, Any] = {}
            change(dummy)
            return True
        edited = dict(target)
        change(edited)
        if self.validate and (target.get("chat", {}).get("id"), target["message_id"]) in self.messages:
            same = all(edited.get(k) == target.get(k) for k in ("text", "caption", "reply_markup"))
            if same:
                raise bad_request(
                    "message is not modified: specified new message content and reply markup are exactly "
                    "the same as a current content and reply markup of the message"
                )
        edited["edit_date"] = int(time.time())
        return self._store(edited)

    def _m_editMessageText(self, params: Mapping[str, Any], uploads: Any, me: Any, bot_id: int) -> Any:
        def change(message: dict[str, Any]) -> None:
            message["text"] = self._text(params.get("text"), params.get("parse_mode"), caption=False)
            entities = _as_json(params.get("entities"))
            if entities:
                message["entities"] = entities
            else:
                message.pop("entities", None)
            self._apply_markup(message, params)

        return self._edit(params, me, change)

    def _m_editMessageCaption(self, params: Mapping[str, Any], uploads: Any, me: Any, bot_id: int) -> Any:
        def change(message: dict[str, Any]) -> None:
            message["caption"] = self._text(params.get("caption"), params.get("parse_mode"), caption=True)
            self._apply_markup(message, params)

        return self._edit(params, me, change)

    def _m_editMessageReplyMarkup(self, params: Mapping[str, Any], uploads: Any, me: Any, bot_id: int) -> Any:
        return self._edit(params, me, lambda message: self._apply_markup(message, params))

    def _m_deleteMessage(self, params: Mapping[str, Any], uploads: Any, me: Any, bot_id: int) -> Any:
        chat = self.chat(params.get("chat_id"))
        self.messages.pop((chat["id"], _maybe_int(params.get("message_id"))), None)
        return True

    def _m_answerCallbackQuery(self, params: Mapping[str, Any], uploads: Any, me: Any, bot_id: int) -> Any:
        if self.validate and len(str(params.get("text") or "")) > 200:
            raise bad_request("MESSAGE_TOO_LONG")
        return True

    def _m_getChat(self, params: Mapping[str, Any], uploads: Any, me: Any, bot_id: int) -> Any:
        chat = self.known_chat(params.get("chat_id"))
        return {
            **chat,
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        }

    def _m_getChatMember(self, params: Mapping[str, Any], uploads: Any, me: Any, bot_id: int) -> Any:
        # lenient, unlike getChat: a chat met only through an incoming update (my_chat_member fed to
        # the Dispatcher directly) is not registered in the core
        chat = self.chat(params.get("chat_id"))
        user_id = _maybe_int(params.get("user_id"))
        member = self.members.get((chat["id"], user_id))
        if member is not None:
            return member
        if user_id == bot_id:
            return upd.chat_member_dict(me, "administrator" if chat["id"] < 0 else "member")
        return upd.chat_member_dict(upd.user_dict(int(user_id)), "member")

    def _m_getChatAdministrators(self, params: Mapping[str, Any], uploads: Any, me: Any, bot_id: int) -> Any:
        chat = self.chat(params.get("chat_id"))
        admins = [
            m
            for (cid, _), m in self.members.items()
            if cid == chat["id"] and m["status"] in ("creator", "administrator")
        ]
        return admins or [upd.chat_member_dict(me, "administrator")]

    def _m_getFile(self, params: Mapping[str, Any], uploads: Any, me: Any, bot_id: int) -> Any:
        stored = self.file_for(str(params.get("file_id")))
        result: dict[str, Any] = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_path": stored.file_path,
        }
        if stored.file_size is not None:
            result["file_size"] = stored.file_size
        return result


# --------------------------------------------------------------------------- the HTTP server


class _Signal:
    """Wake every waiter; callable from synchronous code running in the loop."""

    def __init__(self) -> None:
        self._waiters: set[asyncio.Future[None]] = set()

    def notify(self) -> None:
        for waiter in self._waiters:
            if not waiter.done():
                waiter.set_result(None)
        self._waiters.clear()

    async def wait(self, timeout: float) -> None:  # noqa: ASYNC109
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.add(waiter)
        try:
            await asyncio.wait_for(waiter, timeout)
        except TimeoutError:
            pass
        finally:
            self._waiters.discard(waiter)


class FakeBotAPI:
    """The fake Bot API over HTTP. ``calls`` records every method except ``getUpdates``."""

    def __init__(
        self,
        *,
        enforce_limits: bool = False,
        limits: RateLimits | None = None,
        core: BotAPICore | None = None,
        clock: Callable[[], float] = time.monotonic,
        log_calls: bool = False,
    ) -> None:
        self.core = core or BotAPICore()
        self.limiter = RateLimiter(limits, clock) if enforce_limits else None
        self.calls: list[ApiCall] = []
        self.get_updates_count = 0
        self.log_calls = log_calls
        self._updates: list[dict[str, Any]] = []
        self._update_id = itertools.count(1)
        self._update_signal = _Signal()
        self._call_signal = _Signal()
        self._consumed: set[int] = set()
        self._closing = False
        self._runner: web.AppRunner | None = None
        self._slow: list[tuple[str, float, Any]] = []
        self.started: list[ApiCall] = []     # every call (but getUpdates) as it arrives, before its answer
        self.url = ""

    # ---- lifecycle

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        app = web.Application(client_max_size=60 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_method)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        server = getattr(site, "_server", None)
        sockets = getattr(server, "sockets", None) or []
        actual_port = sockets[0].getsockname()[1] if sockets else port
        self.url = f"http://{host}:{actual_port}"
        return self.url

    async def stop(self) -> None:
        self._closing = True
        self._update_signal.notify()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeBotAPI:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def violations(self) -> list[Violation]:
        return self.limiter.violations if self.limiter else []

    # ---- updates

    def push_update(self, update: Mapping[str, Any]) -> dict[str, Any]:
        """Queue an incoming update (its ``update_id`` is replaced by the server's own counter)."""
        data = dict(update)
        data["update_id"] = next(self._update_id)
        self.core.remember_update(data)
        self._updates.append(data)
        self._update_signal.notify()
        return data

    def _message_id_for(self, chat_id: int) -> int:
        return self.core.next_message_id(chat_id)

    def user_message(self, user_id: int, text: str | None, **options: Any) -> dict[str, Any]:
        """A private message update dict with the chat's next message id (see updates.message_dict)."""
        options.setdefault("message_id", self._message_id_for(user_id))
        return upd.private_message_dict(user_id, text, **options)

    def group_message(self, chat_id: int, user_id: int, text: str | None, **options: Any) -> dict[str, Any]:
        options.setdefault("message_id", self._message_id_for(chat_id))
        return upd.group_message_dict(chat_id, user_id, text, **options)

    def callback(
        self, user_id: int, chat_id: int, data: str, message_id: int, **options: Any
    ) -> dict[str, Any]:
        """A callback query under ``message_id``; its text and keyboard come from the stored message."""
        stored = self.core.messages.get((chat_id, message_id))
        if stored is not None:
            options.setdefault("message_text", stored.get("text") or stored.get("caption") or "…")
            if "reply_markup" in stored:
                options.setdefault("reply_markup", stored["reply_markup"])
            options.setdefault("chat_type", stored["chat"].get("type", "private"))
        return upd.callback_dict(user_id, chat_id, data, message_id, **options)

    def my_chat_member(self, chat_id: int, from_user_id: int, **options: Any) -> dict[str, Any]:
        return upd.my_chat_member_dict(chat_id, from_user_id, **options)

    def _select_updates(self, offset: int | None, limit: int, allowed: Any) -> list[dict[str, Any]]:
        if offset is not None:
            if offset < 0:
                self._updates = self._updates[offset:]
            else:
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
        if allowed:
            allowed_set = set(allowed)
            self._updates = [u for u in self._updates if (set(u) - {"update_id"}) & allowed_set]
        return self._updates[:limit]

    async def _get_updates(self, params: Mapping[str, Any]) -> list[dict[str, Any]]:
        self.get_updates_count += 1
        offset = _maybe_int(params.get("offset"))
        limit = int(_maybe_int(params.get("limit")) or 100)
        timeout = float(_maybe_int(params.get("timeout")) or 0)
        allowed = _as_json(params.get("allowed_updates"))
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            found = self._select_updates(offset if isinstance(offset, int) else None, limit, allowed)
            remaining = deadline - asyncio.get_running_loop().time()
            if found or remaining <= 0 or self._closing:
                return found
            await self._update_signal.wait(remaining)

    # ---- calls

    def fail_next(self, method: str, **options: Any) -> None:
        """See :meth:`BotAPICore.fail_next` (``status``, ``description``, ``retry_after``, ``chat_id``, ``times``)."""
        self.core.fail_next(method, **options)

    def slow(self, method: str, seconds: float, *, chat_id: Any = None) -> None:
        """Answer ``method`` (to ``chat_id`` when given) only after ``seconds``: a slow Telegram."""
        self._slow.append((canonical_method(method), seconds, chat_id))

    def clear_slow(self) -> None:
        self._slow.clear()

    def _delay_for(self, name: str, params: Mapping[str, Any]) -> float:
        return max((seconds for method, seconds, chat in self._slow
                    if method == name and (chat is None or _maybe_int(params.get("chat_id")) == chat)), default=0.0)

    async def wait_for_start(self, method: str, predicate: Callable[[ApiCall], bool] | None = None,
                             timeout: float = 10.0) -> ApiCall:  # noqa: ASYNC109
        """The first call of ``method`` (matching ``predicate``) that has arrived, answered or not."""
        name = canonical_method(method)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            for call in self.started:
                if call.method == name and (predicate is None or predicate(call)):
                    return call
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise AssertionError(f"no {name} call started within {timeout} s")
            await self._call_signal.wait(remaining)

    def calls_of(self, method: str) -> list[ApiCall]:
        name = canonical_method(method)
        return [call for call in self.calls if call.method == name]

    def sent_texts(self, chat_id: Any = None) -> list[str]:
        return [
            str(call.params.get("text"))
            for call in self.calls_of("sendMessage")
            if call.error is None and (chat_id is None or _maybe_int(call.chat_id) == _maybe_int(chat_id))
        ]

    def mark_all_seen(self) -> None:
        """Make :meth:`wait_for_call` ignore every call recorded so far."""
        self._consumed.update(range(len(self.calls)))

    async def wait_for_call(
        self,
        method: str,
        predicate: Callable[[ApiCall], bool] | None = None,
        timeout: float = 10.0,  # noqa: ASYNC109
    ) -> ApiCall:
        """Return the first not yet returned call of ``method`` matching ``predicate`` (past or future).

        Each call is returned by at most one ``wait_for_call``; raises ``AssertionError`` on timeout.
        """
        name = canonical_method(method)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            for index, call in enumerate(self.calls):
                if index in self._consumed or call.method != name:
                    continue
                if predicate is None or predicate(call):
                    self._consumed.add(index)
                    return call
            remaining = deadline - loop.time()
            if remaining <= 0:
                seen = ", ".join(f"{c.method}({c.params.get('text', '')!r:.40})" for c in self.calls[-20:])
                raise AssertionError(f"no {name} call within {timeout} s; recent calls: {seen or 'none'}")
            await self._call_signal.wait(remaining)

    # ---- HTTP handlers

    async def _read_params(self, request: web.Request) -> tuple[dict[str, Any], dict[str, Upload]]:
        params: dict[str, Any] = {k: decode_form_value(k, v) for k, v in request.query.items()}
        uploads: dict[str, Upload] = {}
        if request.content_type == "application/json":
            body = await request.json()
            if isinstance(body, Mapping):
                params.update(body)
        elif request.can_read_body:
            form = await request.post()
            for key, value in form.items():
                if isinstance(value, web.FileField):
                    content = value.file.read()
                    uploads[key] = Upload(key, value.filename or key, content, value.content_type)
                else:
                    params[key] = decode_form_value(key, str(value))
        return params, uploads

    @staticmethod
    def _json(payload: Any, status: int = 200) -> web.Response:
        return web.Response(
            text=json.dumps(payload, ensure_ascii=False), status=status, content_type="application/json"
        )

    async def _handle_method(self, request: web.Request) -> web.Response:
        token = request.match_info["token"]
        name = canonical_method(request.match_info["method"])
        bot_id = _maybe_int(token.split(":", 1)[0])
        if not isinstance(bot_id, int):
            return self._json({"ok": False, "error_code": 401, "description": "Unauthorized"}, 401)
        try:
            params, uploads = await self._read_params(request)
        except ValueError as exc:
            return self._json({"ok": False, "error_code": 400, "description": f"Bad Request: {exc}"}, 400)
        if name == "getUpdates":
            if self.core.webhook_url:
                return self._json({"ok": False, "error_code": 409, "description": (
                    "Conflict: can't use getUpdates method while webhook is active; "
                    "use deleteWebhook to delete the webhook first")}, 409)
            return self._json({"ok": True, "result": await self._get_updates(params)})
        call = ApiCall(name, params, time.time(), uploads, token)
        self.started.append(call)
        self._call_signal.notify()
        delay = self._delay_for(name, params)
        if delay > 0:
            await asyncio.sleep(delay)
        try:
            failure = self.core.take_failure(name, params)
            if failure is not None:
                raise failure
            if self.limiter is not None:
                self.limiter.check(name, params.get("chat_id"))
            call.result = self.core.handle(name, params, uploads, bot_id=bot_id)
            payload: dict[str, Any] = {"ok": True, "result": call.result}
        except ApiError as exc:
            call.status = exc.status
            call.error = payload = exc.payload()
        self.calls.append(call)
        if self.log_calls:
            print(f"<- {name} {json.dumps(params, ensure_ascii=False)[:300]} -> {call.status}", flush=True)
        self._call_signal.notify()
        return self._json(payload, call.status)

    async def _handle_file(self, request: web.Request) -> web.StreamResponse:
        stored = self.core.file_by_path(request.match_info["path"])
        if stored is None:
            return self._json({"ok": False, "error_code": 404, "description": "Not Found"}, 404)
        return web.Response(body=stored.content if stored.content is not None else b"fake file content")


# --------------------------------------------------------------------------- standalone


async def _console(server: FakeBotAPI) -> None:
    loop = asyncio.get_running_loop()
    while True:
        line = await loop.run_in_executor(None, sys.stdin.readline)
        if not line:
            await asyncio.Event().wait()  # stdin closed: keep serving
        parts = line.strip().split(maxsplit=3)
        try:
            if len(parts) == 4 and parts[0] == "cb":
                server.push_update(server.callback(int(parts[1]), int(parts[1]), parts[3], int(parts[2])))
            elif len(parts) >= 2:
                user_id, _, text = line.strip().partition(" ")
                server.push_update(server.user_message(int(user_id), text))
            elif parts:
                print("usage: <user_id> <text> | cb <user_id> <message_id> <data>", flush=True)
        except ValueError as exc:
            print(f"error: {exc}", flush=True)


async def _serve(host: str, port: int, enforce_limits: bool) -> None:
    server = FakeBotAPI(enforce_limits=enforce_limits, log_calls=True)
    url = await server.start(host, port)
    print(f"Fake Bot API listening on {url} (set TELEGRAM_API_URL={url})", flush=True)
    try:
        await _console(server)
    finally:
        await server.stop()


def main(argv: Iterable[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Local fake Telegram Bot API for manual play and tests")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--enforce-limits", action="store_true")
    args = parser.parse_args(list(argv) if argv is not None else None)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(args.host, args.port, args.enforce_limits))


if __name__ == "__main__":
    main()
