"""Issue 14 §1: organisations managed by the deployment's admins (/orgs, /org_add with its kind, prefixes,
/org_rename, archive and restore), their own admins (/invite_org_admin → a one-time link → an admin of that
organisation only), and «Для какой организации?» for an admin of several — all through a real Dispatcher."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot import texts
from bot.runtime.clock import FakeClock
from bot.services.access import ChatInfo
from handlers.callbacks import AdminCb, AdminOp
from handlers.org_choice import OrgPickCb
from handlers.orgs import OrgCb, OrgOp
from tests.support import updates
from tests.support.harness import (
    ADMIN,
    DEPT_A_CHAT,
    HEAD_CHAT,
    OPERATOR,
    STRANGER,
    Harness,
    bound_harness,
    )

ORG_ADMIN = 700          # an admin of organisation no. 2 only
ZEL_OPERATOR = 701
ZEL_OFFICIAL = 702
ONE_OPERATOR = 703       # an invited operator of organisation no. 1
ZEL_CHAT = -2001
ZEL_HEAD = -2002


@pytest.fixture
async def h(tmp_path: Path, clock: FakeClock) -> AsyncIterator[Harness]:
    async with bound_harness(tmp_path, clock) as harness:
        yield harness


def plain(html: str) -> str:
    """What the chat shows of an HTML text."""
    return re.sub(r"<[^>]+>", "", html)


def link_token(text: str) -> str:
    found = re.search(r"start=inv_(\S+)", text)
    assert found is not None, text
    return found.group(1)


async def add_org(h: Harness, name: str = "Зеленчукский район", kind: str = texts.BTN_ORG_MUNICIPALITY) -> int:
    await h.say(ADMIN, f"/org_add {name}")
    assert h.last(ADMIN).text == texts.ORG_ASK_KIND.format(name=name)
    await h.press(ADMIN, ADMIN, kind)
    org = next(o for o in await h.app.access.organisations() if o.name == name)
    return org.id


async def pick(h: Harness, user_id: int, chat_id: int, org_name: str) -> None:
    """Answers «Для какой организации?» with the organisation's button."""
    assert h.last(chat_id).text == texts.ORG_WHICH
    await h.press(user_id, chat_id, org_name)


async def org_admin_of_zel(h: Harness) -> int:
    """Organisation no. 2 with an admin of its own (invited by the deployment admin)."""
    zel = await add_org(h)
    await h.say(ADMIN, "/invite_org_admin")
    await pick(h, ADMIN, ADMIN, "Зеленчукский район")
    await h.say(ORG_ADMIN, f"/start inv_{link_token(h.last(ADMIN).text)}")
    assert h.last(ORG_ADMIN).text == plain(texts.ORG_ADMIN_ACCEPTED)
    return zel


async def test_a_deployment_admin_creates_an_organisation_with_a_suggested_prefix_and_lists_it(h: Harness) -> None:
    zel = await add_org(h)
    assert h.last(ADMIN).text.startswith("Организация «Зеленчукский район» создана (№ 2), префикс номеров — ZEL")
    assert "ZEL-2026-0042" in h.last(ADMIN).text
    republic = await add_org(h, "Министерство строительства", texts.BTN_ORG_REPUBLIC)
    await h.say(ADMIN, "/orgs")
    listing = h.last(ADMIN).text
    assert "1. Администрация — префикс нет (номера без префикса), муниципалитет; чат главы: привязан; " \
           "отделов: 2, операторов: 0" in listing
    assert f"{zel}. Зеленчукский район — префикс ZEL, муниципалитет; чат главы: не привязан; отделов: 0" in listing
    assert f"{republic}. Министерство строительства — префикс MIN, республиканский орган" in listing
    events = await h.app.db.fetchall("SELECT kind, actor_id FROM events WHERE kind = 'org_added'")
    assert [(e["kind"], e["actor_id"]) for e in events] == [("org_added", ADMIN)] * 2


async def test_a_name_taken_or_missing_is_refused_and_nothing_is_created(h: Harness) -> None:
    await add_org(h)
    await h.say(ADMIN, "/org_add зеленчукский   район")
    await h.press(ADMIN, ADMIN, texts.BTN_ORG_MUNICIPALITY)
    assert h.alerts()[-1] == texts.ORG_ERRORS["org_name_taken"]
    await h.say(ADMIN, "/org_add")
    assert h.last(ADMIN).text == plain(texts.ORG_ADD_USAGE)
    assert len(await h.app.access.organisations()) == 2


async def test_the_prefix_changes_only_valid_unique_and_before_the_first_case(h: Harness) -> None:
    zel = await add_org(h)
    await add_org(h, "Карачаевский район")                              # KAR
    for command, answer in [
        (f"/org_prefix {zel} zk1", texts.ORG_ERRORS["org_prefix_invalid"]),
        (f"/org_prefix {zel} KAR", texts.ORG_ERRORS["org_prefix_taken"]),
        ("/org_prefix 1 ADM", texts.ORG_ERRORS["org_prefix_default"]),
        ("/org_prefix 99 ABC", texts.ORG_ERRORS["org_unknown"]),
        ("/org_prefix ZEL", texts.ORG_PREFIX_USAGE),
    ]:
        await h.say(ADMIN, command)
        assert h.last(ADMIN).text == plain(answer), command
    await h.say(ADMIN, f"/org_prefix {zel} zlk")
    assert h.last(ADMIN).text == plain(texts.ORG_PREFIX_SET.format(name="Зеленчукский район", prefix="ZLK",
                                                                   example="ZLK-2026-0042"))
    async with h.app.db.transaction() as conn:
        await conn.execute("INSERT INTO cases (org_id, number, year, seq, status, platform, detected_at, operator_id, "
                           "created_at, updated_at) VALUES (?, 'ZLK-2026-0001', 2026, 1, 'new', 'vk', ?, ?, ?, ?)",
                           (zel, "2026-01-12T09:00:00+00:00", OPERATOR, "2026-01-12T09:00:00+00:00",
                            "2026-01-12T09:00:00+00:00"))
    await h.say(ADMIN, f"/org_prefix {zel} ZEL")
    assert h.last(ADMIN).text == texts.ORG_ERRORS["org_prefix_used"]
    assert next(o for o in await h.app.access.organisations() if o.id == zel).prefix == "ZLK"


async def test_rename_and_archive_and_restore_by_buttons(h: Harness) -> None:
    zel = await org_admin_of_zel(h)
    await h.say(ORG_ADMIN, "/invite")
    await h.say(ZEL_OPERATOR, f"/start inv_{link_token(h.last(ORG_ADMIN).text)}")
    await h.say_in(ZEL_CHAT, ORG_ADMIN, "/bind Отдел ЖКХ")
    await h.say_in(ZEL_HEAD, ORG_ADMIN, "/bind_head")
    await h.say(ADMIN, f"/org_rename {zel} Зеленчукский муниципальный район")
    assert h.last(ADMIN).text == texts.ORG_RENAMED.format(id=zel, name="Зеленчукский муниципальный район")
    await h.say(ADMIN, "/orgs")
    assert await h.press(ADMIN, ADMIN, "В архив: Зеленчукский") == texts.ORG_ARCHIVED.format(
        name="Зеленчукский муниципальный район")
    assert [o.id for o in await h.app.access.organisations()] == [1]
    await h.say(ORG_ADMIN, "/invite")                                  # its admin stops acting
    assert h.last(ORG_ADMIN).text == texts.ADMIN_ONLY
    chat = ChatInfo(ZEL_CHAT, "supergroup")
    for user_id, where in ((ZEL_OPERATOR, ChatInfo(ZEL_OPERATOR, "private")), (ORG_ADMIN, chat),
                           (ORG_ADMIN, ChatInfo(ZEL_HEAD, "supergroup"))):
        assert await h.app.access.actor_for(user_id, "", where) is None, (user_id, where)
    await h.say(ZEL_OPERATOR, "/open")
    assert h.last(ZEL_OPERATOR).text == texts.START_STRANGER
    await h.say(ADMIN, "/orgs")
    assert "В архив: Администрация" not in " ".join(h.labels(ADMIN, h.last(ADMIN).message_id))  # no. 1 stays
    await h.press(ADMIN, ADMIN, texts.BTN_ORGS_ARCHIVED)
    assert "Зеленчукский муниципальный район" in h.last(ADMIN).text
    assert await h.press(ADMIN, ADMIN, "Восстановить: Зеленчукский") == texts.ORG_RESTORED.format(
        name="Зеленчукский муниципальный район")
    await h.say(ORG_ADMIN, "/invite")
    assert "Ссылка-приглашение для оператора" in h.last(ORG_ADMIN).text
    operator = await h.app.access.actor_for(ZEL_OPERATOR, "", ChatInfo(ZEL_OPERATOR, "private"))
    assert operator is not None and operator.org_id == zel
    executor = await h.app.access.actor_for(555, "", ChatInfo(ZEL_CHAT, "supergroup"))
    assert executor is not None and executor.org_id == zel
    forged = OrgCb(op=OrgOp.ARCHIVE, target=1).pack()                 # organisation no. 1 is never archived
    await h.feed(updates.callback(ADMIN, ADMIN, forged, h.last(ADMIN).message_id, chat_type="private"))
    assert h.alerts()[-1] == texts.ORG_ERRORS["org_default_archive"]


async def test_an_org_admin_invites_operators_and_officials_of_their_organisation_only(h: Harness) -> None:
    zel = await org_admin_of_zel(h)
    await h.say(ORG_ADMIN, "/invite")                                  # one organisation: nothing asked
    await h.say(ZEL_OPERATOR, f"/start inv_{link_token(h.last(ORG_ADMIN).text)}")
    await h.say(ORG_ADMIN, "/invite_official")
    await h.say(ZEL_OFFICIAL, f"/start inv_{link_token(h.last(ORG_ADMIN).text)}")
    assert [o.user_id for o in await h.app.access.operators(org_id=zel)] == [ZEL_OPERATOR]
    assert [o.user_id for o in await h.app.access.officials(org_id=zel)] == [ZEL_OFFICIAL]
    assert ZEL_OPERATOR not in [o.user_id for o in await h.app.access.operators(org_id=1)]
    assert ZEL_OFFICIAL not in [o.user_id for o in await h.app.access.officials(org_id=1)]
    await h.say(ORG_ADMIN, "/operators")
    assert str(ZEL_OPERATOR) in h.last(ORG_ADMIN).text and str(OPERATOR) not in h.last(ORG_ADMIN).text
    await h.say(ORG_ADMIN, "/officials")
    assert str(ZEL_OFFICIAL) in h.last(ORG_ADMIN).text


async def test_an_org_admin_binds_a_department_of_their_organisation_whose_name_may_repeat(h: Harness) -> None:
    zel = await org_admin_of_zel(h)
    await h.say_in(ZEL_CHAT, ORG_ADMIN, "/bind Отдел ЖКХ")              # no. 1 has one of that name too
    assert h.last(ZEL_CHAT).text == plain(texts.BOUND_DEPARTMENT.format(name="Отдел ЖКХ"))
    await h.say_in(ZEL_HEAD, ORG_ADMIN, "/bind_head")
    assert h.last(ZEL_HEAD).text == plain(texts.BOUND_HEAD_OF.format(org="Зеленчукский район"))   # whose head, of several
    theirs = await h.app.access.departments(org_id=zel)
    assert [(d.name, d.chat_id) for d in theirs] == [("Отдел ЖКХ", ZEL_CHAT)]
    assert ("Отдел ЖКХ", DEPT_A_CHAT) in [(d.name, d.chat_id) for d in await h.app.access.departments(org_id=1)]
    assert await h.app.access.head_chat_id(zel) == ZEL_HEAD
    await h.say(ORG_ADMIN, "/departments")
    assert "Отдел ЖКХ" in h.last(ORG_ADMIN).text and "Дорожный отдел" not in h.last(ORG_ADMIN).text


async def test_an_org_admin_cannot_take_another_organisations_group(h: Harness) -> None:
    await org_admin_of_zel(h)
    await h.say_in(DEPT_A_CHAT, ORG_ADMIN, "/bind Наш отдел")
    assert h.last(DEPT_A_CHAT).text == texts.ADMIN_ONLY
    await h.app.access.bind_head(ADMIN, HEAD_CHAT, 1)
    await h.say_in(HEAD_CHAT, ORG_ADMIN, "/bind_head")
    assert h.last(HEAD_CHAT).text == texts.ADMIN_ONLY
    assert (await h.app.access.department_for_chat(DEPT_A_CHAT)).org_id == 1  # type: ignore[union-attr]
    assert await h.app.access.head_org(HEAD_CHAT) == 1


async def test_an_org_admin_touches_nothing_of_another_organisation(h: Harness) -> None:
    """Every admin command and button × the foreign organisation: refused (or shows only their own), nothing
    changes."""
    zel = await org_admin_of_zel(h)
    await h.say(ADMIN, "/invite")                                      # two organisations: asked
    await pick(h, ADMIN, ADMIN, "Администрация")
    await h.say(ONE_OPERATOR, f"/start inv_{link_token(h.last(ADMIN).text)}")
    await h.say(ADMIN, "/invite_official")
    await pick(h, ADMIN, ADMIN, "Администрация")
    await h.say(ZEL_OFFICIAL, f"/start inv_{link_token(h.last(ADMIN).text)}")
    await h.say(ADMIN, "/invite")
    await pick(h, ADMIN, ADMIN, "Администрация")                       # an open invite of no. 1
    one_invites = await h.app.access.open_invites(ADMIN, org_id=1)
    dept = (await h.app.access.departments(org_id=1))[0]
    events_before = len(await h.app.db.fetchall("SELECT 1 FROM events"))
    for command in ("/orgs", "/org_add Чужая", f"/org_rename {zel} Другое", f"/org_prefix {zel} ABC",
                    "/invite_org_admin"):
        await h.say(ORG_ADMIN, command)
        assert h.last(ORG_ADMIN).text == texts.ORG_ONLY_DEPLOYMENT, command
    for command in ("/backup", "/chats", "/calendar", "/dayoff 09.01.2026", "/workday_extra 10.01.2026"):
        await h.say(ORG_ADMIN, command)                               # the deployment's shared things
        assert h.last(ORG_ADMIN).text == texts.DEPLOYMENT_ONLY, command
    for command, foreign in (("/operators", str(ONE_OPERATOR)), ("/officials", str(ZEL_OFFICIAL)),
                             ("/departments", dept.name), ("/invites", "оператор")):
        await h.say(ORG_ADMIN, command)
        assert foreign not in h.last(ORG_ADMIN).text, command
    buttons = [AdminCb(op=AdminOp.REMOVE_OPERATOR, target=ONE_OPERATOR), AdminCb(op=AdminOp.REMOVE_OFFICIAL,
               target=ZEL_OFFICIAL), AdminCb(op=AdminOp.ARCHIVE, target=dept.id),
               AdminCb(op=AdminOp.RESTORE, target=dept.id), AdminCb(op=AdminOp.RENAME, target=dept.id),
               AdminCb(op=AdminOp.KEYWORDS, target=dept.id), AdminCb(op=AdminOp.REVOKE_INVITE, target=one_invites[0].key),
               AdminCb(op=AdminOp.REMOVE_OPERATOR, target=OPERATOR)]
    for cb in buttons:
        await h.feed(updates.callback(ORG_ADMIN, ORG_ADMIN, cb.pack(), h.last(ORG_ADMIN).message_id,
                                      chat_type="private"))
        assert h.alerts()[-1] in (texts.BUTTON_STALE, texts.INVITE_NOT_REVOCABLE, texts.OPERATOR_FROM_SETTINGS), cb
    for cmd in ("invite", "invite_official", "invites", "operators", "officials", "departments", "bind", "org"):
        forged = OrgPickCb(cmd=cmd, org=1).pack()
        await h.feed(updates.callback(ORG_ADMIN, ORG_ADMIN, forged, h.last(ORG_ADMIN).message_id, chat_type="private"))
        assert h.alerts()[-1] == texts.NO_ACCESS, cmd
    for cb in (OrgCb(op=OrgOp.ARCHIVE, target=1), OrgCb(op=OrgOp.ARCHIVE, target=zel), OrgCb(op=OrgOp.ARCHIVED),
               OrgCb(op=OrgOp.MUNICIPALITY)):
        await h.feed(updates.callback(ORG_ADMIN, ORG_ADMIN, cb.pack(), h.last(ORG_ADMIN).message_id, chat_type="private"))
        assert h.alerts()[-1] == texts.ORG_ONLY_DEPLOYMENT, cb
    assert len(await h.app.db.fetchall("SELECT 1 FROM events")) == events_before
    assert ONE_OPERATOR in [o.user_id for o in await h.app.access.operators(org_id=1)]
    assert ZEL_OFFICIAL in [o.user_id for o in await h.app.access.officials(org_id=1)]
    assert [d.name for d in await h.app.access.departments(org_id=1)] == ["Дорожный отдел", "Отдел ЖКХ"]
    assert not (await h.app.access.department(dept.id)).archived  # type: ignore[union-attr]
    assert len(await h.app.access.open_invites(ADMIN, org_id=1)) == len(one_invites)
    assert [o.id for o in await h.app.access.organisations()] == [1, zel]


async def test_an_admin_of_several_is_asked_which_organisation_and_the_press_does_it(h: Harness) -> None:
    zel = await add_org(h)
    await h.say(ADMIN, "/invite")
    assert h.last(ADMIN).text == texts.ORG_WHICH
    assert h.labels(ADMIN, h.last(ADMIN).message_id) == ["Администрация", "Зеленчукский район"]
    await h.press(ADMIN, ADMIN, "Зеленчукский район")
    assert texts.ORG_CHOSEN.format(name="Зеленчукский район") in h.texts(ADMIN)      # the question, edited
    await h.say(ZEL_OPERATOR, f"/start inv_{link_token(h.last(ADMIN).text)}")
    assert [o.user_id for o in await h.app.access.operators(org_id=zel)] == [ZEL_OPERATOR]
    assert await h.app.access.admin_org(ADMIN) == zel                  # remembered
    await h.say_in(ZEL_CHAT, ADMIN, "/bind Отдел ЖКХ")                 # in a group: asked there
    await pick(h, ADMIN, ZEL_CHAT, "Зеленчукский район")
    assert h.last(ZEL_CHAT).text == plain(texts.BOUND_DEPARTMENT.format(name="Отдел ЖКХ"))
    assert [d.chat_id for d in await h.app.access.departments(org_id=zel)] == [ZEL_CHAT]
    await h.say(ADMIN, "/org")
    assert h.last(ADMIN).text == plain(texts.ORG_CURRENT.format(name="Зеленчукский район"))
    await h.press(ADMIN, ADMIN, "Администрация")
    assert await h.app.access.admin_org(ADMIN) == 1


async def test_a_forged_or_stale_organisation_press_is_refused_and_nothing_happens(h: Harness) -> None:
    await add_org(h)
    await h.say(ADMIN, "/departments")
    message_id = h.last(ADMIN).message_id
    for forged in (OrgPickCb(cmd="departments", org=99), OrgPickCb(cmd="backup", org=1)):
        await h.feed(updates.callback(ADMIN, ADMIN, forged.pack(), message_id, chat_type="private"))
        assert h.alerts()[-1] == texts.NO_ACCESS
    stale = OrgPickCb(cmd="invite", org=1).pack()                      # nothing of /invite waits
    await h.feed(updates.callback(ADMIN, ADMIN, stale, message_id, chat_type="private"))
    assert h.alerts()[-1] == texts.ORG_PICK_STALE
    for someone in (STRANGER, OPERATOR):
        await h.feed(updates.callback(someone, someone, OrgPickCb(cmd="departments", org=1).pack(), message_id,
                                      chat_type="private"))
        assert h.alerts()[-1] == texts.NO_ACCESS
    assert await h.app.db.fetchall("SELECT 1 FROM invites") == []
    assert h.last(ADMIN).text == texts.ORG_WHICH                        # the question still waits


async def test_one_organisation_asks_nothing_and_names_no_organisation(h: Harness) -> None:
    for command in ("/invite", "/invites", "/operators", "/officials", "/departments"):
        await h.say(ADMIN, command)
        assert h.last(ADMIN).text != texts.ORG_WHICH and "Администрация" not in h.last(ADMIN).text, command
    await h.say_in(-3001, ADMIN, "/bind Новый отдел")
    assert h.last(-3001).text == plain(texts.BOUND_DEPARTMENT.format(name="Новый отдел"))


async def test_a_deployment_admin_lists_and_removes_an_organisations_admin(h: Harness) -> None:
    zel = await org_admin_of_zel(h)
    await h.say(ADMIN, "/orgs")
    await h.press(ADMIN, ADMIN, "Администраторы: Администрация")
    assert h.last(ADMIN).text == plain(texts.ORG_ADMINS_EMPTY.format(name="Администрация"))
    await h.say(ADMIN, "/orgs")
    await h.press(ADMIN, ADMIN, "Администраторы: Зеленчукский район")
    assert f"(id {ORG_ADMIN})" in h.last(ADMIN).text
    message_id, data = h.button(ADMIN, texts.BTN_REMOVE)
    await h.feed(updates.callback(ORG_ADMIN, ORG_ADMIN, data, message_id, chat_type="private"))  # not theirs to press
    assert h.alerts()[-1] == texts.ORG_ONLY_DEPLOYMENT
    assert await h.press(ADMIN, ADMIN, texts.BTN_REMOVE) == texts.ORG_ADMIN_REMOVED
    assert await h.app.access.admin_orgs(ORG_ADMIN) == []
    await h.say(ORG_ADMIN, "/invite")
    assert h.last(ORG_ADMIN).text == texts.ADMIN_ONLY
    assert await h.press(ADMIN, ADMIN, texts.BTN_REMOVE) == texts.ORG_ADMIN_GONE
    events = await h.app.db.fetchall("SELECT payload FROM events WHERE kind = 'org_admin_removed'")
    assert len(events) == 1 and f'"org_id": {zel}' in events[0][0]


async def test_start_names_the_organisations_only_when_there_are_several(h: Harness) -> None:
    await h.say(ADMIN, "/start")
    alone = h.last(ADMIN).text
    assert "/orgs" not in alone and "Вы — администратор." in alone                 # as before issue 14
    await org_admin_of_zel(h)
    await h.say(ADMIN, "/start")
    assert h.last(ADMIN).text == alone + plain(texts.START_ADMIN_ORGS)
    await h.say(ORG_ADMIN, "/start")
    shown = h.last(ORG_ADMIN).text
    assert "администратор организации «Зеленчукский район»" in shown
    assert "/backup" not in shown and "/chats" not in shown and "/orgs" not in shown
