"""Who counts as a member of a bound group now, and when a person floods the bot (issue 13 §2).

Pure: no aiogram, no SQL. Group membership is the executors' and the head chat's credential, so it is
read deliberately: what Telegram told the bot (a service message, a chat_member update, a getChatMember
answer) is believed for ``PROBE_TTL``; older or unknown, Telegram is asked again.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

#: How long what the bot last learned of a person's membership is believed without asking Telegram.
PROBE_TTL = timedelta(minutes=5)
#: ChatMember statuses that are in the chat (``restricted`` only while ``is_member``).
IN_CHAT = frozenset({"creator", "administrator", "member"})


class Source(StrEnum):
    EVENT = "event"             # a service message or a chat_member update
    TELEGRAM = "telegram"       # the answer to getChatMember


class Verdict(StrEnum):
    MEMBER = "member"               # may act
    GONE = "gone"                   # left, kicked or banned: refused
    UNCONFIRMED = "unconfirmed"     # STRICT_MEMBERS: waits for an admin's confirmation
    UNKNOWN = "unknown"             # nothing believable: ask Telegram (or refuse when it cannot say)


@dataclass(frozen=True)
class Membership:
    chat_id: int
    user_id: int
    present: bool
    source: Source
    checked_at: datetime
    full_name: str = ""
    confirmed: bool = False
    announced: bool = False


def in_chat(status: str, is_member: bool | None = None) -> bool:
    """A ChatMember status counts as being in the chat: the owner, an admin, a member; a restricted
    person only while still a member; ``left`` and ``kicked`` (banned) never."""
    if status == "restricted":
        return bool(is_member)
    return status in IN_CHAT


def joined(old_status: str, old_is_member: bool | None, new_status: str, new_is_member: bool | None) -> bool | None:
    """What a chat_member change means: True a join, False a leave (left, kicked, banned), None neither
    (a promotion, a restriction that keeps the person in)."""
    before, after = in_chat(old_status, old_is_member), in_chat(new_status, new_is_member)
    return None if before == after else after


def verdict(record: Membership | None, now: datetime, *, strict: bool, ttl: timedelta = PROBE_TTL) -> Verdict:
    """May this person act in the chat now? ``strict``: STRICT_MEMBERS in a department's group."""
    if record is None or now - record.checked_at >= ttl:
        return Verdict.UNKNOWN
    if not record.present:
        return Verdict.GONE
    if strict and not record.confirmed:
        return Verdict.UNCONFIRMED
    return Verdict.MEMBER


class Flood(StrEnum):
    PASS = "pass"       # handled as usual  # noqa: S105  a verdict's name (member passes), not a password
    TELL = "tell"       # the first update over the limit: answered once («слишком часто»)
    DROP = "drop"       # the rest of the flood: ignored


class FloodGate:
    """At most ``limit`` updates per person in any ``window``; the first one over is answered, the rest
    dropped until the window has room again. ``limit`` 0: no limit. Remembers at most ``keep`` people."""

    def __init__(self, limit: int, window: timedelta = timedelta(minutes=1), *, keep: int = 10_000) -> None:
        self.limit = limit
        self.window = window
        self.keep = keep
        self._hits: dict[int, deque[datetime]] = {}
        self._told: set[int] = set()

    def hit(self, user_id: int, now: datetime) -> Flood:
        if self.limit <= 0:
            return Flood.PASS
        hits = self._hits.setdefault(user_id, deque())
        while hits and now - hits[0] >= self.window:
            hits.popleft()
        if len(hits) < self.limit:
            hits.append(now)
            self._told.discard(user_id)
            self._forget(now)
            return Flood.PASS
        if user_id in self._told:
            return Flood.DROP
        self._told.add(user_id)
        return Flood.TELL

    def _forget(self, now: datetime) -> None:
        if len(self._hits) <= self.keep:
            return
        for user_id in [u for u, h in self._hits.items() if not h or now - h[-1] >= self.window]:
            del self._hits[user_id]
            self._told.discard(user_id)


def why_not_bindable(chat_type: str, username: str | None) -> str | None:
    """Why a chat cannot serve a department or the head ("not_a_group", "public"), None when it can: only a
    group, and only a private one (a public group, one with a @username, anyone can read)."""
    if chat_type not in ("group", "supergroup"):
        return "not_a_group"
    return "public" if username else None
