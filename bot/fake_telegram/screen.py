"""What each chat shows, as a person reads it: the bot's messages with their current text (HTML applied)
and buttons, and a log of every change, kept by watching a :class:`FakeTelegram`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.fake_telegram.files import Upload
from bot.fake_telegram.markup import Buttons, buttons, plain_text
from bot.fake_telegram.methods import FakeTelegram
from bot.fake_telegram.protocol import as_json

SEND_MEDIA = {"sendPhoto": "photo", "sendVideo": "video", "sendDocument": "document", "sendAnimation": "animation"}


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
    ``deleted``; whoever prints the screen may add their own kinds (a person's action, a toast)."""

    kind: str
    chat_id: int
    shown: Shown
    before: Shown | None = None     # for edits: what the message showed until now


def _file_id(media: Any) -> str:
    return str((media[-1] if isinstance(media, list) else media)["file_id"])


class Screen:
    """Every chat's screen; ``labels`` says what a file shows (by file id), for files people send."""

    def __init__(self, telegram: FakeTelegram) -> None:
        self.shown: dict[tuple[int, int], Shown] = {}
        self.changes: list[Change] = []
        self.labels: dict[str, str] = {}
        telegram.watchers.append(self.see)

    def record(self, kind: str, shown: Shown) -> None:
        before = self.shown.get((shown.chat_id, shown.message_id))
        self.shown[(shown.chat_id, shown.message_id)] = shown
        self.changes.append(Change(kind, shown.chat_id, shown.copy(), before.copy() if before else None))

    def see(self, method: str, params: Mapping[str, Any], uploads: Mapping[str, Upload], result: Any) -> None:
        """A method Telegram answered ``ok``: what it changed on screen."""
        if method == "sendMessage":
            self.record("new", Shown(result["chat"]["id"], result["message_id"],
                                     plain_text(str(params.get("text", "")), params.get("parse_mode")),
                                     buttons(as_json(params.get("reply_markup")))))
        elif method in SEND_MEDIA:
            self._media(SEND_MEDIA[method], params.get(SEND_MEDIA[method]), params, uploads, result)
        elif method == "sendMediaGroup":
            for item, message in zip(as_json(params.get("media")), result, strict=True):
                self._media(str(item.get("type", "photo")), item.get("media"), item, uploads, message)
        elif method.startswith("editMessage") and isinstance(result, Mapping):
            self._edit(method, params, result)
        elif method == "deleteMessage":
            old = self.shown.pop((int(params["chat_id"]), int(params["message_id"])), None)
            if old is not None:
                self.changes.append(Change("deleted", old.chat_id, old.copy()))

    def _media(self, kind: str, file: Any, item: Mapping[str, Any], uploads: Mapping[str, Upload],
               message: Mapping[str, Any]) -> None:
        file_id = _file_id(message[kind])
        if isinstance(file, str) and file.startswith("attach://"):
            upload = uploads.get(file.removeprefix("attach://"))
            label = upload.filename if upload is not None else "файл"
        else:
            label = self.labels.get(str(file), str(file))
        self.labels.setdefault(file_id, label)
        caption = plain_text(str(item.get("caption") or ""), item.get("parse_mode"))
        self.record("new", Shown(message["chat"]["id"], message["message_id"], caption,
                                 buttons(as_json(item.get("reply_markup"))), kind, self.labels[file_id], file_id))

    def _edit(self, method: str, params: Mapping[str, Any], result: Mapping[str, Any]) -> None:
        chat_id, message_id = result["chat"]["id"], result["message_id"]
        old = self.shown.get((chat_id, message_id)) or Shown(chat_id, message_id)
        markup = buttons(as_json(params.get("reply_markup")))    # no reply_markup: Telegram removes the keyboard
        if method == "editMessageText":
            text = plain_text(str(params.get("text", "")), params.get("parse_mode"))
            self.record("edit" if text != old.text else "buttons", Shown(chat_id, message_id, text, markup))
        elif method == "editMessageCaption":
            caption = plain_text(str(params.get("caption") or ""), params.get("parse_mode"))
            self.record("edit", Shown(chat_id, message_id, caption, markup, old.media, old.file_label, old.file_id))
        else:
            self.record("buttons", Shown(chat_id, message_id, old.text, markup, old.media, old.file_label,
                                         old.file_id))
