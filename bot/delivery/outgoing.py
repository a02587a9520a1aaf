"""What the sender asks the presentation layer for, and what it gets back: plain data to send.

The sender knows transport only (limits, retries, failures). A ``Renderer`` (handlers/notices/) turns an
outbox item into ``Outgoing`` parts when it is delivered, and is told each message that went out, so that
it can remember what the message is (a case's card, a draft for approval …).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from aiogram.types import InlineKeyboardMarkup

from bot.domain.model import Media
from bot.domain.notices import Json, Notice, Payload


class PermanentFailure(Exception):
    """The chat cannot be reached (blocked, removed, not found, not configured): do not retry."""


@dataclass(frozen=True)
class Text:
    chat_id: int
    text: str
    markup: InlineKeyboardMarkup | None = None
    remember: object = None          # handed back to Renderer.sent with the message id


@dataclass(frozen=True)
class Edit:
    """A message already shown gets the current text; one gone or unchanged is no failure."""
    chat_id: int
    message_id: int
    text: str
    markup: InlineKeyboardMarkup | None = None


@dataclass(frozen=True)
class Album:
    """Photos and videos (grouped by ten) and documents, before the text they illustrate."""
    chat_id: int
    media: tuple[Media, ...]


@dataclass(frozen=True)
class Photo:
    chat_id: int
    file_id: str
    caption: str


Outgoing = Text | Edit | Album | Photo


class Renderer(Protocol):
    async def render(self, notice: Notice[Json]) -> Sequence[Outgoing]:
        """What to send for this notice now, from the current state (render on delivery); nothing when
        it is moot. Raises PermanentFailure when its chat is not known."""
        ...

    async def sent(self, notice: Notice[Json], remember: object, chat_id: int, message_id: int) -> None:
        """A ``Text`` with ``remember`` went out as this message."""
        ...

    async def unreachable(self, notice: Notice[Json], error: str) -> Notice[Payload]:
        """The admins' alert about a notice given up for good (naming the organisation it concerns: its own
        admins are told too)."""
        ...
