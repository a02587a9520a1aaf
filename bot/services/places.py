"""The district's places (issue 16): the seed file and the admins' list, merged into `PlacesData`.

`load_places` is what the place parser's gazetteer is built from; `PlacesService` is the ``/places`` use
case (list, add, remove; admins only, each change audited) and keeps the merged data current.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from bot.domain import audit
from bot.domain.errors import AccessDenied, ValidationFailed
from bot.domain.model import Role
from bot.domain.orgs import DEFAULT_ORG
from bot.domain.place_data import (
    SETTLEMENT,
    STREET,
    PlaceKind,
    PlaceRow,
    PlacesData,
    PlacesFileError,
    Settlement,
    merge,
    name_key,
    parse_place,
    parse_seed,
    place_key,
)
from bot.runtime.clock import Clock
from storage.db import Conn, Database
from storage.events import EventRepository
from storage.places import PlacesRepository


def read_seed(path: Path | None = None) -> PlacesData:
    """The seed file (bot/data/places.json unless ``path``); `PlacesFileError` names what is wrong."""
    if path is None:
        return _packaged_seed()
    return _parse_text(path.read_text(encoding="utf-8"), str(path))


@functools.cache
def _packaged_seed() -> PlacesData:
    return _parse_text((resources.files("bot") / "data" / "places.json").read_text(encoding="utf-8"), "places.json")


def _parse_text(text: str, where: str) -> PlacesData:
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise PlacesFileError(f"{where}: not JSON ({exc})") from exc
    return parse_seed(raw)


async def load_places(db: Database, seed: PlacesData | None = None, *, org_id: int) -> PlacesData:
    """The organisation's places: the seed's (organisation no. 1's only; the others start with the street types
    alone) with its admins' additions and removals applied."""
    return merge(org_seed(seed or read_seed(), org_id), await PlacesRepository().rows(db.conn, org_id=org_id))


def org_seed(seed: PlacesData, org_id: int) -> PlacesData:
    """The seed file is organisation no. 1's; another organisation starts with its admins' list only."""
    return seed if org_id == DEFAULT_ORG else PlacesData(settlements=(), street_types=seed.street_types)


async def _nobody(_user_id: int, _org_id: int) -> bool:
    return False


@dataclass(frozen=True)
class PlaceChange:
    """What ``/places add`` or ``/places remove`` changed."""

    kind: PlaceKind
    type: str
    name: str


class PlacesService:
    def __init__(self, db: Database, clock: Clock,
                 may_administer: Callable[[int, int], Awaitable[bool]] = _nobody, *, seed: PlacesData | None = None,
                 on_change: Callable[[PlacesData], None] | None = None) -> None:
        self.db = db
        self.clock = clock
        self.may_administer = may_administer
        self.seed = seed or read_seed()
        self.on_change = on_change
        self.repo = PlacesRepository()
        self.events = EventRepository()
        self._data: dict[int, PlacesData] = {}

    async def data(self, org_id: int) -> PlacesData:
        """The organisation's current places (read once, then kept current by this service's changes)."""
        if org_id not in self._data:
            self._data[org_id] = await load_places(self.db, self.seed, org_id=org_id)
        return self._data[org_id]

    async def add(self, user_id: int, text: str, *, org_id: int) -> PlaceChange:
        """«станица Зеленчукская», «ул. Школьная»: adds the place to the organisation's list; `ValidationFailed`
        when it is malformed or known."""
        await self._require_admin(user_id, org_id)
        place = parse_place(text, self.seed.street_types)
        data = await self.data(org_id)
        if place.kind == SETTLEMENT:
            if (known := data.settlement(place.name)) is not None:
                raise ValidationFailed("place_exists", name=f"{known.type} {known.name}")
            seeded = next((s for s in org_seed(self.seed, org_id).settlements
                           if name_key(s.name) == name_key(place.name)), None)
            if seeded is not None:           # a seeded settlement removed before: shown again, as seeded
                shown, key = PlaceChange(SETTLEMENT, seeded.type, seeded.name), name_key(place.name)
                await self._change(user_id, org_id, "place_added", shown,
                                   lambda conn: self.repo.delete(conn, SETTLEMENT, key, org_id=org_id))
                return shown
        elif any(place_key(STREET, s.type, s.name) == place.key for s in data.streets):
            raise ValidationFailed("place_exists", name=f"{place.type} {place.name}")
        row, now = PlaceRow(place.kind, place.type, place.name), self.clock.now()
        added = PlaceChange(place.kind, place.type, place.name)
        await self._change(user_id, org_id, "place_added", added,
                           lambda conn: self.repo.put(conn, row, user_id, now, org_id=org_id))
        return added

    async def remove(self, user_id: int, text: str, *, org_id: int) -> PlaceChange:
        """By name, with or without the type word; `ValidationFailed` when unknown or ambiguous."""
        await self._require_admin(user_id, org_id)
        place = parse_place(text, self.seed.street_types, type_required=False)
        data = await self.data(org_id)
        if place.kind == SETTLEMENT:                    # a settlement's type word, or none at all
            found = data.settlement(place.name)
            if found is not None and place.type in ("", found.type):
                return await self._remove_settlement(user_id, found, org_id)
            if place.type:
                raise ValidationFailed("place_not_found", name=f"{place.type} {place.name}")
        streets = [s for s in data.streets if name_key(s.name) == name_key(place.name) and place.type in ("", s.type)]
        if not streets:
            raise ValidationFailed("place_not_found", name=" ".join(filter(None, (place.type, place.name))))
        if len(streets) > 1:
            raise ValidationFailed("place_ambiguous", names=", ".join(f"{s.type} {s.name}" for s in streets))
        street = streets[0]
        key = place_key(STREET, street.type, street.name)
        await self._change(user_id, org_id, "place_removed", PlaceChange(STREET, street.type, street.name),
                           lambda conn: self.repo.delete(conn, STREET, key, org_id=org_id))
        return PlaceChange(STREET, street.type, street.name)

    async def _remove_settlement(self, user_id: int, found: Settlement, org_id: int) -> PlaceChange:
        """An added settlement is deleted; a seeded one is hidden (the file keeps it, the bot ignores it)."""
        change = PlaceChange(SETTLEMENT, found.type, found.name)
        if found.added:
            key = name_key(found.name)
            await self._change(user_id, org_id, "place_removed", change,
                               lambda conn: self.repo.delete(conn, SETTLEMENT, key, org_id=org_id))
        else:
            hidden, now = PlaceRow(SETTLEMENT, found.type, found.name, hidden=True), self.clock.now()
            await self._change(user_id, org_id, "place_removed", change,
                               lambda conn: self.repo.put(conn, hidden, user_id, now, org_id=org_id))
        return change

    async def _require_admin(self, user_id: int, org_id: int) -> None:
        if not await self.may_administer(user_id, org_id):
            raise AccessDenied("admin_only")

    async def _change(self, user_id: int, org_id: int, kind: str, change: PlaceChange,
                      fn: Callable[[Conn], Awaitable[object]]) -> None:
        """The change and its audit event in one transaction; then the organisation's merged data is read
        again."""
        now = self.clock.now()
        async with self.db.transaction() as conn:
            await fn(conn)
            await self.events.append(conn, audit.by_user(user_id, Role.ADMIN, kind, {
                "kind": change.kind, "type": change.type, "name": change.name, "org_id": org_id}), now)
        self._data[org_id] = data = await load_places(self.db, self.seed, org_id=org_id)
        if self.on_change is not None:
            self.on_change(data)
