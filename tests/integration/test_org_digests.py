"""Issue 14 §2, §3: each organisation's head's chat gets its own organisation's digest; the coordinator gets one
digest across organisations at the first of DIGEST_TIMES, the worst organisation first, exactly once."""

from __future__ import annotations

import json

import pytest

from bot.jobs.daily import digest_job
from bot.runtime.clock import FakeClock
from bot.services.access import AccessService
from bot.services.reports import DigestService
from deadlines.calendar import WorkCalendar
from storage.db import Database
from tests.conftest import msk
from tests.integration.test_kpi import ROADS, seed
from tests.support.sleep import LoopStopped, StepSleep, run_daily
from tests.unit.test_surge_orgs import HEAD_B, org_b

COORDINATOR_CHAT = -990


async def roads_become_organisation_b(db: Database) -> None:
    """The seed's case C (2026-0003, roads, overdue) and the roads department belong to «Минстрой КЧР»."""
    org = await org_b(db)
    async with db.transaction() as conn:
        await conn.execute("UPDATE departments SET org_id = ? WHERE id = ?", (org, ROADS))
        await conn.execute("UPDATE cases SET org_id = ? WHERE number = '2026-0003'", (org,))


async def digests(db: Database) -> dict[int, str]:
    rows = await db.fetchall("SELECT target_id, payload FROM outbox WHERE kind = 'chat_text' ORDER BY id")
    return {int(r["target_id"]): json.loads(r["payload"])["text"] for r in rows}


async def coordinator() -> list[int]:
    return [COORDINATOR_CHAT]


async def test_each_head_gets_only_its_own_organisations_digest(db: Database, calendar: WorkCalendar,
                                                               access: AccessService) -> None:
    await seed(db)
    await roads_become_organisation_b(db)
    clock = FakeClock(msk(2026, 12, 2, 9, 0))
    service = DigestService(db, calendar, clock, access.head_chat_id)
    await service.send_digest("morning")
    await service.send_digest("morning")                            # a restart at the same moment: no repeat
    got = await digests(db)
    assert set(got) == {-900, HEAD_B}
    assert len(await db.fetchall("SELECT id FROM outbox WHERE kind = 'chat_text'")) == 2
    assert "Поступило: <b>3</b>" in got[-900] and "2026-0003" not in got[-900]      # A, B, E
    assert "Поступило: <b>1</b>" in got[HEAD_B] and "2026-0003" in got[HEAD_B]      # C, overdue now
    assert "2026-0001" not in got[HEAD_B]


async def test_an_organisation_without_a_head_chat_gets_no_digest_and_no_other_gets_its_cases(
        db: Database, calendar: WorkCalendar, access: AccessService) -> None:
    await seed(db)
    await roads_become_organisation_b(db)
    async with db.transaction() as conn:
        await conn.execute("UPDATE organisations SET head_chat_id = NULL WHERE name = 'Минстрой КЧР'")
    service = DigestService(db, calendar, FakeClock(msk(2026, 12, 2, 9, 0)), access.head_chat_id)
    await service.send_digest("morning")
    got = await digests(db)
    assert list(got) == [-900] and "2026-0003" not in got[-900]


async def test_coordinator_digest_lists_every_organisation_the_worst_first(db: Database, calendar: WorkCalendar,
                                                                          access: AccessService) -> None:
    await seed(db)
    await roads_become_organisation_b(db)
    clock = FakeClock(msk(2026, 12, 10, 9, 0))
    service = DigestService(db, calendar, clock, access.head_chat_id, coordinator=coordinator)
    assert service.coordinator is not None
    text = await service.coordinator.text(msk(2026, 12, 10, 12, 0))
    lines = [line for line in text.splitlines() if line.startswith("•")]
    # B: C open and overdue; no. 1: D (awaiting the final answer) and F (new, answer due 15:00), both new
    # since the previous working day.
    assert lines == ["• Минстрой КЧР: 1 · 1 · 0 · 0", "• Администрация: 2 · 0 · 1 · 2"]
    assert "10.12.2026" in text


async def test_coordinator_digest_goes_once_at_the_first_digest_time_and_catches_up_after_a_restart(
        db: Database, calendar: WorkCalendar, access: AccessService) -> None:
    await seed(db)
    await roads_become_organisation_b(db)
    clock = FakeClock(msk(2026, 12, 4, 10, 30))                   # Friday: the 09:00 moment missed by a restart
    service = DigestService(db, calendar, clock, access.head_chat_id, times="09:00,17:30", coordinator=coordinator)
    with pytest.raises(LoopStopped):
        await run_daily(digest_job(service), clock, StepSleep(clock, limit=4))
    rows = await db.fetchall("SELECT dedup_key, payload FROM outbox WHERE kind = 'coordinator_alert' ORDER BY id")
    assert [r["dedup_key"] for r in rows] == ["coordinator-digest:2026-12-04", "coordinator-digest:2026-12-07"]
    assert "Минстрой КЧР" in json.loads(rows[0]["payload"])["text"]
    clock.set(msk(2026, 12, 4, 10, 40))                            # restarted again: nothing twice
    with pytest.raises(LoopStopped):
        await run_daily(digest_job(service), clock, StepSleep(clock, limit=1))
    assert len(await db.fetchall("SELECT id FROM outbox WHERE kind = 'coordinator_alert'")) == 2


async def test_without_a_coordinator_no_coordinator_digest_is_queued(db: Database, calendar: WorkCalendar,
                                                                    access: AccessService) -> None:
    async def nobody() -> list[int]:
        return []

    service = DigestService(db, calendar, FakeClock(msk(2026, 12, 4, 9, 0)), access.head_chat_id,
                            coordinator=nobody)
    await service.send_at(msk(2026, 12, 4, 9, 0), "morning")
    assert await db.fetchall("SELECT id FROM outbox WHERE kind = 'coordinator_alert'") == []


async def test_coordinator_digest_counts_a_post_given_away_only_where_it_went(db: Database, calendar: WorkCalendar,
                                                                              access: AccessService) -> None:
    """Issue 14 §5: the giver's copy of a transferred post ('transferred') is finished for the giver — neither
    open nor new there."""
    await seed(db)
    await roads_become_organisation_b(db)
    async with db.transaction() as conn:           # no. 1's new post F was given to another organisation
        await conn.execute("UPDATE cases SET status = 'transferred', closed_at = '2026-12-10T08:00:00Z' "
                           "WHERE number = '2026-0006'")
    clock = FakeClock(msk(2026, 12, 10, 9, 0))
    service = DigestService(db, calendar, clock, access.head_chat_id, coordinator=coordinator)
    assert service.coordinator is not None
    text = await service.coordinator.text(msk(2026, 12, 10, 12, 0))
    lines = [line for line in text.splitlines() if line.startswith("•")]
    assert lines == ["• Минстрой КЧР: 1 · 1 · 0 · 0", "• Администрация: 1 · 0 · 0 · 1"]
