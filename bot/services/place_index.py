"""The places of posts: each post's places parsed once against the district's current list (the seed file and
the admins' /places list, bot/services/places.py), departments' places for routing suggestions (/dept_places),
and the open cases about the same address (duplicates).

The parser itself is pure (bot/domain/places); this use case feeds it the gazetteer and caches by text.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from bot.domain import audit
from bot.domain.errors import AccessDenied, ValidationFailed
from bot.domain.model import Case, Role
from bot.domain.orgs import Scope
from bot.domain.place_data import PlacesData
from bot.domain.places import (
    Gazetteer,
    Morphology,
    Place,
    find_places,
    gazetteer_of,
    lemmas_in_order,
    seed_gazetteer,
)
from bot.runtime.clock import Clock
from storage.db import Database
from storage.department_places import DepartmentPlace, DepartmentPlaceRepository
from storage.events import EventRepository
from storage.place_queries import open_case_texts

TEXT_CACHE = 4096
_HOUSE_DIGITS = re.compile(r"\d+")
V = TypeVar("V")
OPEN_CASES_SCANNED = 500

PlacesSource = Callable[[], Awaitable[PlacesData]]


@dataclass(frozen=True)
class AddressMatch:
    """An open case about the same address as another one."""

    case_id: int
    number: str
    label: str


def street_of(key: str) -> str:
    """The street of an address key: ``street:школьный:3`` -> ``street:школьный:``."""
    return key.rsplit(":", 1)[0] + ":" if key.startswith("street:") else key


def is_address(place: Place) -> bool:
    return place.kind == "street" and not place.key.endswith(":")


class _Lru(Generic[V]):
    """The values of the most recent texts."""

    def __init__(self) -> None:
        self.items: OrderedDict[str, V] = OrderedDict()

    def get(self, text: str) -> V | None:
        found = self.items.get(text)
        if found is not None:
            self.items.move_to_end(text)
        return found

    def put(self, text: str, value: V) -> None:
        self.items[text] = value
        if len(self.items) > TEXT_CACHE:
            self.items.popitem(last=False)


class PlaceIndex:
    def __init__(self, db: Database, clock: Clock, *, places: PlacesSource | None = None,
                 is_admin: Callable[[int], bool] = lambda _user: False, morph: Morphology | None = None) -> None:
        self.db, self.clock = db, clock
        self._source = places
        self.is_admin = is_admin
        self.morph = morph
        self.repo = DepartmentPlaceRepository()
        self.events = EventRepository()
        self._gazetteer: Gazetteer | None = None
        self._data: PlacesData | None = None
        self._places: _Lru[tuple[Place, ...]] = _Lru()
        self._words: _Lru[tuple[str, ...]] = _Lru()
        self._department_places: dict[int, list[DepartmentPlace]] | None = None

    # ---- the gazetteer and the places of a text -----------------------------------------------------
    async def gazetteer(self) -> Gazetteer:
        """The gazetteer of the current list of places (built again when /places changes it)."""
        if self._source is None:
            if self._gazetteer is None:
                self._gazetteer = seed_gazetteer()
            return self._gazetteer
        data = await self._source()
        if data is not self._data or self._gazetteer is None:
            self._data, self._gazetteer = data, gazetteer_of(data)
            self._places = _Lru()
        return self._gazetteer

    async def places_of(self, text: str) -> tuple[Place, ...]:
        """The places a text names (each text parsed once while it is among the recent ones)."""
        return self._parsed(text, await self.gazetteer())

    def _parsed(self, text: str, gazetteer: Gazetteer) -> tuple[Place, ...]:
        found = self._places.get(text)
        if found is None:
            found = tuple(find_places(text, gazetteer, self.morph))
            self._places.put(text, found)
        return found

    def words_of(self, text: str) -> tuple[str, ...]:
        """The significant lemmas of a text in the order written (cached like its places)."""
        found = self._words.get(text)
        if found is None:
            found = tuple(lemmas_in_order(text, self.morph))
            self._words.put(text, found)
        return found

    # ---- departments' places (routing suggestions) ------------------------------------------------------
    async def department_places(self) -> dict[int, list[DepartmentPlace]]:
        """Every department's places (read once, then kept current by ``set_department_places``)."""
        if self._department_places is None:
            self._department_places = await self.repo.all(self.db.conn)
        return self._department_places

    async def set_department_places(self, user_id: int, department_id: int, text: str) -> list[DepartmentPlace]:
        """«ул. Школьная; ст. Исправная»: each part must name a place; «-» clears the list."""
        if not self.is_admin(user_id):
            raise AccessDenied("admin_only")
        places: dict[str, DepartmentPlace] = {}
        if text.strip() not in ("-", "—"):
            for part in (p.strip() for p in text.replace("\n", ";").split(";")):
                if not part:
                    continue
                found = await self.places_of(part)
                if not found:
                    raise ValidationFailed("place_not_recognised", place=part[:64])
                for p in found:
                    places.setdefault(p.key, DepartmentPlace(p.key, p.label))
        result = list(places.values())
        now = self.clock.now()
        async with self.db.transaction() as conn:
            await self.repo.replace(conn, department_id, result)
            await self.events.append(conn, audit.by_user(user_id, Role.ADMIN, "department_places", {
                "id": department_id, "places": [p.key for p in result]}), now)
        self._department_places = None
        return result

    async def scores(self, text: str) -> dict[int, int]:
        """How many of each department's places the text names (a street's place covers its houses)."""
        departments = await self.department_places()
        if not departments:
            return {}
        keys: set[str] = set()
        for p in await self.places_of(text):
            keys.update({p.key, street_of(p.key)})
        out: dict[int, int] = {}
        for dept_id, places in departments.items():
            hits = sum(1 for p in places if p.key in keys)
            if hits:
                out[dept_id] = hits
        return out

    # ---- duplicates: open cases at the same address ---------------------------------------------------
    async def open_at_address(self, case: Case) -> list[AddressMatch]:
        """Other open cases about an address (a street and a house) this case names, oldest first."""
        mine = {p.key: p for p in await self.places_of(case.text) if is_address(p)}
        if not mine:
            return []
        out: list[AddressMatch] = []
        gazetteer = await self.gazetteer()
        digits = sorted({m.group() for key in mine if (m := _HOUSE_DIGITS.match(key.rsplit(":", 1)[1]))})
        # only the case's own organisation's: an open case of another one is not revealed (issue 14 §2)
        for case_id, number, text in await open_case_texts(self.db.conn, OPEN_CASES_SCANNED, digits,
                                                           scope=Scope.one(case.org_id)):
            if case_id == case.id:
                continue
            shared = [mine[p.key] for p in self._parsed(text, gazetteer) if p.key in mine]
            if shared:
                out.append(AddressMatch(case_id, number, shared[0].label))
        return out

    async def same_address(self, a: Case, b: Case) -> bool:
        mine = {p.key for p in await self.places_of(a.text) if is_address(p)}
        return any(p.key in mine for p in await self.places_of(b.text))
