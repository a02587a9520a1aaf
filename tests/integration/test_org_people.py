"""Issue 14 §1: the people-related things of each organisation — its operators' handover, its invites, its
places (/places, the gazetteer: the seed file stays organisation no. 1's) and its departments' places and
suggestions — never mix with another organisation's; through a real Dispatcher."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot import texts
from bot.domain.errors import AccessDenied
from bot.runtime.clock import FakeClock
from tests.integration.test_orgs import ORG_ADMIN, ZEL_CHAT, link_token, org_admin_of_zel, pick
from tests.support import updates
from tests.support.harness import ADMIN, OPERATOR, OPERATOR2, Harness, bound_harness

ZEL_OP1 = 711
ZEL_OP2 = 712
STREET_POST = "Кооперативная без света с утра"


@pytest.fixture
async def h(tmp_path: Path, clock: FakeClock) -> AsyncIterator[Harness]:
    async with bound_harness(tmp_path, clock) as harness:
        yield harness


async def zel_operators(h: Harness) -> int:
    zel = await org_admin_of_zel(h)
    for user_id, name in ((ZEL_OP1, "Залина Первая"), (ZEL_OP2, "Зарема Вторая")):
        await h.say(ORG_ADMIN, "/invite")
        await h.say(user_id, f"/start inv_{link_token(h.last(ORG_ADMIN).text)}", full_name=name)
    return zel


async def test_a_removed_operators_cases_go_only_to_operators_of_the_same_organisation(h: Harness) -> None:
    await zel_operators(h)
    await h.say(ZEL_OP1, "Во дворе яма, никто не чинит", forward_from_chat=(-100555, "Подслушано", "zel_online"),
                forward_message_id=7)
    case_id = (await h.app.db.fetchall("SELECT id FROM cases WHERE operator_id = ?", (ZEL_OP1,)))[0][0]
    async with h.app.db.transaction() as conn:     # the organisation intake gives it (scope-cases' part of issue 14)
        await conn.execute("UPDATE cases SET org_id = 2 WHERE id = ?", (case_id,))
    assert await h.app.dp["handover"].takers(ZEL_OP1) == [ZEL_OP2]
    await h.say(ORG_ADMIN, "/operators")
    assert "Залина Первая" in h.last(ORG_ADMIN).text and str(OPERATOR) not in h.last(ORG_ADMIN).text
    await h.press(ORG_ADMIN, ORG_ADMIN, f"{texts.BTN_REMOVE}: Залина Первая")
    asked = h.last(ORG_ADMIN)
    assert h.labels(ORG_ADMIN, asked.message_id) == ["Зарема Вторая", texts.HANDOVER_SPREAD, texts.HANDOVER_CANCEL]
    await h.press(ORG_ADMIN, ORG_ADMIN, texts.HANDOVER_SPREAD)
    assert (await h.app.db.fetchall("SELECT operator_id FROM cases WHERE id = ?", (case_id,)))[0][0] == ZEL_OP2
    assert ZEL_OP1 not in [o.user_id for o in await h.app.access.operators(org_id=2)]
    assert {OPERATOR, OPERATOR2} <= {o.user_id for o in await h.app.access.operators(org_id=1)}


async def test_invites_are_listed_and_revoked_per_organisation(h: Harness) -> None:
    await org_admin_of_zel(h)
    await h.say(ORG_ADMIN, "/invite_official")
    await h.say(ADMIN, "/invite")
    await pick(h, ADMIN, ADMIN, "Администрация")
    await h.say(ORG_ADMIN, "/invites")
    theirs = h.last(ORG_ADMIN).text
    assert "ответственное лицо" in theirs and "оператор," not in theirs
    await h.say(ADMIN, "/invites")
    await pick(h, ADMIN, ADMIN, "Администрация")
    ours = h.last(ADMIN).text
    assert "оператор," in ours and "ответственное лицо" not in ours
    assert await h.press(ORG_ADMIN, ORG_ADMIN, texts.BTN_REVOKE_INVITE) == texts.INVITE_REVOKED
    rows = await h.app.db.fetchall("SELECT org_id, role, revoked_by FROM invites")
    # The invites were made at the same moment (the clock did not move): compared as a set.
    assert sorted((r[0], r[1], r[2] or 0) for r in rows) == sorted([(2, "org_admin", 0), (2, "official", ORG_ADMIN),
                                                                    (1, "operator", 0)])


async def test_each_organisation_has_its_own_places_and_the_seed_stays_the_first_ones(h: Harness) -> None:
    zel = await org_admin_of_zel(h)
    seeded = len((await h.app.dp["places"].data(1)).settlements)
    assert seeded > 0
    await h.say(ORG_ADMIN, "/places")
    assert texts.PLACES_SETTLEMENTS.format(count=0).replace("<b>", "").replace("</b>", "") in h.last(ORG_ADMIN).text
    await h.say(ORG_ADMIN, "/places add ул. Кооперативная")
    assert h.last(ORG_ADMIN).text == texts.PLACE_ADDED.format(type="улица", name="Кооперативная")
    index = h.app.dp["place_index"]
    assert [p.key for p in await index.places_of(STREET_POST, zel)] == ["street:кооперативный:"]
    assert await index.places_of(STREET_POST, 1) == ()                    # not organisation no. 1's street
    await h.say(ADMIN, "/places")
    await pick(h, ADMIN, ADMIN, "Администрация")
    assert "Кооперативная" not in h.last(ADMIN).text
    assert len((await h.app.dp["places"].data(1)).settlements) == seeded
    rows = await h.app.db.fetchall("SELECT org_id, name FROM places")
    assert [(r[0], r[1]) for r in rows] == [(zel, "Кооперативная")]


async def test_departments_places_and_suggestions_are_the_organisations_own(h: Harness) -> None:
    zel = await org_admin_of_zel(h)
    await h.say_in(ZEL_CHAT, ORG_ADMIN, "/bind Служба ЖКХ")
    await h.say(ORG_ADMIN, "/places add ул. Кооперативная")
    await h.say(ORG_ADMIN, "/dept_places Служба ЖКХ: ул. Кооперативная")
    assert "Служба ЖКХ" in h.last(ORG_ADMIN).text and "Кооперативная" in h.last(ORG_ADMIN).text
    await h.say(ORG_ADMIN, "/dept_places Отдел ЖКХ: ул. Кооперативная")   # organisation no. 1's department
    assert "Нет отдела «Отдел ЖКХ»" in h.last(ORG_ADMIN).text
    suggested = await h.app.access.suggest(STREET_POST, org_id=zel)
    assert [d.name for d in suggested] == ["Служба ЖКХ"]
    assert "Служба ЖКХ" not in [d.name for d in await h.app.access.suggest(STREET_POST, org_id=1)]
    dept = next(d for d in await h.app.access.departments(org_id=1) if d.name == "Отдел ЖКХ")
    index = h.app.dp["place_index"]
    with pytest.raises(AccessDenied):                 # the service refuses another organisation's department
        await index.set_department_places(ORG_ADMIN, dept.id, "ул. Кооперативная", org_id=zel)
    with pytest.raises(AccessDenied):
        await index.set_department_places(ORG_ADMIN, dept.id, "ул. Кооперативная", org_id=1)
    assert await index.department_places(1) == {}


async def test_an_open_invite_of_an_organisations_admin_is_the_deployment_admins_alone(h: Harness) -> None:
    await org_admin_of_zel(h)
    await h.say(ADMIN, "/invite_org_admin")
    await pick(h, ADMIN, ADMIN, "Зеленчукский район")
    await h.say(ADMIN, "/invites")
    await pick(h, ADMIN, ADMIN, "Зеленчукский район")
    message_id, data = h.button(ADMIN, f"{texts.BTN_REVOKE_INVITE}: администратор организации")
    await h.say(ORG_ADMIN, "/invites")
    assert h.last(ORG_ADMIN).text == texts.INVITES_EMPTY
    await h.feed(updates.callback(ORG_ADMIN, ORG_ADMIN, data, message_id, chat_type="private"))   # forged
    assert h.alerts()[-1] == texts.INVITE_NOT_REVOCABLE
    assert await h.app.db.fetchall("SELECT 1 FROM invites WHERE revoked_at IS NOT NULL") == []
    assert await h.press(ADMIN, ADMIN, f"{texts.BTN_REVOKE_INVITE}: администратор организации") == texts.INVITE_REVOKED
