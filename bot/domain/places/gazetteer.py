"""The list of places the parser knows: the district's settlements and the street type words (data in
bot/data/places.json) plus the settlements and streets the admins added (/places)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from bot.domain.place_data import PlacesData, PlacesFileError, parse_seed
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



def gazetteer_of(data: PlacesData) -> Gazetteer:
    """The gazetteer of the district's places: the seed file merged with the admins' list (/places)."""
    return Gazetteer(tuple(Settlement(s.name, s.type, tuple(s.aliases)) for s in data.settlements),
                     dict(data.street_types), tuple(KnownStreet(s.name, s.type) for s in data.streets))


def seed_gazetteer(path: Path = PLACES_FILE) -> Gazetteer:
    """The gazetteer of the seed file alone (bot/data/places.json); `PlacesFileError` names what is wrong."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise PlacesFileError(f"{path.name}: {exc}") from exc
    return gazetteer_of(parse_seed(data))
