"""The list of places the parser knows: the district's settlements and the street type words (data in
bot/data/places.json) plus the settlements and streets the admins added (/places)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.domain.places.morph import Morphology

PLACES_FILE = Path(__file__).parents[2] / "data" / "places.json"

#: Settlement type words as people write them -> the type.
SETTLEMENT_TYPES: Mapping[str, str] = {
    "станица": "станица", "ст": "станица", "ст-ца": "станица", "станице": "станица", "станицы": "станица",
    "станицу": "станица", "поселок": "посёлок", "пос": "посёлок", "п": "посёлок", "поселке": "посёлок",
    "поселка": "посёлок", "аул": "аул", "а": "аул", "ауле": "аул", "аула": "аул", "село": "село", "с": "село",
    "селе": "село", "села": "село", "хутор": "хутор", "х": "хутор", "хуторе": "хутор", "хутора": "хутор",
    "город": "город", "г": "город", "городе": "город",
}
#: How a settlement's type is abbreviated in a label: «ст. Зеленчукская».
SETTLEMENT_ABBR = {"станица": "ст.", "посёлок": "пос.", "аул": "а.", "село": "с.", "хутор": "х.", "город": "г."}
#: How a street's type is written in a label: «ул. Школьная, 3».
STREET_ABBR = {"улица": "ул.", "проспект": "пр.", "переулок": "пер.", "площадь": "пл.", "микрорайон": "мкр",
               "шоссе": "ш.", "проезд": "пр-д", "бульвар": "б-р", "набережная": "наб.", "тупик": "туп."}


class BadPlaces(ValueError):
    """The places data is malformed (what is wrong, in the message)."""


@dataclass(frozen=True)
class Settlement:
    name: str                                  # canonical, as people write it: «Зеленчукская»
    type: str = ""                             # станица, аул, посёлок…
    aliases: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        return f"settlement:{self.name.lower().replace('ё', 'е')}"

    @property
    def label(self) -> str:
        abbr = SETTLEMENT_ABBR.get(self.type, "")
        return f"{abbr} {self.name}".strip()


@dataclass(frozen=True)
class KnownStreet:
    name: str                                  # «Школьная»
    type: str = "улица"


@dataclass
class Gazetteer:
    """What the parser matches against. Built once per list; its matching tables are derived here."""

    settlements: tuple[Settlement, ...] = ()
    street_types: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    streets: tuple[KnownStreet, ...] = ()
    #: written form (lower case, no trailing dot) -> street type
    type_words: dict[str, str] = field(default_factory=dict, init=False)

    def __post_init__(self) -> None:
        for kind, forms in self.street_types.items():
            for form in (kind, *forms):
                self.type_words[form.lower().replace("ё", "е").rstrip(".")] = kind

    def street_type(self, word: str, morph: Morphology) -> str | None:
        """The street type a word names (written in full in any case, or abbreviated), or None."""
        low = word.lower().replace("ё", "е")
        if low in self.type_words:
            return self.type_words[low]
        if len(low) > 4:
            lemma = morph.lemma(low)
            kind = self.type_words.get(lemma)
            if kind is not None and lemma == kind:
                return kind
        return None

    def with_additions(self, settlements: Iterable[Settlement] = (), streets: Iterable[KnownStreet] = ()) -> Gazetteer:
        known = {s.key for s in self.settlements}
        added = tuple(s for s in settlements if s.key not in known)
        return Gazetteer(self.settlements + added, self.street_types, self.streets + tuple(streets))


def _str_list(value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise BadPlaces(f"{where}: ожидается список непустых строк")
    return tuple(v.strip() for v in value)


def parse_places(data: Any) -> Gazetteer:
    """The gazetteer of a places.json document; BadPlaces says what is wrong with it."""
    if not isinstance(data, dict):
        raise BadPlaces("places.json: ожидается объект с settlements и street_types")
    raw_settlements = data.get("settlements", [])
    if not isinstance(raw_settlements, list):
        raise BadPlaces("settlements: ожидается список")
    settlements = []
    for i, s in enumerate(raw_settlements):
        if not isinstance(s, dict) or not isinstance(s.get("name"), str) or not s["name"].strip():
            raise BadPlaces(f"settlements[{i}]: нужно поле name")
        settlements.append(Settlement(s["name"].strip(), str(s.get("type") or ""),
                                      _str_list(s.get("aliases", []), f"settlements[{i}].aliases")))
    raw_types = data.get("street_types", {})
    if not isinstance(raw_types, dict):
        raise BadPlaces("street_types: ожидается объект «тип: [написания]»")
    types = {str(k): _str_list(v, f"street_types.{k}") for k, v in raw_types.items()}
    streets = []
    for i, s in enumerate(data.get("streets", [])):
        if not isinstance(s, dict) or not isinstance(s.get("name"), str) or not s["name"].strip():
            raise BadPlaces(f"streets[{i}]: нужно поле name")
        streets.append(KnownStreet(s["name"].strip(), str(s.get("type") or "улица")))
    return Gazetteer(tuple(settlements), types, tuple(streets))


def load_places(path: Path = PLACES_FILE) -> Gazetteer:
    """The seeded gazetteer of the district (bot/data/places.json)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise BadPlaces(f"{path.name}: {exc}") from exc
    return parse_places(data)
