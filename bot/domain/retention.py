"""Retention of personal data (152-ФЗ; docs/security.md): when a finished case is old enough to be
anonymised, and which fields of a stored payload are personal.

Pure: no aiogram, no SQL. ``storage.retention`` applies these rules; ``bot.services.retention`` runs them.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import datetime, tzinfo
from typing import Any

#: The keys of audit-event and outbox payloads that may hold a citizen's words, name, link or files: the
#: post's text and link, drafts' and replies' texts, return comments, decline reasons, a surge's topic, an
#: incident's title, a screenshot's or a photo's file id, the words a profanity check found. Everything else
#: (numbers, dates, departments, kinds, the employee's name the action was taken under) stays. The same list
#: is in the audit trail's trigger (storage/migrations/0012_retention.sql): the anonymisation may change
#: these keys alone.
PERSONAL_KEYS = frozenset({"text", "link", "author", "comment", "reason", "topic", "title", "screenshot",
                           "words", "file_id"})
#: What a screenshot's file id becomes: not empty, so that "published with a screenshot" stays true.
REDACTED_FILE_ID = "anonymised"


def cutoff(now: datetime, months: int, tz: tzinfo) -> datetime:
    """The moment ``months`` calendar months before ``now`` in the local time zone (the 31st becomes the last
    day of a shorter month): cases finished before it are anonymised."""
    local = now.astimezone(tz)
    index = local.year * 12 + local.month - 1 - months
    year, month = divmod(index, 12)
    day = min(local.day, calendar.monthrange(year, month + 1)[1])
    return local.replace(year=year, month=month + 1, day=day)


def redact(payload: Mapping[str, Any], marker: str) -> dict[str, Any]:
    """The payload with every personal value replaced: a non-empty text by ``marker``, a list by an empty
    one; the keys and every other value stay. Redacting twice changes nothing."""
    out = dict(payload)
    for key in PERSONAL_KEYS & out.keys():
        value = out[key]
        if isinstance(value, str) and value:
            out[key] = marker
        elif isinstance(value, list):
            out[key] = []
    return out


@dataclass(frozen=True)
class Anonymised:
    """What one anonymisation changed (the audit event's payload)."""

    cases: int = 0
    drafts: int = 0
    publications: int = 0
    events: int = 0
    outbox: int = 0
    messages: int = 0           # remembered bot messages, albums and half-way dialogues forgotten
    surges: int = 0             # surges and incidents whose topic or title was anonymised

    def __add__(self, other: Anonymised) -> Anonymised:
        return Anonymised(**{k: v + getattr(other, k) for k, v in asdict(self).items()})

    def as_payload(self) -> dict[str, int]:
        return asdict(self)
