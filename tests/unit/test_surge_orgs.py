"""Issue 14 §1: a surge (cl. 21) is one organisation's. Posts about one address in A and in B are a surge of
neither unless each reaches the threshold; the alert goes to that organisation's head, its operators and the
coordinator (naming it)."""

from __future__ import annotations

import json

from bot.domain.model import Actor
from bot.domain.orgs import OrgKind
from bot.runtime.clock import FakeClock
from bot.services.access import AccessService
from bot.services.cases import CaseService, NewPost
from bot.services.place_index import PlaceIndex
from bot.services.places import PlacesService
from bot.services.surges import SurgeService
from deadlines.calendar import WorkCalendar
from storage.db import Database
from storage.orgs import OrganisationRepository
from tests.conftest import msk

#: Posts about one address (ул. Мира, 3).
TEXTS = ("Яма на ул. Мира, 3", "у дома улица Мира 3 провал", "ул Мира д 3 опасно", "Мира 3, ул., яма огромная",
         "яма у дома ул. Мира, 3", "опять ул. Мира, 3 яма")
HEAD_B = -950
COORDINATOR_CHAT = -990


async def org_b(db: Database) -> int:
    async with db.transaction() as conn:
        org = await OrganisationRepository().add(conn, "Минстрой КЧР", "MIN", OrgKind.REPUBLIC, msk(2026, 12, 1))
        await OrganisationRepository().bind_head(conn, org.id, HEAD_B)
    return org.id


async def post(db: Database, cases: CaseService, operator: Actor, clock: FakeClock, org_id: int, i: int) -> int:
    reg = await cases.register(NewPost("vk", TEXTS[i], operator.user_id, clock.now()), operator)
    assert reg.case.id is not None
    async with db.transaction() as conn:          # the intake's organisation is another part of the issue
        if org_id != 1:
            await conn.execute("UPDATE cases SET org_id = ?, number = 'MIN-2026-' || id, seq = id + 1000 "
                               "WHERE id = ?", (org_id, reg.case.id))
    clock.advance(minutes=5)
    return reg.case.id


async def coordinator() -> list[int]:
    return [COORDINATOR_CHAT]


async def test_posts_of_two_organisations_are_a_surge_of_neither_until_one_reaches_the_threshold(
        db: Database, cases: CaseService, operator: Actor, clock: FakeClock, calendar: WorkCalendar,
        access: AccessService) -> None:
    b = await org_b(db)
    surges = SurgeService(db, calendar, clock, access.head_chat_id, min_posts=3, window_minutes=120,
                          coordinator=coordinator)
    ids = [await post(db, cases, operator, clock, org, i) for i, org in enumerate((1, b, 1, b))]
    for case_id in ids:
        assert await surges.check(case_id) is None          # two in A, two in B: four about one address, no surge
    third_b = await post(db, cases, operator, clock, b, 5)
    alert = await surges.check(third_b)
    assert alert is not None and alert.new and alert.case_ids == [ids[1], ids[3], third_b]
    rows = await db.fetchall("SELECT kind, target_id, payload FROM outbox WHERE kind IN "
                             "('chat_text', 'surge_operators', 'coordinator_alert') ORDER BY id")
    assert [(r["kind"], r["target_id"]) for r in rows] == [
        ("chat_text", HEAD_B), ("surge_operators", None), ("coordinator_alert", None)]
    assert json.loads(rows[1]["payload"])["org_id"] == b and json.loads(rows[2]["payload"])["org_id"] == b
    [org] = await db.fetchall("SELECT org_id FROM surges")
    assert org[0] == b


async def test_each_organisation_reads_its_posts_with_its_own_list_of_places(
        db: Database, cases: CaseService, operator: Actor, clock: FakeClock, calendar: WorkCalendar,
        access: AccessService) -> None:
    """A settlement only B's admins listed (/places) makes B's posts one topic; organisation no. 1's list does
    not know it — reading B's posts with no. 1's places would miss B's surge."""
    b = await org_b(db)

    async def admin(user_id: int, org_id: int) -> bool:
        return True

    places = PlacesService(db, clock, admin)
    await places.add(1, "хутор Кобу-Баши", org_id=b)
    index = PlaceIndex(db, clock, places=places.data)
    surges = SurgeService(db, calendar, clock, access.head_chat_id, min_posts=3, window_minutes=120, places=index)
    texts = ("В Кобу-Баши опять отключили свет", "х. Кобу-Баши — света нет с утра", "Кобу-Баши без света третий час")
    ids = []
    for text in texts:
        reg = await cases.register(NewPost("vk", text, operator.user_id, clock.now()), operator)
        assert reg.case.id is not None
        async with db.transaction() as conn:
            await conn.execute("UPDATE cases SET org_id = ?, number = 'MIN-2026-' || id, seq = id + 1000 "
                               "WHERE id = ?", (b, reg.case.id))
        ids.append(reg.case.id)
        clock.advance(minutes=5)
    alert = await surges.check(ids[-1])
    assert alert is not None and alert.case_ids == ids
    [row] = await db.fetchall("SELECT reason, topic FROM surges")
    assert row["reason"] == "place" and "кобу" in row["topic"].lower()
