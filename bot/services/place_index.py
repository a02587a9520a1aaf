"""Places: the gazetteer (the district's seeded list and what the admins added with /places), the places of
each post (parsed once per text), departments' places for routing suggestions, and open cases at an address.

The parser itself is pure (bot/domain/places); this use case feeds it the gazetteer the admins edit.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

from bot.domain import audit
from bot.domain.errors import AccessDenied, ValidationFailed
from bot.domain.model import Case, Role
from bot.domain.places import (
    Gazetteer,
    KnownStreet,
    Morphology,
    Place,
    Settlement,
    default_morphology,
    find_places,
    lemmas_in_order,
    load_places,
)
from bot.domain.places.gazetteer import SETTLEMENT_TYPES
from bot.runtime.clock import Clock
from storage.cases import CaseRepository
from storage.db import Database
from storage.events import EventRepository
from storage.department_places import AddedPlace, DepartmentPlace, PlaceRepository

MAX_PLACE_NAME = 64
TEXT_CACHE = 4096


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


class PlaceIndex:
    def __init__(self, db: Database, clock: Clock, *, admin_ids: Sequence[int] = (), seed: Gazetteer | None = None,
                 morph: Morphology | None = None) -> None:
        self.db, self.clock = db, clock
        self.admin_ids = frozenset(admin_ids)
        self._seed = seed
        self.morph = morph
        self.repo = PlaceRepository()
        self.events = EventRepository()
        self._gazetteer: Gazetteer | None = None
        self._texts: OrderedDict[str, tuple[Place, ...]] = OrderedDict()
        self._words: OrderedDict[str, tuple[str, ...]] = OrderedDict()

    # ---- the gazetteer ------------------------------------------------------------------------------
    def seed(self) -> Gazetteer:
        if self._seed is None:
            self._seed = load_places()
        return self._seed

    async def gazetteer(self) -> Gazetteer:
        """The seeded list plus the admins' additions (rebuilt after each change)."""
        if self._gazetteer is None:
            added = await self.repo.added(self.db.conn)
            self._gazetteer = self.seed().with_additions(
                [Settlement(p.name, p.type) for p in added if p.kind == "settlement"],
                [KnownStreet(p.name, p.type) for p in added if p.kind == "street"])
            self._texts.clear()
        return self._gazetteer

    async def places_of(self, text: str) -> tuple[Place, ...]:
        """The places a text names (each text parsed once while it is among the recent ones)."""
        gazetteer = await self.gazetteer()
        found = self._texts.get(text)
        if found is None:
            found = tuple(find_places(text, gazetteer, self.morph))
            self._texts[text] = found
            if len(self._texts) > TEXT_CACHE:
                self._texts.popitem(last=False)
        else:
            self._texts.move_to_end(text)
        return found

    def words_of(self, text: str) -> tuple[str, ...]:
        """The significant lemmas of a text in the order written (cached like its places)."""
        found = self._words.get(text)
        if found is None:
            found = tuple(lemmas_in_order(text, self.morph))
            self._words[text] = found
            if len(self._words) > TEXT_CACHE:
                self._words.popitem(last=False)
        return found

    async def added(self) -> list[AddedPlace]:
        return await self.repo.added(self.db.conn)

    def _require_admin(self, user_id: int) -> None:
        if user_id not in self.admin_ids:
            raise AccessDenied("admin_only")

    async def parse_addition(self, line: str) -> AddedPlace:
        """«ст. Новая», «хутор Весёлый», «ул. Школьная»: a type word, then the name."""
        words = line.split()
        if len(words) < 2:
            raise ValidationFailed("place_type_required")
        kind_word = words[0].lower().replace("ё", "е").rstrip(".")
        name = " ".join(words[1:]).strip(" .,;")
        if not name or len(name) > MAX_PLACE_NAME or not any(ch.isalpha() for ch in name):
            raise ValidationFailed("place_name_bad", limit=MAX_PLACE_NAME)
        name = " ".join("-".join(p[:1].upper() + p[1:] for p in w.split("-")) for w in name.split())
        if kind_word in SETTLEMENT_TYPES:
            return AddedPlace("settlement", name, SETTLEMENT_TYPES[kind_word])
        street_type = (await self.gazetteer()).street_type(kind_word, self._morph())
        if street_type is not None:
            return AddedPlace("street", name, street_type)
        raise ValidationFailed("place_type_required")

    def _morph(self) -> Morphology:
        return self.morph or default_morphology()

    async def add(self, user_id: int, line: str) -> AddedPlace:
        self._require_admin(user_id)
        place = await self.parse_addition(line)
        now = self.clock.now()
        async with self.db.transaction() as conn:
            added = await self.repo.added(conn)
            if any(p.kind == place.kind and p.name.lower() == place.name.lower() for p in added) or (
                    place.kind == "settlement" and any(s.name.lower() == place.name.lower()
                                                       for s in self.seed().settlements)):
                raise ValidationFailed("place_exists", name=place.name)
            await self.repo.set_added(conn, [*added, place])
            await self.events.append(conn, audit.by_user(user_id, Role.ADMIN, "place_added", {
                "kind": place.kind, "name": place.name, "type": place.type}), now)
        self._gazetteer = None
        return place

    async def remove(self, user_id: int, name: str) -> AddedPlace:
        self._require_admin(user_id)
        wanted = " ".join(name.split()).lower()
        now = self.clock.now()
        async with self.db.transaction() as conn:
            added = await self.repo.added(conn)
            gone = next((p for p in added if p.name.lower() == wanted), None)
            if gone is None:
                raise ValidationFailed("place_not_added", name=name.strip())
            await self.repo.set_added(conn, [p for p in added if p is not gone])
            await self.events.append(conn, audit.by_user(user_id, Role.ADMIN, "place_removed", {
                "kind": gone.kind, "name": gone.name}), now)
        self._gazetteer = None
        return gone

    # ---- departments' places (routing suggestions) ------------------------------------------------------
    async def department_places(self) -> dict[int, list[DepartmentPlace]]:
        return await self.repo.department_places(self.db.conn)

    async def set_department_places(self, user_id: int, department_id: int, text: str) -> list[DepartmentPlace]:
        """«ул. Школьная; ст. Исправная»: each part must name a place; «-» clears the list."""
        self._require_admin(user_id)
        places: dict[str, DepartmentPlace] = {}
        if text.strip() not in ("-", "—"):
            for part in (p.strip() for p in text.replace("\n", ";").split(";")):
                if not part:
                    continue
                found = await self.places_of(part)
                if not found:
                    raise ValidationFailed("place_not_recognised", place=part)
                for p in found:
                    places.setdefault(p.key, DepartmentPlace(p.key, p.label))
        result = list(places.values())
        now = self.clock.now()
        async with self.db.transaction() as conn:
            await self.repo.set_department_places(conn, department_id, result)
            await self.events.append(conn, audit.by_user(user_id, Role.ADMIN, "department_places", {
                "id": department_id, "places": [p.key for p in result]}), now)
        return result

    async def scores(self, text: str) -> dict[int, int]:
        """How many of each department's places the text names (a street's place covers its houses)."""
        keys: set[str] = set()
        for p in await self.places_of(text):
            keys.update({p.key, street_of(p.key)})
        out: dict[int, int] = {}
        for dept_id, places in (await self.department_places()).items():
            hits = sum(1 for p in places if p.key in keys)
            if hits:
                out[dept_id] = hits
        return out

    # ---- duplicates: open cases at the same address ---------------------------------------------------
    async def open_at_address(self, case: Case, limit: int = 200) -> list[AddressMatch]:
        """Other open cases about an address (a street and a house) this case names, oldest first."""
        mine = {p.key: p for p in await self.places_of(case.text) if is_address(p)}
        if not mine:
            return []
        out: list[AddressMatch] = []
        for other in await CaseRepository().list_open(self.db.conn, limit=limit):
            if other.id == case.id or other.id is None:
                continue
            shared = [mine[p.key] for p in await self.places_of(other.text) if p.key in mine]
            if shared:
                out.append(AddressMatch(other.id, other.number, shared[0].label))
        return out
