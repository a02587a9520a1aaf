"""Organisations of the republic (issue 14): a municipality or a republican body, each running the process
with its own people, departments, head's chat, numbering and extra days off; and the scope a person sees.

Pure: no aiogram, no SQL. Storage filters every query on a scoped table by a ``Scope``; services take the
scope from the actor (``Scope.of(actor)``), so a case of another organisation reads exactly like a missing
one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

#: The organisation an existing (one-district) database becomes on upgrade; OPERATOR_IDS, OFFICIAL_IDS and
#: HEAD_CHAT_ID of the settings belong to it. Its prefix is empty: its case numbers read as before.
DEFAULT_ORG = 1
PREFIX_RE = re.compile(r"^[A-Z]{2,6}$")
MAX_ORG_NAME = 96
NUMBER_RE = re.compile(r"^(?:(?P<prefix>[A-Za-z]{2,6})-)?(?P<year>\d{4})-(?P<seq>\d{1,6})$")


class OrgKind(StrEnum):
    MUNICIPALITY = "municipality"      # a municipal district or city
    REPUBLIC = "republic"              # a ministry or another executive body of the republic


@dataclass(frozen=True)
class Organisation:
    id: int
    name: str
    prefix: str = ""
    kind: OrgKind = OrgKind.MUNICIPALITY
    head_chat_id: int | None = None
    days_off: tuple[date, ...] = ()
    archived: bool = False

    def number(self, year: int, seq: int) -> str:
        """The case number: ``2026-0042`` for an organisation without a prefix, ``ZEL-2026-0042`` otherwise."""
        return format_number(self.prefix, year, seq)


def configured_people(ids: Iterable[int], org_id: int) -> tuple[int, ...]:
    """The people of OPERATOR_IDS / OFFICIAL_IDS that belong to ``org_id``: all of them for organisation no. 1
    (the settings predate organisations), nobody for another."""
    return tuple(sorted(ids)) if org_id == DEFAULT_ORG else ()


def format_number(prefix: str, year: int, seq: int) -> str:
    return f"{prefix}-{year}-{seq:04d}" if prefix else f"{year}-{seq:04d}"


def valid_prefix(prefix: str) -> bool:
    return bool(PREFIX_RE.match(prefix))


def suggest_prefix(name: str, taken: set[str]) -> str:
    """A free latin prefix for a new organisation, from its (Russian) name: «Зеленчукский район» → ZEL."""
    letters = "".join(_LATIN.get(ch, ch) for ch in name.lower() if ch.isalpha())
    letters = re.sub(r"[^a-z]", "", letters).upper() or "ORG"
    for size in (3, 4, 5, 6):
        candidate = (letters + "XXXXXX")[:size]
        if candidate not in taken:
            return candidate
    # Taken at every length: two letters of the name and two of the alphabet (digits are not allowed).
    for a in "ABCDEFGHIJKLMNOPQRSTUVWXYZ":
        for b in "ABCDEFGHIJKLMNOPQRSTUVWXYZ":
            candidate = f"{letters[:2]}{a}{b}"
            if candidate not in taken:
                return candidate
    raise ValueError("no free prefix")


_LATIN = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh", "з": "z", "и": "i",
    "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t",
    "у": "u", "ф": "f", "х": "h", "ц": "c", "ч": "ch", "ш": "sh", "щ": "sh", "ъ": "", "ы": "y", "ь": "",
    "э": "e", "ю": "yu", "я": "ya",
}


@dataclass(frozen=True)
class Scope:
    """Which organisations' data a query may read or change. ``everything`` is the coordinator's read-only
    view (cl. 2) and the system's timed jobs; everyone else has exactly one organisation."""

    orgs: frozenset[int] = field(default_factory=frozenset)
    everything: bool = False

    @classmethod
    def one(cls, org_id: int) -> Scope:
        return cls(frozenset({org_id}))

    @classmethod
    def all(cls) -> Scope:
        return cls(everything=True)

    def allows(self, org_id: int) -> bool:
        return self.everything or org_id in self.orgs

    @property
    def single(self) -> int | None:
        """The one organisation of this scope, or None for several / all."""
        if self.everything or len(self.orgs) != 1:
            return None
        return next(iter(self.orgs))
