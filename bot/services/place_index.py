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
from storage.directory import DirectoryRepository
from storage.events import EventRepository
from storage.place_queries import open_case_texts

TEXT_CACHE = 4096
_HOUSE_DIGITS = re.compile(r"\d+")
V = TypeVar("V")
OPEN_CASES_SCANNED = 500

#: The organisation's current places (PlacesService.data).
PlacesSource = Callable[[int], Awaitable[PlacesData]]


async def _nobody(_user_id: int, _org_id: int) -> bool:
    return False


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
                 may_administer: Callable[[int, int], Awaitable[bool]] = _nobody,
                 morph: Morphology | None = None) -> None:
        self.db, self.clock = db, clock
        self._source = places
        self.may_administer = may_administer
        self.morph = morph
        self.repo = DepartmentPlaceRepository()
        self.directory = DirectoryRepository()
        self.events = EventRepository()
        self._gazetteers: dict[int, tuple[PlacesData | None, Gazetteer]] = {}
        self._places: _Lru[tuple[Place, ...]] = _Lru()
        self._words: _Lru[tuple[str, ...]] = _Lru()
        self._department_places: dict[int, dict[int, list[DepartmentPlace]]] = {}

    # ---- the gazetteer and the places of a text (each organisation's own list, issue 14) --------------------
    async def gazetteer(self, org_id: int) -> Gazetteer:
        """The gazetteer of the organisation's current list of places (built again when /places changes it)."""
        known = self._gazetteers.get(org_id)
        if self._source is None:
            if known is None:
                known = self._gazetteers[org_id] = (None, seed_gazetteer())
            return known[1]
        data = await self._source(org_id)
        if known is None or data is not known[0]:
            if known is not None:
                self._places = _Lru()           # the list changed: texts are read again
            known = self._gazetteers[org_id] = (data, gazetteer_of(data))
        return known[1]

    async def places_of(self, text: str, org_id: int) -> tuple[Place, ...]:
        """The places a text names by the organisation's list (each text parsed once while it is among the recent
        ones)."""
        return self._parsed(text, await self.gazetteer(org_id), org_id)

    def _parsed(self, text: str, gazetteer: Gazetteer, org_id: int) -> tuple[Place, ...]:
        key = f"{org_id}:{text}"
        found = self._places.get(key)
        if found is None:
            found = tuple(find_places(text, gazetteer, self.morph))
            self._places.put(key, found)
        return found

    def words_of(self, text: str) -> tuple[str, ...]:
        """The significant lemmas of a text in the order written (cached like its places)."""
        found = self._words.get(text)
        if found is None:
            found = tuple(lemmas_in_order(text, self.morph))
            self._words.put(text, found)
        return found

    # ---- departments' places (routing suggestions) ------------------------------------------------------
    async def department_places(self, org_id: int) -> dict[int, list[DepartmentPlace]]:
        """The places of the organisation's departments (read once, then kept current by
        ``set_department_places``)."""
        if org_id not in self._department_places:
            self._department_places[org_id] = await self.repo.all(self.db.conn, scope=Scope.one(org_id))
        return self._department_places[org_id]

    async def set_department_places(self, user_id: int, department_id: int, text: str, *,
                                    org_id: int) -> list[DepartmentPlace]:
        """«ул. Школьная; ст. Исправная»: each part must name a place of the organisation's list; «-» clears the
        list. Only an admin of the department's organisation."""
        if (not await self.may_administer(user_id, org_id)
                or await self.directory.department(self.db.conn, department_id, scope=Scope.one(org_id)) is None):
            raise AccessDenied("admin_only")
        places: dict[str, DepartmentPlace] = {}
        if text.strip() not in ("-", "—"):
            for part in (p.strip() for p in text.replace("\n", ";").split(";")):
                if not part:
                    continue
                found = await self.places_of(part, org_id)
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
        self._department_places.pop(org_id, None)
        return result

    async def scores(self, text: str, org_id: int) -> dict[int, int]:
        """How many of each of the organisation's departments' places the text names (a street's place covers
        its houses)."""
        departments = await self.department_places(org_id)
        if not departments:
            return {}
        keys: set[str] = set()
        for p in await self.places_of(text, org_id):
            keys.update({p.key, street_of(p.key)})
        out: dict[int, int] = {}
        for dept_id, places in departments.items():
            hits = sum(1 for p in places if p.key in keys)
            if hits:
                out[dept_id] = hits
        return out

    # ---- duplicates: open cases at the same address ---------------------------------------------------
    async def open_at_address(self, case: Case) -> list[AddressMatch]:
        """Other open cases of its organisation about an address (a street and a house) this case names, oldest
        first."""
        mine = {p.key: p for p in await self.places_of(case.text, case.org_id) if is_address(p)}
        if not mine:
            return []
        out: list[AddressMatch] = []
        gazetteer = await self.gazetteer(case.org_id)
        digits = sorted({m.group() for key in mine if (m := _HOUSE_DIGITS.match(key.rsplit(":", 1)[1]))})
        # only the case's own organisation's: an open case of another one is not revealed (issue 14 §2)
        for case_id, number, text in await open_case_texts(self.db.conn, OPEN_CASES_SCANNED, digits,
                                                           scope=Scope.one(case.org_id)):
            if case_id == case.id:
                continue
            shared = [mine[p.key] for p in self._parsed(text, gazetteer, case.org_id) if p.key in mine]
            if shared:
                out.append(AddressMatch(case_id, number, shared[0].label))
        return out

    async def same_address(self, a: Case, b: Case) -> bool:
        mine = {p.key for p in await self.places_of(a.text, a.org_id) if is_address(p)}
        return any(p.key in mine for p in await self.places_of(b.text, b.org_id))
