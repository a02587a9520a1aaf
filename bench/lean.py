"""An in-process Bot API session for benchmarks: no network, no memory that grows with the run.

Every request goes through what the production ``AiohttpSession`` does before the network (each
parameter through ``prepare_value``, nested objects to JSON) and its answer through aiogram's own
``check_response`` (JSON decoding into aiogram objects), so the cost measured is the bot's, minus
the network. Only counters and the last message id of each chat are kept. Not a test double:
results are minimal but valid (message ids per chat, the text or caption sent, the chat).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import AsyncGenerator
from typing import Any, cast

from aiogram import Bot
from aiogram.client.session.base import BaseSession
from aiogram.methods import TelegramMethod
from aiogram.methods.base import TelegramType
from aiogram.types import InputFile

from bot.delivery.sender import RateLimiter

DATE = 1_800_000_000
SENDS = {"sendMessage", "sendPhoto", "sendVideo", "sendDocument", "sendAnimation", "copyMessage",
         "forwardMessage"}
EDITS = {"editMessageText", "editMessageReplyMarkup", "editMessageCaption"}


class LeanSession(BaseSession):
    """Answers Bot API calls in-process; keeps counters and each chat's last message id only."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: Counter[str] = Counter()
        self.last_id: dict[int, int] = {}

    async def close(self) -> None:
        return None

    async def make_request(self, bot: Bot, method: TelegramMethod[TelegramType],
                           timeout: int | None = None) -> TelegramType:  # noqa: ASYNC109
        files: dict[str, InputFile] = {}
        params: dict[str, Any] = {}
        for key, value in method.model_dump(warnings=False).items():
            prepared = self.prepare_value(value, bot=bot, files=files)
            if prepared is not None:
                params[key] = prepared
        name = method.__api_method__
        self.calls[name] += 1
        result = self._result(name, params)
        response = self.check_response(bot, method, 200, json.dumps({"ok": True, "result": result},
                                                                    ensure_ascii=False))
        return cast(TelegramType, response.result)

    def _message(self, chat_id: int, message_id: int, params: dict[str, Any]) -> dict[str, Any]:
        chat: dict[str, Any] = ({"id": chat_id, "type": "private", "first_name": "User"} if chat_id > 0
                                else {"id": chat_id, "type": "supergroup", "title": "Chat"})
        message: dict[str, Any] = {"message_id": message_id, "date": DATE, "chat": chat,
                                   "from": {"id": 42, "is_bot": True, "first_name": "Bot"}}
        if "text" in params:
            message["text"] = params["text"]
        if "caption" in params:
            message["caption"] = params["caption"]
        if "photo" in params:
            message["photo"] = [{"file_id": "p", "file_unique_id": "p", "width": 1, "height": 1}]
        if "reply_markup" in params:
            markup = params["reply_markup"]
            message["reply_markup"] = json.loads(markup) if isinstance(markup, str) else markup
        return message

    def _send(self, chat_id: int, params: dict[str, Any]) -> dict[str, Any]:
        message_id = self.last_id.get(chat_id, 0) + 1
        self.last_id[chat_id] = message_id
        return self._message(chat_id, message_id, params)

    def _result(self, name: str, params: dict[str, Any]) -> Any:
        if name in SENDS:
            return self._send(int(params["chat_id"]), params)
        if name == "sendMediaGroup":
            media = json.loads(params["media"]) if isinstance(params["media"], str) else params["media"]
            return [self._send(int(params["chat_id"]), {"caption": m.get("caption", "")}) for m in media]
        if name in EDITS:
            if "inline_message_id" in params:
                return True
            return self._message(int(params["chat_id"]), int(params["message_id"]), params)
        return True   # answerCallbackQuery, deleteMessage, setMyCommands, pin…: Telegram answers true

    async def stream_content(self, url: str, headers: dict[str, Any] | None = None, timeout: int = 30,  # noqa: ASYNC109
                             chunk_size: int = 65536, raise_for_status: bool = True) -> AsyncGenerator[bytes, None]:
        yield b""


class NoWaitLimiter(RateLimiter):
    """Telegram's rate limits switched off: the benchmark measures the bot, not the waiting."""

    def delay(self, chat_id: int) -> float:
        return 0.0

    def record(self, chat_id: int) -> None:
        return None
