"""The Bot API's wire conventions: method names, error answers, parameters as they arrive, rate limits.

Rate limiting is deliberately strict, with no bursts: sliding windows of at most 30 sends per second
overall, 1 per second per private chat and 20 per minute per group (chat id < 0). Counted methods are
those in :data:`SEND_METHODS` (edits are not). A send over a limit is answered ``429 Too Many Requests``
with ``parameters.retry_after`` and recorded in ``violations``; it does not count towards the window.
"""

from __future__ import annotations

import json
import math
import re
import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

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

_TEXT_FIELDS = frozenset(
    "text caption data description short_description title query url callback_data name "
    "first_name last_name question explanation address emoji sticker inline_message_id "
    "callback_query_id file_id business_connection_id language_code".split()
)
_JSON_FIELDS = frozenset(
    "reply_markup entities caption_entities media commands scope allowed_updates "
    "link_preview_options reply_parameters message_ids options".split()
)
_INTEGER = re.compile(r"-?\d+")


def canonical_method(name: str) -> str:
    return _CANONICAL.get(name.lower(), name)


class ApiError(Exception):
    """An error answer of the Bot API (``ok: false``)."""

    def __init__(self, status: int, description: str, *, retry_after: int | None = None,
                 migrate_to_chat_id: int | None = None) -> None:
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


def maybe_int(value: Any) -> Any:
    """A chat id or message id as Telegram reads it: digits become an int, ``@username`` stays a string."""
    if value is None or isinstance(value, bool | int):
        return value
    text = str(value).strip()
    return int(text) if text.removeprefix("-").isdecimal() else text


def as_json(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def decode_form_value(key: str, value: str) -> Any:
    """Turn one form field as aiogram sends it (everything a string) back into JSON values."""
    if key in _TEXT_FIELDS:
        return value
    if key in _JSON_FIELDS or value[:1] in ("{", "["):
        return as_json(value)
    if value in ("true", "false"):
        return value == "true"
    if _INTEGER.fullmatch(value):
        return int(value)
    return value


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
    """Telegram's limits as strict sliding windows (see the module docstring)."""

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
        chat_key = maybe_int(chat_id)
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
