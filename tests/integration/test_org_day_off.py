"""/org_day_off (issue 14 §1): an admin adds or removes a day off of the organisation they act for; the open
deadlines of that organisation, and only of it, are counted again; audited. A real Dispatcher and SQLite."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path

import pytest

from bot import texts
from bot.domain.orgs import Scope
from bot.runtime.clock import FakeClock
from tests.conftest import msk
from tests.integration.test_notify_orgs import OPERATOR_B, forward, move_to_b, second_organisation
from tests.support.harness import ADMIN, OPERATOR, Harness, bound_harness

FRIDAY_5PM = msk(2026, 12, 4, 17, 0)


@pytest.fixture
async def h(tmp_path: Path, clock: FakeClock) -> AsyncIterator[Harness]:
    async with bound_harness(tmp_path, clock) as harness:
        b = await second_organisation(harness)
        assert b == 2
        yield harness


async def answer_due(h: Harness, case_id: int) -> datetime:
    case = await h.app.cases.get(case_id, scope=Scope.all())
    return next(d.due_at for d in case.deadlines if d.rule == "answer" and d.is_open)


async def two_cases_on_friday(h: Harness) -> tuple[int, int]:
    h.clock.set(FRIDAY_5PM)
    a = await forward(h, OPERATOR)
    b = await forward(h, OPERATOR_B, "Яма на дороге у поворота на Кардоникскую", 78)
    await move_to_b(h, b)
    monday = msk(2026, 12, 7, 11, 0)          # 1 working hour on Friday, 2 on Monday (cl. 6)
    assert await answer_due(h, a) == monday and await answer_due(h, b) == monday
    return a, b


async def test_an_own_day_off_moves_only_that_organisations_open_deadlines_and_back(h: Harness) -> None:
    a, b = await two_cases_on_friday(h)
    await h.say(ADMIN, "/org_day_off 07.12.2026")                  # the admin acts for no. 1
    assert h.session.sent_texts(ADMIN)[-1] == texts.ORG_DAY_OFF_ADDED.format(day="07.12.2026", org="Администрация")
    assert await answer_due(h, a) == msk(2026, 12, 8, 11, 0)
    assert await answer_due(h, b) == msk(2026, 12, 7, 11, 0)        # B's calendar has no such day off
    await h.say(ADMIN, "/org_day_off")
    assert "07.12.2026" in h.session.sent_texts(ADMIN)[-1]
    await h.say(ADMIN, "/org_day_off 07.12.2026")
    assert h.session.sent_texts(ADMIN)[-1] == texts.ORG_DAY_OFF_ALREADY.format(day="07.12.2026", org="Администрация")

    await h.say(ADMIN, "/org_day_off -07.12.2026")
    assert h.session.sent_texts(ADMIN)[-1] == texts.ORG_DAY_OFF_REMOVED.format(day="07.12.2026",
                                                                              org="Администрация")
    assert await answer_due(h, a) == msk(2026, 12, 7, 11, 0)
    events = await h.app.db.fetchall("SELECT payload FROM events WHERE kind = 'org_day_off' ORDER BY id")
    assert len(events) == 2
    moved = await h.app.db.fetchall("SELECT case_id FROM events WHERE kind = 'deadlines_recomputed'")
    assert {r[0] for r in moved} == {a}


async def test_the_admin_acting_for_b_sets_bs_day_off_and_new_cases_of_b_count_it(h: Harness) -> None:
    a, b = await two_cases_on_friday(h)
    await h.app.access.choose_org(ADMIN, 2)
    await h.say(ADMIN, "/org_day_off 07.12.2026")
    assert h.session.sent_texts(ADMIN)[-1] == texts.ORG_DAY_OFF_ADDED.format(day="07.12.2026", org="Минстрой КЧР")
    assert await answer_due(h, b) == msk(2026, 12, 8, 11, 0)
    assert await answer_due(h, a) == msk(2026, 12, 7, 11, 0)
    # A later action on B's case counts on B's calendar too (the unit of work picks the case's organisation's).
    await h.press(OPERATOR_B, OPERATOR_B, "Срочно")
    case = await h.app.cases.get(b, scope=Scope.all())
    urgent = next(d.due_at for d in case.deadlines if d.rule == "answer" and d.is_open)
    assert urgent.date() == msk(2026, 12, 8).date()                 # Monday is B's day off: Tuesday


async def test_org_day_off_refuses_strangers_bad_dates_and_past_days(h: Harness) -> None:
    await h.say(OPERATOR, "/org_day_off 07.12.2026")
    assert h.session.sent_texts(OPERATOR)[-1] == texts.ADMIN_ONLY
    await h.say(ADMIN, "/org_day_off завтра")
    assert h.session.sent_texts(ADMIN)[-1].startswith(texts.BAD_DATE.format(value="завтра"))
    await h.say(ADMIN, "/org_day_off 01.11.2026")
    assert h.session.sent_texts(ADMIN)[-1] == texts.WORKDAY_PAST.format(day="01.11.2026")
    assert await h.app.db.fetchall("SELECT id FROM events WHERE kind = 'org_day_off'") == []


async def test_reminders_of_b_are_planned_on_bs_calendar_not_on_its_day_off(h: Harness) -> None:
    a, b = await two_cases_on_friday(h)
    await h.app.access.choose_org(ADMIN, 2)
    await h.say(ADMIN, "/org_day_off 07.12.2026")
    assert h.app.reminders is not None
    await h.app.reminders.service.plan(full=True)
    rows = await h.app.db.fetchall("SELECT case_id, remind_at FROM deadlines WHERE rule = 'answer' ORDER BY case_id")
    remind = {r[0]: datetime.fromisoformat(r[1]).astimezone(FRIDAY_5PM.tzinfo) for r in rows}
    # 2/3 of 3 working hours from Friday 17:00: one hour on Friday, one on the next working day at 10:00.
    assert remind[a] == msk(2026, 12, 7, 10, 0)
    assert remind[b] == msk(2026, 12, 8, 10, 0)
