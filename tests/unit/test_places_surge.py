"""cl. 21 with places: posts about one address however written, or one settlement and shared words, are one
topic before any routing, and the head's alert names the topic as people would."""

from __future__ import annotations

import json
from datetime import timedelta

from bot.domain import surge as rule
from bot.domain.model import Actor
from bot.domain.places import seed_gazetteer
from bot.runtime.clock import FakeClock
from bot.services.access import AccessService
from bot.services.cases import CaseService, NewPost
from bot.services.place_index import PlaceIndex
from bot.services.surges import SurgeService
from deadlines.calendar import WorkCalendar
from deadlines.rules import Deadlines
from storage.db import Database
from tests.conftest import msk

T0 = msk(2026, 12, 1, 10, 0)
GAZETTEER = seed_gazetteer()
THREE_WAYS = ("у дома 3 на Школьной опять прорвало трубу https://vk.com/wall-123_456 #вода",
              "Школьная 3, опять без воды! @zelen_admin htt://bad.link",
              "ул. Школьная, д. 3 — воды нет, сообщите когда дадут")


def minutes(a, b):  # type: ignore[no-untyped-def]
    return (b - a).total_seconds() / 60


def test_cl21_three_ways_of_one_address_are_one_topic_without_departments() -> None:
    posts = [rule.read_post(i, T0 + timedelta(minutes=10 * i), t, GAZETTEER, number=f"2026-{i:04d}")
             for i, t in enumerate(THREE_WAYS, 1)]
    found = rule.detect(posts[2], posts[:2], min_posts=3, window_minutes=120, distance=minutes)
    assert found is not None and found.reason == "address" and found.case_ids == [1, 2, 3]
    assert found.topic == "street:школьный:3" and found.label == "ул. Школьная, 3"


def test_cl21_one_settlement_and_a_shared_word_are_one_topic() -> None:
    texts = ("В Зеленчукской опять отключили свет", "ст. Зеленчукская — света нет с утра",
             "Зеленчукская без света третий час")
    posts = [rule.read_post(i, T0 + timedelta(minutes=i), t, GAZETTEER) for i, t in enumerate(texts, 1)]
    found = rule.detect(posts[0], posts[1:], min_posts=3, window_minutes=120, distance=minutes)
    assert found is not None and found.reason == "place" and found.label == "ст. Зеленчукская: свет"
    other = rule.read_post(9, T0, "В Исправной отключили свет", GAZETTEER)
    assert not rule.same_topic(posts[0], other)              # another settlement: another topic
    road = rule.read_post(9, T0, "В Зеленчукской разбита дорога к школе", GAZETTEER)
    assert not rule.same_topic(posts[0], road)               # one settlement, nothing else shared


def test_cl21_shared_words_are_lemmas_never_link_pieces() -> None:
    a = rule.read_post(1, T0, "Нет горячей воды https://vk.com/wall-1_2 садовая тру", GAZETTEER, department_ids=frozenset({7}))
    b = rule.read_post(2, T0, "горячую воду когда дадут? http://ok.ru/group/55", GAZETTEER, department_ids=frozenset({7}))
    c = rule.read_post(3, T0, "Горячей воды нет опять, www.zelenchuk.ru", GAZETTEER, department_ids=frozenset({7}))
    found = rule.detect(c, [a, b], min_posts=3, window_minutes=120, distance=minutes)
    assert found is not None and found.reason == "topic" and found.label == "горячий, вода"
    for piece in ("htt", "vk", "wall", "http", "ok", "zelenchuk", "www"):
        assert piece not in found.label


async def test_cl21_three_ways_before_routing_reach_the_head_named_as_people_write(
        db: Database, deadlines: Deadlines, clock: FakeClock, calendar: WorkCalendar, access: AccessService,
        operator: Actor) -> None:
    places = PlaceIndex(db, clock)
    surges = SurgeService(db, calendar, clock, access.head_chat_id, min_posts=3, window_minutes=120, places=places)
    cases = CaseService(db, deadlines, clock, surges=surges)
    ids = []
    for text in THREE_WAYS:
        reg = await cases.register(NewPost("vk", text, operator.user_id, clock.now()), operator)
        assert reg.case.id is not None
        ids.append(reg.case.id)
        clock.advance(minutes=7)
    rows = await db.fetchall("SELECT payload FROM outbox WHERE kind = 'chat_text'")
    assert len(rows) == 1                                       # registered, never routed: still one surge
    alert = json.loads(rows[0][0])["text"]
    assert "3 сообщения" in alert and "об одном адресе: ул. Школьная, 3" in alert
    assert all(f"2026-{i:04d}" in alert.split("\n", 2)[2] for i in ids)
    for piece in ("htt", "школьн,", "вод,", "тру"):
        assert piece not in alert.split("\n")[1]                # the reason line: no stems, no link pieces
