"""The district's places as data (issue 16): the seed file bot/data/places.json merged with the settlements
and streets the admins add or remove by ``/places``. The place parser's gazetteer is built from `PlacesData`.

Pure: no aiogram, no SQL. `parse_seed` checks the seed file's shape; `parse_place` reads what an admin
typed after ``/places add`` or ``/places remove``; `merge` applies the admins' rows to the seed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from bot.domain.errors import ValidationFailed

PlaceKind = Literal["settlement", "street"]
SETTLEMENT: PlaceKind = "settlement"
STREET: PlaceKind = "street"

#: The settlement types and the words (full and abbreviated) an admin may write before the name.
SETTLEMENT_TYPES: Mapping[str, tuple[str, ...]] = {
    "станица": ("станица", "ст", "ст.", "стан", "стан."),
    "посёлок": ("посёлок", "поселок", "пос", "пос.", "п", "п."),
    "село": ("село", "с", "с."),
    "аул": ("аул", "а", "а."),
    "хутор": ("хутор", "х", "х.", "хут", "хут."),
}
#: The street types every seed file must define (the contract of the place parser).
REQUIRED_STREET_TYPES = ("улица", "проспект", "переулок", "площадь", "микрорайон", "шоссе", "проезд",
                         "бульвар", "набережная")
MAX_NAME = 64
#: A place's name: letters (any alphabet), digits, spaces, hyphens, dots and apostrophes; at least one letter.
_NAME_RE = re.compile(r"[^\W_][\w .'’-]*", re.UNICODE)


@dataclass(frozen=True)
class Settlement:
    name: str
    type: str
    aliases: tuple[str, ...] = ()
    added: bool = False              # True: an admin added it (False: from the seed file)


@dataclass(frozen=True)
class Street:
    name: str
    type: str
    added: bool = True


@dataclass(frozen=True)
class PlacesData:
    """Everything the gazetteer needs: settlements, the admins' streets, and the words of each street type."""

    settlements: tuple[Settlement, ...]
    street_types: Mapping[str, tuple[str, ...]]
    streets: tuple[Street, ...] = ()

    def settlement(self, name: str) -> Settlement | None:
        key = name_key(name)
        return next((s for s in self.settlements if name_key(s.name) == key), None)


@dataclass(frozen=True)
class PlaceInput:
    """One place as an admin wrote it: kind, canonical type and name."""

    kind: PlaceKind
    type: str
    name: str

    @property
    def key(self) -> str:
        return place_key(self.kind, self.type, self.name)


@dataclass(frozen=True)
class PlaceRow:
    """One row of the admins' list: a place they added, or (``hidden``) a seeded one they removed."""

    kind: PlaceKind
    type: str
    name: str
    hidden: bool = False
    aliases: tuple[str, ...] = field(default=())


class PlacesFileError(ValueError):
    """The seed file is malformed; the message names what and where."""


def name_key(name: str) -> str:
    """Names compare without case, extra spaces and the difference between «ё» and «е»."""
    return " ".join(name.replace("ё", "е").replace("Ё", "Е").casefold().split())


def place_key(kind: PlaceKind, type_: str, name: str) -> str:
    """One settlement per name; one street per type and name («ул. Мира» and «пер. Мира» are two streets)."""
    return name_key(name) if kind == SETTLEMENT else f"{name_key(type_)}:{name_key(name)}"


# ---- the seed file ---------------------------------------------------------------------------------

def _strings(value: object, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise PlacesFileError(f"{where}: expected a list of non-empty strings")
    return tuple(v.strip() for v in value)


def parse_seed(raw: object) -> PlacesData:
    """`PlacesData` from the decoded JSON of bot/data/places.json; `PlacesFileError` on any malformed part."""
    if not isinstance(raw, dict):
        raise PlacesFileError("places.json: expected an object with 'settlements' and 'street_types'")
    settlements_raw, types_raw = raw.get("settlements"), raw.get("street_types")
    if not isinstance(settlements_raw, list) or not settlements_raw:
        raise PlacesFileError("places.json: 'settlements' must be a non-empty list")
    settlements: list[Settlement] = []
    seen: set[str] = set()
    for i, item in enumerate(settlements_raw):
        where = f"places.json: settlements[{i}]"
        if not isinstance(item, dict) or not isinstance(item.get("name"), str) or not isinstance(
                item.get("type"), str):
            raise PlacesFileError(f"{where}: expected {{'name': str, 'type': str, 'aliases': [str]}}")
        name, type_ = " ".join(item["name"].split()), item["type"].strip()
        if not valid_name(name):
            raise PlacesFileError(f"{where}: bad name {item['name']!r}")
        if type_ not in SETTLEMENT_TYPES:
            raise PlacesFileError(f"{where}: unknown type {type_!r} (known: {', '.join(SETTLEMENT_TYPES)})")
        if name_key(name) in seen:
            raise PlacesFileError(f"{where}: {name!r} is listed twice")
        seen.add(name_key(name))
        settlements.append(Settlement(name, type_, _strings(item.get("aliases", []), f"{where}.aliases")))
    if not isinstance(types_raw, dict):
        raise PlacesFileError("places.json: 'street_types' must be an object {type: [words]}")
    missing = [t for t in REQUIRED_STREET_TYPES if t not in types_raw]
    if missing:
        raise PlacesFileError(f"places.json: street_types lacks {', '.join(missing)}")
    street_types = {str(t): _strings(words, f"places.json: street_types[{t!r}]") for t, words in types_raw.items()}
    return PlacesData(tuple(settlements), street_types)


# ---- what an admin types -----------------------------------------------------------------------------

def valid_name(name: str) -> bool:
    return 0 < len(name) <= MAX_NAME and _NAME_RE.fullmatch(name) is not None and any(c.isalpha() for c in name)


def _type_words(street_types: Mapping[str, tuple[str, ...]]) -> dict[str, tuple[PlaceKind, str]]:
    """Every type word, lower case, with the kind and canonical type it stands for."""
    words: dict[str, tuple[PlaceKind, str]] = {}
    for type_, forms in SETTLEMENT_TYPES.items():
        words.update({f.lower(): (SETTLEMENT, type_) for f in (type_, *forms)})
    for type_, forms in street_types.items():
        words.update({f.lower(): (STREET, type_) for f in (type_, *forms)})
    return words


def parse_place(text: str, street_types: Mapping[str, tuple[str, ...]], *, type_required: bool = True) -> PlaceInput:
    """«станица Зеленчукская», «ул. Школьная», «пер Мира»: a type word (full or abbreviated), then the name.

    Without a type word (allowed with ``type_required=False``, i.e. for removal) the kind and type are
    empty and the caller finds the place by name. Raises `ValidationFailed`: ``place_empty``,
    ``place_name_required`` (a type word alone), ``place_type_unknown`` (with ``word``), ``place_name_bad``
    (with ``name``), ``place_name_too_long``.
    """
    text = " ".join(text.split())
    if not text:
        raise ValidationFailed("place_empty")
    words = _type_words(street_types)
    if text.lower() in words:
        raise ValidationFailed("place_name_required", word=text[:32])
    match = re.match(r"(\S+?\.?)(?:\s+|(?<=\.)(?=\S))(.*)$", text)
    first = match.group(1).lower() if match else ""
    if match and first in words:
        kind, type_ = words[first]
        name = match.group(2).strip()
    elif type_required:
        raise ValidationFailed("place_type_unknown", word=text.split()[0][:32])
    else:
        kind, type_, name = SETTLEMENT, "", text
    name = name.strip(" ,;")
    if len(name) > MAX_NAME:
        raise ValidationFailed("place_name_too_long", limit=MAX_NAME)
    if not valid_name(name):
        raise ValidationFailed("place_name_bad", name=name[:MAX_NAME] or "—")
    return PlaceInput(kind, type_, name)


# ---- the seed and the admins' rows together -------------------------------------------------------

def merge(seed: PlacesData, rows: Iterable[PlaceRow]) -> PlacesData:
    """The seed's settlements less those the admins removed, then the places they added (in their order)."""
    rows = list(rows)
    hidden = {name_key(r.name) for r in rows if r.kind == SETTLEMENT and r.hidden}
    settlements = [s for s in seed.settlements if name_key(s.name) not in hidden]
    known = {name_key(s.name) for s in settlements}
    for r in rows:
        if r.kind == SETTLEMENT and not r.hidden and name_key(r.name) not in known:
            known.add(name_key(r.name))
            settlements.append(Settlement(r.name, r.type, r.aliases, added=True))
    streets = tuple(Street(r.name, r.type) for r in rows if r.kind == STREET and not r.hidden)
    return PlacesData(tuple(settlements), seed.street_types, streets)
