"""One fake Telegram for the tests, the demo and the benchmarks.

:class:`FakeTelegram` is the model: chats, members, per-chat message ids, the messages and files the bot
sent, and the Bot API's answers to its methods (realistic results, Telegram's checks and errors). It is
served in-process by :class:`FakeSession` (an aiogram session: recording for handler tests, ``lean`` for
benchmarks) and over HTTP by :class:`FakeBotAPI` (the bot as a process). :class:`Screen` shows what each
chat displays, as a person reads it (the demo prints it); ``updates`` builds incoming updates.
"""

from bot.fake_telegram.files import StoredFile, Upload
from bot.fake_telegram.markup import check_html, plain_text
from bot.fake_telegram.methods import FakeTelegram
from bot.fake_telegram.protocol import ApiError, RateLimiter, RateLimits, Violation, canonical_method
from bot.fake_telegram.screen import Change, Screen, Shown
from bot.fake_telegram.server import ApiCall, FakeBotAPI
from bot.fake_telegram.session import TEST_TOKEN, FakeSession, make_bot, method_params

__all__ = [
    "TEST_TOKEN",
    "ApiCall",
    "ApiError",
    "Change",
    "FakeBotAPI",
    "FakeSession",
    "FakeTelegram",
    "RateLimiter",
    "RateLimits",
    "Screen",
    "Shown",
    "StoredFile",
    "Upload",
    "Violation",
    "canonical_method",
    "check_html",
    "make_bot",
    "method_params",
    "plain_text",
]
