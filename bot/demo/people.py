"""The people of the demo and the updates they send: private and group messages, forwards, photos,
replies, button presses — dated by the demo's clock, with the chat's own message ids."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from aiogram.types import Update

from bot.fake_telegram import FakeTelegram, Screen, Shown
from bot.fake_telegram.objects import BOT_ID, user_dict
from bot.fake_telegram.updates import callback_dict, message_dict, next_update_id


@dataclass(frozen=True)
class Person:
    user_id: int
    full_name: str


class People:
    """Updates as Telegram delivers them; each one is remembered by the fake Telegram, as Telegram would."""

    def __init__(self, telegram: FakeTelegram, screen: Screen) -> None:
        self.telegram = telegram
        self.screen = screen
        self._callback_ids = itertools.count(1)

    def _update(self, update: dict[str, Any]) -> Update:
        self.telegram.remember_update(update)
        return Update.model_validate(update)

    def message(self, person: Person, chat_id: int, text: str | None = None, *, photo: str | None = None,
                photo_label: str | None = None, reply_to: int | None = None,
                forward_from_channel: tuple[int, str, str, int] | None = None) -> Update:
        """A message from ``person`` in ``chat_id`` (their private chat when it is their id). ``photo`` is a
        file id (its description ``photo_label`` is what the demo prints); ``text`` is then the caption."""
        now = self.telegram.now()
        options: dict[str, Any] = {}
        if forward_from_channel is not None:
            channel_id, title, username, post_id = forward_from_channel
            options.update(forward_from_chat=(channel_id, title, username), forward_message_id=post_id,
                           forward_date=now - int(timedelta(minutes=25).total_seconds()))
        if photo is not None:
            self.screen.labels[photo] = photo_label or photo
            options["photo_file_ids"] = [photo, photo]
        if reply_to is not None:
            options["reply_to_message"] = self.telegram.messages[(chat_id, reply_to)]
        message = message_dict(self.telegram.chat(chat_id), user_dict(person.user_id, person.full_name), text,
                               message_id=self.telegram.next_message_id(chat_id), date=now, **options)
        return self._update({"update_id": next_update_id(), "message": message})

    def press(self, person: Person, shown: Shown, data: str) -> tuple[Update, str]:
        """A press of the button with callback ``data`` under the bot's message ``shown``."""
        query_id = f"demo-{next(self._callback_ids)}"
        markup = {"inline_keyboard": [[{"text": label, "callback_data": value} for label, value in row]
                                      for row in shown.buttons]} if shown.buttons else None
        query = callback_dict(person.user_id, shown.chat_id, data, shown.message_id,
                              message_text=shown.text or "…", chat=self.telegram.chat(shown.chat_id),
                              full_name=person.full_name, reply_markup=markup, bot=self.telegram.me(BOT_ID),
                              date=self.telegram.now(), query_id=query_id)
        return self._update(query), query_id
