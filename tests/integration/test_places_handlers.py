"""Issue 16 through the real Dispatcher: a post about an address with an open case is shown beside it with a
button that joins it; departments' places (/dept_places) put their department first on the card."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.runtime.clock import FakeClock
from tests.support import updates
from tests.support.harness import ADMIN, OPERATOR, Harness, bound_harness


@pytest.fixture
async def h(tmp_path: Path, clock: FakeClock) -> AsyncIterator[Harness]:
    async with bound_harness(tmp_path, clock) as harness:
        yield harness


async def test_a_post_about_an_address_with_an_open_case_is_shown_beside_it_and_joins_it(h: Harness) -> None:
    await h.say(OPERATOR, "Школьная 3, опять без воды, сколько можно терпеть")
    first = h.last(OPERATOR)
    assert "2026-0001" in first.text and "По этому адресу" not in first.text
    h.clock.advance(minutes=5)
    await h.say(OPERATOR, "у дома 3 на Школьной воды нет с утра, дети без воды")
    card = h.find(OPERATOR, "2026-0002")
    assert "📍 По этому адресу (ул. Школьная, 3) уже открыто сообщение 2026-0001" in card.text
    assert h.labels(OPERATOR, card.message_id)[0] == "🔗 Присоединить к 2026-0001"
    await h.press(OPERATOR, OPERATOR, "Присоединить к 2026-0001", card.message_id)
    assert "присоединено к инциденту: 2026-0001, 2026-0002" in h.last(OPERATOR).text
    refreshed = h.messages[(OPERATOR, card.message_id)]
    assert "Ведущее сообщение" not in refreshed.text and "В инциденте" in refreshed.text
    assert not any("Присоединить" in label for label in h.labels(OPERATOR, card.message_id))
    incident = await h.app.db.fetchall("SELECT case_id FROM incident_cases ORDER BY case_id")
    assert [r[0] for r in incident] == [1, 2]


async def test_another_house_is_not_a_duplicate_and_a_forged_join_changes_nothing(h: Harness) -> None:
    await h.say(OPERATOR, "Школьная 3, опять без воды, сколько можно терпеть")
    await h.say(OPERATOR, "ул. Школьная, д. 5 — яма у подъезда, машины бьются")
    card = h.find(OPERATOR, "2026-0002")
    assert "По этому адресу" not in card.text
    forged = updates.callback(OPERATOR, OPERATOR, "c:jn:2:1", card.message_id, chat_type="private")
    await h.feed(forged)
    assert "кнопка устарела" in h.alerts()[-1]
    assert await h.app.db.fetchall("SELECT * FROM incident_cases") == []


async def test_department_places_put_their_department_first_on_the_card(h: Harness) -> None:
    await h.say(ADMIN, "/dept_places Дорожный отдел: ул. Школьная; ст. Исправная")
    assert h.last(ADMIN).text == "Места отдела «Дорожный отдел»: ул. Школьная; ст. Исправная."
    await h.say(ADMIN, "/dept_places")
    assert "• Дорожный отдел: ул. Школьная; ст. Исправная" in h.last(ADMIN).text
    await h.say(OPERATOR, "на Школьной 12 провалился асфальт, вода стоит")
    card = h.find(OPERATOR, "2026-0001")
    assert h.labels(OPERATOR, card.message_id)[0] == "Дорожный отдел"
    await h.say(OPERATOR, "В Исправной нет воды третий день, помогите")
    card = h.find(OPERATOR, "2026-0002")
    assert h.labels(OPERATOR, card.message_id)[0] == "Дорожный отдел"


async def test_department_places_bad_input_is_answered_and_changes_nothing(h: Harness) -> None:
    await h.say(ADMIN, "/dept_places Дорожный отдел: ул. Школьная")
    await h.say(ADMIN, "/dept_places Дорожный отдел: ул. Школьная; где-то там")
    assert "Не узнал место «где-то там»" in h.last(ADMIN).text
    await h.say(ADMIN, "/dept_places Отдел кадров: ул. Мира")
    assert "Нет отдела «Отдел кадров»" in h.last(ADMIN).text
    await h.say(ADMIN, "/dept_places Дорожный отдел")
    assert "/dept_places Название отдела:" in h.last(ADMIN).text
    await h.say(OPERATOR, "/dept_places Дорожный отдел: ст. Исправная")
    assert "администратор" in h.last(OPERATOR).text.lower()
    rows = await h.app.db.fetchall("SELECT place_key FROM department_places")
    assert [r[0] for r in rows] == ["street:школьный:"]


async def test_a_street_the_admins_add_is_recognised_at_once_by_its_name_alone(h: Harness) -> None:
    index = h.app.dp["place_index"]
    assert await index.places_of("Кооперативная без света с утра", 1) == ()
    await h.say(ADMIN, "/places add ул. Кооперативная")
    assert [p.key for p in await index.places_of("Кооперативная без света с утра", 1)] == ["street:кооперативный:"]
    await h.say(ADMIN, "/places add хутор Весёлый")
    assert [p.label for p in await index.places_of("на хуторе Весёлом опять нет света", 1)] == ["х. Весёлый"]
