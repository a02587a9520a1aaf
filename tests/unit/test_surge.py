"""Surges (cl. 21): the pure rule, the service with the injected clock, incidents with one answer."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest

from bot.domain import surge as rule
from bot.domain.errors import AccessDenied, ValidationFailed
from bot.domain.model import Actor, DraftKind, Role, Status
from bot.domain.orgs import Scope
from bot.domain.places import seed_gazetteer
from bot.runtime.clock import FakeClock
from bot.services.access import AccessService
from bot.services.cases import CaseService, NewPost
from bot.services.surges import IncidentService, SurgeService
from deadlines.calendar import WorkCalendar
from deadlines.rules import Deadlines
from storage.db import Database
from tests.conftest import msk

T0 = msk(2026, 12, 1, 10, 0)
HEAD = -900


def minutes(a: datetime, b: datetime) -> float:
    return (b - a).total_seconds() / 60


GAZETTEER = seed_gazetteer()


def post(case_id: int, at: datetime, text: str = "", link: str | None = None, depts: set[int] | None = None) -> rule.Post:
    return rule.read_post(case_id, at, text, GAZETTEER, link=link, department_ids=frozenset(depts or set()),
                          number=f"2026-{case_id:04d}")


# ---- the pure rule -------------------------------------------------------------------------------

def test_words_are_lemmas_and_addresses_are_normalised() -> None:
    assert {"дорога", "разбитый"} <= post(1, T0, "Разбита дорога, дороги нет совсем!").words
    assert not post(1, T0, "Здравствуйте, администрация").words
    assert set(post(1, T0, "Прорыв трубы на ул. Ленина, д. 5, вода течёт").addresses) == {"street:ленин:5"}
    assert set(post(1, T0, "улица Ленина 5 опять без воды").addresses) == {"street:ленин:5"}
    assert post(1, T0, "Нет света").addresses == {}


def test_three_posts_on_one_topic_in_two_hours() -> None:
    text = "Нет горячей воды в доме, трубы холодные"
    a = post(1, T0, text, depts={7})
    b = post(2, T0 + timedelta(minutes=40), "Горячей воды нет третий день", depts={7})
    c = post(3, T0 + timedelta(minutes=90), "Когда дадут горячую воду? нет воды", depts={7})
    found = rule.detect(c, [a, b], min_posts=3, window_minutes=120, distance=minutes)
    assert found is not None and found.case_ids == [1, 2, 3] and found.reason == "topic"
    assert found.department_id == 7 and found.label.startswith("горячий, вода")


def test_below_threshold_outside_window_or_other_department() -> None:
    text = "Нет горячей воды в доме"
    a, b = post(1, T0, text, depts={7}), post(2, T0 + timedelta(minutes=30), text, depts={7})
    assert rule.detect(b, [a], min_posts=3, window_minutes=120, distance=minutes) is None
    late = post(3, T0 + timedelta(minutes=150), text, depts={7})
    assert rule.detect(late, [a, b], min_posts=3, window_minutes=120, distance=minutes) is None
    other = post(3, T0 + timedelta(minutes=60), text, depts={8})
    assert rule.detect(other, [a, b], min_posts=3, window_minutes=120, distance=minutes) is None
    unrelated = post(3, T0 + timedelta(minutes=60), "Спасибо за новый парк", depts={7})
    assert rule.detect(unrelated, [a, b], min_posts=3, window_minutes=120, distance=minutes) is None


def test_same_link_or_address_needs_no_department() -> None:
    link = "vk.com/wall-1_2"
    posts = [post(i, T0 + timedelta(minutes=10 * i), f"комментарий {i}", link=link) for i in (1, 2, 3)]
    found = rule.detect(posts[2], posts[:2], min_posts=3, window_minutes=120, distance=minutes)
    assert found is not None and found.reason == "link" and found.topic == link
    by_addr = [post(i, T0 + timedelta(minutes=i), t) for i, t in
               ((1, "Яма на ул. Мира, 3"), (2, "у дома улица Мира 3 провал"), (3, "ул Мира д 3 опасно"))]
    found = rule.detect(by_addr[0], by_addr[1:], min_posts=3, window_minutes=120, distance=minutes)
    assert found is not None and found.reason == "address" and found.topic == "street:мир:3"
    assert found.label == "ул. Мира, 3"


def test_window_counts_working_time(calendar: WorkCalendar) -> None:
    text = "Нет горячей воды в доме"
    friday = post(1, msk(2026, 12, 4, 17, 0), text, depts={7})
    night = post(2, msk(2026, 12, 5, 23, 0), text, depts={7})          # Saturday: no working time passes
    monday = post(3, msk(2026, 12, 7, 9, 30), text, depts={7})          # 60 + 30 working minutes later
    found = rule.detect(monday, [friday, night], min_posts=3, window_minutes=120,
                        distance=calendar.working_minutes_between)
    assert found is not None and found.case_ids == [1, 2, 3]


# ---- the service with the injected clock ---------------------------------------------------------

async def _setup(db: Database, access: AccessService) -> tuple[int, int]:
    admin = 1
    a = await access.bind_department(admin, -1001, "Отдел ЖКХ", org_id=1)
    b = await access.bind_department(admin, -1002, "Дорожный отдел", org_id=1)
    return a.id, b.id


async def _register(cases: CaseService, operator: Actor, clock: FakeClock, text: str,
                    link: str | None = None) -> int:
    reg = await cases.register(NewPost("vk", text, operator.user_id, clock.now(), link=link, link_norm=link),
                               operator)
    assert reg.case.id is not None
    return reg.case.id


async def _outbox(db: Database) -> list[dict[str, object]]:
    rows = await db.fetchall("SELECT * FROM outbox WHERE kind = 'chat_text' ORDER BY id")
    return [dict(r) for r in rows]


@pytest.fixture
def surges(db: Database, calendar: WorkCalendar, clock: FakeClock, access: AccessService) -> SurgeService:
    return SurgeService(db, calendar, clock, access.head_chat_id, min_posts=3, window_minutes=120)


async def test_service_alerts_once_per_surge(db: Database, cases: CaseService, access: AccessService,
                                            operator: Actor, clock: FakeClock, surges: SurgeService) -> None:
    zhkh, _roads = await _setup(db, access)
    ids = []
    for i, text in enumerate(("Нет горячей воды в доме на Садовой", "Горячей воды нет с утра",
                              "Опять нет горячей воды, сколько можно", "И у нас горячей воды нет")):
        case_id = await _register(cases, operator, clock, text)
        await cases.route(case_id, operator, [zhkh])
        ids.append(case_id)
        alert = await surges.check(case_id)
        if i < 2:
            assert alert is None
        elif i == 2:
            assert alert is not None and alert.new and alert.case_ids == ids
        else:
            assert alert is not None and not alert.new and alert.case_ids == ids
        clock.advance(minutes=20)
    notices = await _outbox(db)
    assert len(notices) == 1
    assert notices[0]["target_id"] == HEAD and notices[0]["target_kind"] == "chat"
    text = json.loads(str(notices[0]["payload"]))["text"]
    assert "Повышенная социальная активность" in text and "Отдел ЖКХ" in text
    assert all(f"2026-{i:04d}" in text for i in range(1, 4))
    assert await surges.check(ids[2]) is not None and len(await _outbox(db)) == 1


async def test_service_window_slides_with_the_clock(db: Database, cases: CaseService, access: AccessService,
                                                   operator: Actor, clock: FakeClock, surges: SurgeService) -> None:
    await _setup(db, access)
    link = "vk.com/wall-5_77"
    first = await _register(cases, operator, clock, "первый", link=None)
    await _register(cases, operator, clock, "Прорыв на ул. Ленина, 5")
    clock.advance(hours=3)                                          # 3 working hours later: outside the window
    late = await _register(cases, operator, clock, "ул. Ленина 5 — вода хлещет")
    assert await surges.check(late) is None
    clock.advance(minutes=30)
    third = await _register(cases, operator, clock, "ул. Ленина, д. 5, потоп")
    alert = await surges.check(third)
    assert alert is None                                            # only two posts within two working hours
    fourth = await _register(cases, operator, clock, "На улице Ленина 5 прорвало трубу", link=link)
    alert = await surges.check(fourth)
    assert alert is not None and alert.new and first not in alert.case_ids and len(alert.case_ids) == 3


async def test_no_head_chat_records_but_does_not_queue(db: Database, cases: CaseService, operator: Actor,
                                                       clock: FakeClock, calendar: WorkCalendar) -> None:
    async def no_head(org_id: int = 1) -> int | None:
        return None

    service = SurgeService(db, calendar, clock, no_head, min_posts=2, window_minutes=60)
    a = await _register(cases, operator, clock, "Яма на ул. Мира, 3")
    b = await _register(cases, operator, clock, "ул. Мира 3 яма")
    assert (await service.check(b)) is not None and a in (await service.members(1))
    assert await _outbox(db) == []


# ---- incidents: one answer approved once, published under every post ------------------------------

async def test_incident_one_answer_published_under_every_post(
        db: Database, access: AccessService, operator: Actor, clock: FakeClock,
        surges: SurgeService, deadlines: Deadlines) -> None:
    cases = CaseService(db, deadlines, clock, find_profanity=lambda _text: [])
    zhkh, _ = await _setup(db, access)
    ids = [await _register(cases, operator, clock, f"Нет горячей воды на ул. Садовая, 12 ({i})") for i in range(3)]
    alert = await surges.check(ids[-1])
    assert alert is not None
    incidents = IncidentService(db, deadlines, clock)
    executor = Actor(201, Role.EXECUTOR, "Исполнитель", department_id=zhkh)
    with pytest.raises(AccessDenied):
        await incidents.merge(executor, ids)
    with pytest.raises(ValidationFailed):
        await incidents.merge(operator, ids[:1])
    incident = await incidents.merge_surge(operator, alert.surge_id)
    assert incident.case_ids == ids and incident.lead_case_id == ids[0]
    with pytest.raises(ValidationFailed):
        await incidents.merge(operator, ids[1:])                    # already in an incident

    lead = ids[0]
    await cases.route(lead, operator, [zhkh])
    await cases.accept(lead, executor)
    await cases.submit_draft(lead, executor, DraftKind.ANSWER, "Подача воды восстановлена.", [])
    await cases.approve(lead, operator)
    assert await incidents.propagate_approval(ids[1], operator) == []      # not the lead: nothing
    changed = await incidents.propagate_approval(lead, operator)
    assert [c.id for c in changed] == ids[1:]
    assert await incidents.propagate_approval(lead, operator) == []       # approved once
    for member in ids[1:]:
        case = await cases.get(member, scope=Scope.all())
        assert case.status == Status.APPROVED
        assert case.approved_draft is not None and case.approved_draft.text == "Подача воды восстановлена."
        assert case.open_deadline("publish", zhkh) is not None
    assert await incidents.unpublished(incident.id) == ids

    clock.advance(minutes=5)
    for i, member in enumerate(ids):
        case, _pub = await cases.publish(member, executor, f"shot-{i}", f"u-{i}")
        assert case.status == Status.CLOSED
    assert await incidents.unpublished(incident.id) == []
    notices = await db.fetchall("SELECT case_id FROM outbox WHERE kind = 'draft_approved' ORDER BY case_id")
    assert [r[0] for r in notices] == ids                   # each member's department is told to publish


@pytest.mark.parametrize(("n", "word"), [(1, "сообщение"), (3, "сообщения"), (5, "сообщений"), (11, "сообщений"),
                                         (12, "сообщений"), (21, "сообщение"), (22, "сообщения"), (111, "сообщений")])
def test_russian_number_agreement_in_the_surge_alert(n: int, word: str) -> None:
    from bot import texts

    assert texts.plural(n, *texts.POSTS_WORDS) == word


@pytest.mark.parametrize(("text", "label"), [("Лесная 7", "ул. Лесная, 7"), ("ул. Карла Маркса 12а", "ул. Карла Маркса, 12а"),
                                             ("пр. Ленина, д. 3", "пр. Ленина, 3")])
def test_the_head_reads_the_address_as_people_write_it(text: str, label: str) -> None:
    assert [p.label for p in post(1, T0, text).addresses.values()] == [label]
