"""The demo's Telegram: an in-process Bot API session and the updates people send, no network.

:class:`DemoSession` is an aiogram ``BaseSession``: every request the real bot makes is answered as
Telegram would (per-chat message ids, the message objects Telegram returns, ``400 Bad Request`` for
HTML Telegram cannot parse, a text over 4096 or a caption over 1024 characters, an empty text, a
callback data over 64 bytes, an edit that changes nothing) through aiogram's own ``check_response``,
so the bot gets the same objects and exceptions as in production. It also keeps what each chat
shows: the bot's messages with their current text (HTML rendered as plain text) and buttons, and
a log of what changed, which the demo prints step by step.

:class:`People` builds the updates (private and group messages, forwards, photos, replies, button
presses) with the moving clock's dates and the chat's own message ids.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import AsyncGenerator
from dataclasses import dataclass, field
from datetime import timedelta
from html.parser import HTMLParser
from typing import Any, cast

from aiogram import Bot
from aiogram.client.session.base import BaseSession
from aiogram.methods import TelegramMethod
from aiogram.methods.base import TelegramType
from aiogram.types import InputFile, Update

from bot.runtime.clock import Clock

BOT_ID = 42                      # the demo token is "42:DEMO": aiogram takes the bot's id from it
BOT_USERNAME = "demo_municipal_bot"
TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
CALLBACK_DATA_LIMIT = 64
#: Tags Telegram accepts with parse_mode=HTML (https://core.telegram.org/bots/api#html-style).
ALLOWED_TAGS = frozenset({"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre",
                          "blockquote", "tg-spoiler", "span", "tg-emoji"})
SEND_MEDIA = {"sendPhoto": "photo", "sendVideo": "video", "sendDocument": "document", "sendAnimation": "animation"}
MEDIA_NAME = {"photo": "фото", "video": "видео", "document": "документ", "animation": "анимация"}


class BadRequest(Exception):
    """What Telegram answers with ``400 Bad Request``."""

    def __init__(self, description: str) -> None:
        super().__init__(description)
        self.description = f"Bad Request: {description}"


# ---- HTML as Telegram parses it, rendered as plain text ------------------------------------------

class _PlainText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.stack: list[tuple[str, int, str | None]] = []    # tag, where its text starts, href

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_TAGS:
            raise BadRequest(f'can\'t parse entities: Unsupported start tag "{tag}"')
        href = dict(attrs).get("href") if tag == "a" else None
        self.stack.append((tag, len(self.parts), href))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        raise BadRequest(f'can\'t parse entities: Unsupported start tag "{tag}"')

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1][0] != tag:
            raise BadRequest(f'can\'t parse entities: Unmatched end tag "{tag}"')
        _, start, href = self.stack.pop()
        inner = "".join(self.parts[start:])
        if tag == "blockquote":
            quoted = "\n".join("┃ " + line for line in inner.strip("\n").split("\n"))
            self.parts[start:] = [quoted]
        elif tag == "a" and href and href != inner:
            self.parts[start:] = [f"{inner} ({href})"]

    def handle_data(self, data: str) -> None:
        self.parts.append(data)

    def result(self) -> str:
        self.close()
        if self.stack:
            raise BadRequest(f'can\'t parse entities: Can\'t find end tag corresponding to start tag "{self.stack[-1][0]}"')
        return "".join(self.parts)


def plain_text(text: str, parse_mode: str | None) -> str:
    """The text a person sees: HTML tags applied (here: removed), entities decoded; 400 if Telegram would refuse."""
    if parse_mode is None or parse_mode.lower() != "html":
        return text
    parser = _PlainText()
    parser.feed(text)
    return parser.result()


# ---- what the chats show ---------------------------------------------------------------------------

Buttons = list[list[tuple[str, str]]]      # rows of (label, callback data or url)


@dataclass
class Shown:
    """A message in a chat as a person sees it now."""

    chat_id: int
    message_id: int
    text: str = ""                  # text or caption, plain
    buttons: Buttons = field(default_factory=list)
    media: str | None = None        # "photo", "video", "document"
    file_label: str | None = None   # what the file shows
    file_id: str | None = None

    def copy(self) -> Shown:
        return Shown(self.chat_id, self.message_id, self.text, [list(r) for r in self.buttons], self.media,
                     self.file_label, self.file_id)


@dataclass
class Change:
    """One thing that happened on screen: ``new`` message, ``edit`` (text), ``buttons`` (keyboard only),
    ``toast`` (the little answer to a pressed button), ``deleted``."""

    kind: str
    chat_id: int
    shown: Shown
    before: Shown | None = None     # for edits: what the message showed until now


def _buttons(markup: Any) -> Buttons:
    if not isinstance(markup, dict):
        return []
    rows: Buttons = []
    for row in markup.get("inline_keyboard", []):
        rows.append([(str(b.get("text", "")), str(b.get("callback_data") or b.get("url") or "")) for b in row])
    return rows


def _check_buttons(markup: Any) -> None:
    for row in (markup or {}).get("inline_keyboard", []) if isinstance(markup, dict) else []:
        for b in row:
            if len(str(b.get("callback_data", "")).encode()) > CALLBACK_DATA_LIMIT:
                raise BadRequest("BUTTON_DATA_INVALID")


def _json_default(value: Any) -> Any:
    return getattr(value, "value", str(value))


def method_params(session: BaseSession, bot: Bot,
                  method: TelegramMethod[Any]) -> tuple[dict[str, Any], dict[str, InputFile]]:
    """A method's parameters as plain JSON values, exactly what Telegram would receive (enums become
    their values), and its uploads; shared by the demo's session and the tests' recording session."""
    files: dict[str, InputFile] = {}
    params: dict[str, Any] = {}
    for key, value in method.model_dump(warnings=False).items():
        prepared = session.prepare_value(value, bot=bot, files=files, _dumps_json=False)
        if prepared is not None:
            params[key] = prepared
    return json.loads(json.dumps(params, ensure_ascii=False, default=_json_default)), files


class DemoSession(BaseSession):
    """The Bot API in memory; see the module docstring."""

    def __init__(self, clock: Clock, chat_titles: dict[int, str]) -> None:
        super().__init__()
        self.clock = clock
        self.chat_titles = chat_titles
        self.shown: dict[tuple[int, int], Shown] = {}
        self.changes: list[Change] = []
        self.toasts: dict[str, tuple[str, bool]] = {}        # callback query id -> (text, show_alert)
        self.file_labels: dict[str, str] = {}                 # file_id -> what the picture shows
        self._ids: dict[int, itertools.count[int]] = {}
        self._uploads = itertools.count(1)

    # ---- ids and chats
    def next_message_id(self, chat_id: int) -> int:
        return next(self._ids.setdefault(chat_id, itertools.count(1)))

    def chat(self, chat_id: int) -> dict[str, Any]:
        if chat_id > 0:
            return {"id": chat_id, "type": "private", "first_name": self.chat_titles.get(chat_id, "Пользователь")}
        kind = "supergroup" if str(chat_id).startswith("-100") else "group"
        return {"id": chat_id, "type": kind, "title": self.chat_titles.get(chat_id, f"Группа {chat_id}")}

    def bot_user(self) -> dict[str, Any]:
        return {"id": BOT_ID, "is_bot": True, "first_name": "Бот администрации", "username": BOT_USERNAME}

    # ---- BaseSession
    async def close(self) -> None:
        return None

    async def stream_content(self, url: str, headers: dict[str, Any] | None = None, timeout: int = 30,  # noqa: ASYNC109
                             chunk_size: int = 65536, raise_for_status: bool = True) -> AsyncGenerator[bytes, None]:
        yield b""

    async def make_request(self, bot: Bot, method: TelegramMethod[TelegramType],
                           timeout: int | None = None) -> TelegramType:  # noqa: ASYNC109
        name = method.__api_method__
        params, files = method_params(self, bot, method)
        for key, upload in files.items():
            params[f"__upload_{key}"] = upload.filename or key
        handler = getattr(self, f"_m_{name}", None)
        if handler is None:
            raise NotImplementedError(f"the demo's Bot API does not answer {name}")
        try:
            payload: dict[str, Any] = {"ok": True, "result": handler(params)}
            status = 200
        except BadRequest as exc:
            payload, status = {"ok": False, "error_code": 400, "description": exc.description}, 400
        response = self.check_response(bot, method, status, json.dumps(payload, ensure_ascii=False))
        return cast(TelegramType, response.result)

    # ---- methods
    def _message(self, chat_id: int, message_id: int) -> dict[str, Any]:
        return {"message_id": message_id, "date": int(self.clock.now().timestamp()), "chat": self.chat(chat_id),
                "from": self.bot_user()}

    def _record(self, kind: str, shown: Shown) -> None:
        before = self.shown.get((shown.chat_id, shown.message_id))
        self.shown[(shown.chat_id, shown.message_id)] = shown
        self.changes.append(Change(kind, shown.chat_id, shown.copy(), before.copy() if before else None))

    def _file(self, params: dict[str, Any], key: str) -> tuple[str, str]:
        value = params.get(key)
        if isinstance(value, str) and value.startswith("attach://"):
            file_id = f"upload-{next(self._uploads)}"
            label = str(params.get(f"__upload_{value.removeprefix('attach://')}", "файл"))
        elif isinstance(value, str):
            file_id, label = value, self.file_labels.get(value, value)
        else:
            raise BadRequest(f"there is no {key} in the request")
        self.file_labels.setdefault(file_id, label)
        return file_id, label

    def _m_getMe(self, params: dict[str, Any]) -> Any:
        return {**self.bot_user(), "can_join_groups": True, "can_read_all_group_messages": True,
                "supports_inline_queries": False}

    def _m_sendMessage(self, params: dict[str, Any]) -> Any:
        raw = str(params.get("text", ""))
        if not raw.strip():
            raise BadRequest("message text is empty")
        text = plain_text(raw, params.get("parse_mode"))
        if len(text) > TEXT_LIMIT:
            raise BadRequest("message is too long")
        _check_buttons(params.get("reply_markup"))
        chat_id = int(params["chat_id"])
        message = self._message(chat_id, self.next_message_id(chat_id))
        message["text"] = text
        if params.get("reply_markup"):
            message["reply_markup"] = params["reply_markup"]
        self._record("new", Shown(chat_id, message["message_id"], text, _buttons(params.get("reply_markup"))))
        return message

    @staticmethod
    def _media_field(kind: str, file_id: str) -> Any:
        """The ``photo`` / ``video`` / ``animation`` / ``document`` field of a message, as Telegram sends it."""
        unique = f"u-{file_id}"
        if kind == "photo":
            return [{"file_id": file_id, "file_unique_id": unique, "width": w, "height": w * 3 // 4}
                    for w in (320, 1280)]
        if kind == "video":
            return {"file_id": file_id, "file_unique_id": unique, "width": 1280, "height": 720, "duration": 10}
        if kind == "animation":
            return {"file_id": file_id, "file_unique_id": unique, "width": 480, "height": 360, "duration": 3}
        return {"file_id": file_id, "file_unique_id": unique, "file_name": file_id}

    def _media_message(self, chat_id: int, kind: str, file_id: str, caption: str) -> dict[str, Any]:
        message = self._message(chat_id, self.next_message_id(chat_id))
        message[kind if kind in ("photo", "video", "animation") else "document"] = self._media_field(kind, file_id)
        if caption:
            message["caption"] = caption
        return message

    def _send_media(self, params: dict[str, Any], kind: str) -> Any:
        chat_id = int(params["chat_id"])
        caption = plain_text(str(params.get("caption") or ""), params.get("parse_mode"))
        if len(caption) > CAPTION_LIMIT:
            raise BadRequest("message caption is too long")
        _check_buttons(params.get("reply_markup"))
        file_id, label = self._file(params, kind)
        message = self._media_message(chat_id, kind, file_id, caption)
        self._record("new", Shown(chat_id, message["message_id"], caption, _buttons(params.get("reply_markup")),
                                  kind, label, file_id))
        return message

    def _m_sendPhoto(self, params: dict[str, Any]) -> Any:
        return self._send_media(params, "photo")

    def _m_sendVideo(self, params: dict[str, Any]) -> Any:
        return self._send_media(params, "video")

    def _m_sendDocument(self, params: dict[str, Any]) -> Any:
        return self._send_media(params, "document")

    def _m_sendAnimation(self, params: dict[str, Any]) -> Any:
        return self._send_media(params, "animation")

    def _m_sendMediaGroup(self, params: dict[str, Any]) -> Any:
        chat_id = int(params["chat_id"])
        items = params.get("media") or []
        if not 2 <= len(items) <= 10:
            raise BadRequest("wrong number of media in the album: 2 to 10 are allowed")
        out = []
        for item in items:
            kind = str(item.get("type", "photo"))
            file_id, label = self._file(item, "media")
            caption = plain_text(str(item.get("caption") or ""), item.get("parse_mode"))
            message = self._media_message(chat_id, kind, file_id, caption)
            self._record("new", Shown(chat_id, message["message_id"], caption, [], kind, label, file_id))
            out.append(message)
        return out

    def _existing(self, params: dict[str, Any]) -> Shown:
        key = (int(params["chat_id"]), int(params["message_id"]))
        if key not in self.shown:
            raise BadRequest("message to edit not found")
        return self.shown[key]

    def _edited(self, shown: Shown) -> dict[str, Any]:
        message = self._message(shown.chat_id, shown.message_id)
        message["edit_date"] = message["date"]
        if shown.media:
            kind = shown.media if shown.media in ("photo", "video", "animation") else "document"
            message[kind] = self._media_field(shown.media, shown.file_id or "file")
            if shown.text:
                message["caption"] = shown.text
        else:
            message["text"] = shown.text
        return message

    def _m_editMessageText(self, params: dict[str, Any]) -> Any:
        old = self._existing(params)
        if old.media:
            raise BadRequest("there is no text in the message to edit")
        text = plain_text(str(params.get("text", "")), params.get("parse_mode"))
        if not text.strip():
            raise BadRequest("message text is empty")
        if len(text) > TEXT_LIMIT:
            raise BadRequest("message is too long")
        _check_buttons(params.get("reply_markup"))
        buttons = _buttons(params.get("reply_markup"))    # no reply_markup: Telegram removes the keyboard
        if text == old.text and buttons == old.buttons:
            raise BadRequest("message is not modified: specified new message content and reply markup are "
                             "exactly the same as a current content and reply markup of the message")
        new = Shown(old.chat_id, old.message_id, text, buttons)
        self._record("edit" if text != old.text else "buttons", new)
        return self._edited(new)

    def _m_editMessageCaption(self, params: dict[str, Any]) -> Any:
        old = self._existing(params)
        caption = plain_text(str(params.get("caption") or ""), params.get("parse_mode"))
        if len(caption) > CAPTION_LIMIT:
            raise BadRequest("message caption is too long")
        new = Shown(old.chat_id, old.message_id, caption, _buttons(params.get("reply_markup")), old.media,
                    old.file_label, old.file_id)
        if new.text == old.text and new.buttons == old.buttons:
            raise BadRequest("message is not modified")
        self._record("edit", new)
        return self._edited(new)

    def _m_editMessageReplyMarkup(self, params: dict[str, Any]) -> Any:
        old = self._existing(params)
        _check_buttons(params.get("reply_markup"))
        buttons = _buttons(params.get("reply_markup"))
        if buttons == old.buttons:
            raise BadRequest("message is not modified")
        new = Shown(old.chat_id, old.message_id, old.text, buttons, old.media, old.file_label, old.file_id)
        self._record("buttons", new)
        return self._edited(new)

    def _m_deleteMessage(self, params: dict[str, Any]) -> Any:
        old = self._existing(params)
        del self.shown[(old.chat_id, old.message_id)]
        self.changes.append(Change("deleted", old.chat_id, old.copy()))
        return True

    def _m_answerCallbackQuery(self, params: dict[str, Any]) -> Any:
        text = str(params.get("text") or "")
        if len(text) > 200:
            raise BadRequest("MESSAGE_TOO_LONG")
        self.toasts[str(params["callback_query_id"])] = (text, bool(params.get("show_alert")))
        return True

    def _m_setMyCommands(self, params: dict[str, Any]) -> Any:
        return True

    def _m_deleteWebhook(self, params: dict[str, Any]) -> Any:
        return True


# ---- people ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Person:
    user_id: int
    full_name: str

    def as_user(self) -> dict[str, Any]:
        first, _, last = self.full_name.partition(" ")
        user: dict[str, Any] = {"id": self.user_id, "is_bot": False, "first_name": first, "language_code": "ru"}
        if last:
            user["last_name"] = last
        return user


class People:
    """Updates as Telegram delivers them, dated by the demo's clock, ids from the chat's own counter."""

    def __init__(self, session: DemoSession, clock: Clock) -> None:
        self.session = session
        self.clock = clock
        self._update_ids = itertools.count(1)
        self._callback_ids = itertools.count(1)

    def _now(self) -> int:
        return int(self.clock.now().timestamp())

    def message(self, person: Person, chat_id: int, text: str | None = None, *, photo: str | None = None,
                photo_label: str | None = None, reply_to: int | None = None,
                forward_from_channel: tuple[int, str, str, int] | None = None) -> Update:
        """A message from ``person`` in ``chat_id`` (their private chat when it is their id). ``photo`` is a
        file id (its description ``photo_label`` is what the demo prints); ``text`` is then the caption."""
        chat = self.session.chat(chat_id)
        message: dict[str, Any] = {"message_id": self.session.next_message_id(chat_id), "date": self._now(),
                                   "chat": chat, "from": person.as_user()}
        if forward_from_channel is not None:
            channel_id, title, username, post_id = forward_from_channel
            message["forward_origin"] = {
                "type": "channel", "date": self._now() - int(timedelta(minutes=25).total_seconds()),
                "chat": {"id": channel_id, "type": "channel", "title": title, "username": username},
                "message_id": post_id}
        if photo is not None:
            self.session.file_labels[photo] = photo_label or photo
            message["photo"] = self.session._media_field("photo", photo)
            if text:
                message["caption"] = text
        elif text is not None:
            message["text"] = text
            if text.startswith("/"):
                message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        if reply_to is not None:
            original = self.session.shown.get((chat_id, reply_to))
            replied: dict[str, Any] = {"message_id": reply_to, "date": self._now() - 60, "chat": chat,
                                       "from": self.session.bot_user()}
            if original is not None and original.media == "photo":
                replied["photo"] = [{"file_id": "x", "file_unique_id": "u-x", "width": 320, "height": 240}]
            else:
                replied["text"] = (original.text if original is not None else "") or "…"
            message["reply_to_message"] = replied
        return Update.model_validate({"update_id": next(self._update_ids), "message": message})

    def press(self, person: Person, shown: Shown, data: str) -> tuple[Update, str]:
        """A press of the button with callback ``data`` under the bot's message ``shown``."""
        query_id = f"demo-{next(self._callback_ids)}"
        message = {"message_id": shown.message_id, "date": self._now() - 60, "chat": self.session.chat(shown.chat_id),
                   "from": self.session.bot_user(), "text": shown.text or "…"}
        if shown.buttons:
            message["reply_markup"] = {"inline_keyboard": [[{"text": label, "callback_data": value}
                                                            for label, value in row] for row in shown.buttons]}
        query = {"id": query_id, "from": person.as_user(), "message": message,
                 "chat_instance": f"ci{abs(shown.chat_id)}", "data": data}
        return Update.model_validate({"update_id": next(self._update_ids), "callback_query": query}), query_id
