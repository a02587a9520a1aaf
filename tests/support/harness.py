"""The whole bot in-process: real Dispatcher, services, SQLite and sender on a recording session.

`screen` reconstructs what each chat shows (messages with their current text and buttons) from the
recorded Bot API calls, so that a test presses buttons by their Russian label, as a person would.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiogram.methods import (
    EditMessageReplyMarkup,
    EditMessageText,
    SendMessage,
    SendPhoto,
)
from aiogram.types import InlineKeyboardMarkup, Message, Update

from bot.app.container import App, build_app
from bot.delivery.sender import RateLimiter
from bot.fake_telegram import FakeSession
from bot.runtime.clock import ClockTime, FakeClock
from bot.settings import Settings
from tests.support import updates
from tests.support.backend import db_target

ADMIN = 1
OPERATOR = 100
OPERATOR2 = 101
HEAD_CHAT = -900
EXEC_A = 201        # executors of the first department
EXEC_A2 = 202
EXEC_B = 301        # executor of the second department
STRANGER = 999
DEPT_A_CHAT = -1001
DEPT_B_CHAT = -1002
UNBOUND_CHAT = -1099


@dataclass
class Shown:
    chat_id: int
    message_id: int
    text: str
    markup: InlineKeyboardMarkup | None
    method: str


@dataclass
class Harness:
    app: App
    session: FakeSession
    clock: FakeClock
    seen: int = 0
    messages: dict[tuple[int, int], Shown] = field(default_factory=dict)

    async def feed(self, update: Update | list[Update], *, flush: bool = True) -> None:
        for u in update if isinstance(update, list) else [update]:
            await self.app.dp.feed_update(self.app.bot, u)
        if flush:
            await self.app.notifier.flush()
        self._scan()

    def _scan(self) -> None:
        for request, result in zip(self.session.requests[self.seen:], self.session.results[self.seen:], strict=False):
            if isinstance(result, Message) and isinstance(request, SendMessage | SendPhoto):
                text = result.text or result.caption or ""
                self.messages[(result.chat.id, result.message_id)] = Shown(
                    result.chat.id, result.message_id, text, request.reply_markup, request.__api_method__)  # type: ignore[arg-type]
            elif isinstance(request, EditMessageText):
                key = (int(request.chat_id), int(request.message_id))  # type: ignore[arg-type]
                self.messages[key] = Shown(key[0], key[1], request.text, request.reply_markup,  # type: ignore[arg-type]
                                           "editMessageText")
            elif isinstance(request, EditMessageReplyMarkup):
                key = (int(request.chat_id), int(request.message_id))  # type: ignore[arg-type]
                old = self.messages.get(key)
                self.messages[key] = Shown(key[0], key[1], old.text if old else "", request.reply_markup,
                                           "editMessageReplyMarkup")
        self.seen = len(self.session.requests)

    # ---- what a chat shows --------------------------------------------------------------------
    def chat(self, chat_id: int) -> list[Shown]:
        return sorted((m for (c, _), m in self.messages.items() if c == chat_id), key=lambda m: m.message_id)

    def last(self, chat_id: int) -> Shown:
        shown = self.chat(chat_id)
        assert shown, f"nothing shown in chat {chat_id}"
        return shown[-1]

    def texts(self, chat_id: int) -> list[str]:
        return [m.text for m in self.chat(chat_id)]

    def find(self, chat_id: int, needle: str) -> Shown:
        for m in reversed(self.chat(chat_id)):
            if needle in m.text:
                return m
        raise AssertionError(f"no message with {needle!r} in chat {chat_id}: {self.texts(chat_id)}")

    def button(self, chat_id: int, label: str, message_id: int | None = None) -> tuple[int, str]:
        """(message id, callback data) of the newest button whose label contains `label`
        (in message `message_id` when given)."""
        for m in reversed(self.chat(chat_id)):
            if message_id is not None and m.message_id != message_id:
                continue
            for row in (m.markup.inline_keyboard if m.markup else []):
                for b in row:
                    if label in b.text and b.callback_data:
                        return m.message_id, b.callback_data
        raise AssertionError(f"no button {label!r} in chat {chat_id}")

    def labels(self, chat_id: int, message_id: int) -> list[str]:
        m = self.messages[(chat_id, message_id)]
        return [b.text for row in (m.markup.inline_keyboard if m.markup else []) for b in row]

    def alerts(self) -> list[str]:
        return [r.text or "" for r in self.session.calls("answerCallbackQuery")]

    # ---- acting as a person -------------------------------------------------------------------
    async def press(self, user_id: int, chat_id: int, label: str, message_id: int | None = None) -> str:
        message_id, data = self.button(chat_id, label, message_id)
        before = len(self.session.calls("answerCallbackQuery"))
        chat_type = "private" if chat_id > 0 else "supergroup"
        await self.feed(updates.callback(user_id, chat_id, data, message_id, chat_type=chat_type))
        answers = self.session.calls("answerCallbackQuery")[before:]
        return (answers[-1].text or "") if answers else ""

    async def say(self, user_id: int, text: str | None = None, **options: Any) -> None:
        await self.feed(updates.private_message(user_id, text, **options))

    async def say_in(self, chat_id: int, user_id: int, text: str | None = None, **options: Any) -> None:
        await self.feed(updates.group_message(chat_id, user_id, text, **options))



async def make_harness(tmp_path: Path, clock: FakeClock, **overrides: Any) -> Harness:
    overrides.setdefault("backup_dir", tmp_path / "backups")      # never ./data/backups of the checkout
    overrides.setdefault("head_chat_id", HEAD_CHAT)
    # No digest loop unless a test asks for one: started at 10:00, it would send the 09:00 digest it
    # catches up on into the head's chat of every test (the loop has tests of its own).
    overrides.setdefault("digest_times", "")
    target = await db_target(tmp_path / "bot.sqlite3")
    if isinstance(target, str):
        overrides.setdefault("database_url", target)
    settings = Settings(_env_file=None, database_path=tmp_path / "bot.sqlite3",  # type: ignore[call-arg]
                        calendar_path=tmp_path / "calendar.json", admin_ids=[ADMIN],
                        operator_ids=[OPERATOR, OPERATOR2], **overrides)
    session = FakeSession()
    time = ClockTime(clock)
    app = await build_app(settings, clock=clock, session=session, token="42:TEST",
                          limiter=RateLimiter(monotonic=time.monotonic, sleep=time.sleep))
    return Harness(app=app, session=session, clock=clock)


async def bind_departments(h: Harness) -> None:
    await h.say_in(DEPT_A_CHAT, ADMIN, "/bind Отдел ЖКХ", chat_title="Отдел ЖКХ")
    await h.say_in(DEPT_B_CHAT, ADMIN, "/bind Дорожный отдел", chat_title="Дорожный отдел")


@asynccontextmanager
async def bound_harness(tmp_path: Path, clock: FakeClock, **overrides: Any) -> AsyncIterator[Harness]:
    """A harness with both departments bound, closed at the end (the body of the tests' ``h`` fixtures)."""
    harness = await make_harness(tmp_path, clock, **overrides)
    await bind_departments(harness)
    try:
        yield harness
    finally:
        await harness.app.close()
