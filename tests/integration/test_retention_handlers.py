"""An anonymised case through a real Dispatcher: /case shows it without the citizen's data (docs/security.md)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot import texts
from bot.domain.model import Actor, Role
from bot.domain.orgs import Scope
from bot.runtime.clock import FakeClock
from tests.support.harness import OPERATOR, Harness, bound_harness

POST = "Иванов Иван, ул. Ленина, 5: третью неделю не вывозят мусор"


@pytest.fixture
async def h(tmp_path: Path, clock: FakeClock) -> AsyncIterator[Harness]:
    async with bound_harness(tmp_path, clock) as harness:
        yield harness


async def test_case_command_shows_an_anonymised_case_without_the_citizens_data(h: Harness) -> None:
    await h.say(OPERATOR, POST, forward_from_chat=(-100555, "Подслушано Зеленчукская", "zelen_online"),
                forward_message_id=77)
    case = (await h.app.cases.open_cases(scope=Scope.all()))[-1]
    assert case.id is not None and case.author and case.link
    await h.app.cases.dismiss(case.id, Actor(OPERATOR, Role.OPERATOR, "Оператор"))
    await h.say(OPERATOR, f"/case {case.number}")
    assert any("Ленина" in t for t in h.texts(OPERATOR)[-2:])
    h.clock.advance(days=3 * 365 + 2)
    assert h.app.retention is not None and (await h.app.retention.run()).cases == 1
    shown = len(h.texts(OPERATOR))
    await h.say(OPERATOR, f"/case {case.number}")
    answer = "\n".join(h.texts(OPERATOR)[shown:])
    assert case.number in answer and texts.ANONYMISED in answer
    for personal in ("Иванов", "Ленина", "zelen_online", "Подслушано"):
        assert personal not in answer, personal
