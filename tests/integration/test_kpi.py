"""KPIs (docs/kpi.md) on hand-made data whose answers are counted by hand below."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from bot.clock import FakeClock
from bot.services.reports import ReportService, parse_period
from deadlines.calendar import WorkCalendar
from storage.codec import ts
from storage.db import Database
from storage.reports import KpiRow, ReportRepository
from tests.conftest import MSK, msk

NOW = msk(2026, 12, 10, 12, 0)
DEC = (msk(2026, 12, 1), msk(2027, 1, 1))
ZHKH, ROADS = 1, 2


class Data:
    """Insert cases with their parts directly (the shape CaseRepository writes)."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.seq = 0

    async def departments(self) -> None:
        async with self.db.transaction() as conn:
            for dept_id, name, chat in ((ZHKH, "Отдел ЖКХ", -1001), (ROADS, "Дорожный отдел", -1002)):
                await conn.execute("INSERT INTO departments (id, name, chat_id, created_at) VALUES (?,?,?,?)",
                                   (dept_id, name, chat, ts(NOW)))

    async def case(self, *, status: str, detected: datetime, platform: str = "vk", text: str = "",
                   departments: tuple[int, ...] = (), declined: tuple[int, ...] = (),
                   deadlines: tuple[tuple[str, datetime, datetime | None, str | None], ...] = (),
                   publications: tuple[tuple[str, datetime], ...] = (),
                   drafts: tuple[str | None, ...] = (), significant: bool = False) -> int:
        self.seq += 1
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                "INSERT INTO cases (number, year, seq, status, platform, text, detected_at, operator_id, "
                "significant, created_at, updated_at, closed_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                (f"2026-{self.seq:04d}", 2026, self.seq, status, platform, text, ts(detected), 100,
                 int(significant), ts(detected), ts(detected),
                 ts(publications[-1][1]) if status == "closed" else None))
            case_id = cur.lastrowid
            for dept in departments:
                await conn.execute("INSERT INTO case_departments (case_id, department_id, state, routed_at) "
                                   "VALUES (?,?,?,?)", (case_id, dept, "accepted", ts(detected)))
            for dept in declined:
                await conn.execute("INSERT INTO case_departments (case_id, department_id, state, routed_at, "
                                   "declined_at) VALUES (?,?,?,?,?)", (case_id, dept, "declined", ts(detected),
                                                                       ts(detected)))
            for rule, due, closed, outcome in deadlines:
                await conn.execute("INSERT INTO deadlines (case_id, rule, owner, started_at, due_at, closed_at, "
                                   "outcome) VALUES (?,?,?,?,?,?,?)",
                                   (case_id, rule, "operator", ts(detected), ts(due), ts(closed), outcome))
            for i, decision in enumerate(drafts, start=1):
                await conn.execute("INSERT INTO drafts (case_id, kind, text, author_id, version, submitted_at, "
                                   "decision) VALUES (?,?,?,?,?,?,?)",
                                   (case_id, "answer", "текст", 201, i, ts(detected), decision))
            for kind, at in publications:
                await conn.execute("INSERT INTO publications (case_id, kind, screenshot_file_id, published_by, "
                                   "published_at) VALUES (?,?,?,?,?)", (case_id, kind, "shot", 201, ts(at)))
        assert case_id is not None
        return case_id


async def seed(db: Database) -> Data:
    d = Data(db)
    await d.departments()
    day1, day2, day10 = (msk(2026, 12, day, 9, 0) for day in (1, 2, 10))
    # A: ЖКХ, answered on time in 2 working hours.
    await d.case(status="closed", detected=day1, departments=(ZHKH,), drafts=("approved",),
                 deadlines=(("answer", msk(2026, 12, 1, 12), msk(2026, 12, 1, 11), "met"),),
                 publications=(("answer", msk(2026, 12, 1, 11)),))
    # B: ЖКХ, answered late (09:00 -> 15:00 = 4 h + 1 h after lunch = 300 working minutes), one return.
    await d.case(status="closed", detected=day1, departments=(ZHKH,), drafts=("returned", "approved"),
                 deadlines=(("answer", msk(2026, 12, 1, 12), msk(2026, 12, 1, 15), "missed"),),
                 publications=(("answer", msk(2026, 12, 1, 15)),))
    # C: roads, open and past due now.
    await d.case(status="in_work", detected=msk(2026, 12, 1, 10), platform="telegram", departments=(ROADS,),
                 deadlines=(("answer", msk(2026, 12, 1, 14), None, None),))
    # D: roads, intermediate answer after 60 minutes, final answer not due yet.
    await d.case(status="awaiting_final", detected=day10, platform="telegram", departments=(ROADS,),
                 drafts=("approved",),
                 deadlines=(("answer", msk(2026, 12, 10, 12), msk(2026, 12, 10, 10), "met"),
                            ("final", msk(2026, 12, 11, 18), None, None)),
                 publications=(("intermediate", msk(2026, 12, 10, 10)),))
    # E: a 59-FZ appeal: out of the process; its missed route clock does not count.
    await d.case(status="excluded", detected=day1, platform="ok",
                 deadlines=(("answer", msk(2026, 12, 1, 12), msk(2026, 12, 1, 16), "missed"),))
    # F: new, not routed, not due yet; socially significant.
    await d.case(status="new", detected=msk(2026, 12, 10, 11), significant=True,
                 deadlines=(("answer", msk(2026, 12, 10, 15), None, None),))
    # G: roads said "not our competence", ЖКХ answered in 60 working minutes.
    await d.case(status="closed", detected=day2, departments=(ZHKH,), declined=(ROADS,), drafts=("approved",),
                 deadlines=(("answer", msk(2026, 12, 2, 12), msk(2026, 12, 2, 10), "met"),),
                 publications=(("answer", msk(2026, 12, 2, 10)),))
    # H: outside the period.
    await d.case(status="closed", detected=msk(2026, 11, 30, 9), departments=(ZHKH,),
                 deadlines=(("answer", msk(2026, 11, 30, 12), msk(2026, 11, 30, 17), "missed"),),
                 publications=(("answer", msk(2026, 11, 30, 17)),))
    return d


def _by(rows: list[KpiRow], dim: str, key: Any) -> KpiRow:
    return next(r for r in rows if r.dim == dim and r.key == key)


async def test_totals_by_hand(db: Database) -> None:
    await seed(db)
    rows = await ReportRepository().kpis(db.conn, *DEC, NOW)
    t = _by(rows, "total", None)
    assert (t.received, t.out_of_scope, t.answered, t.on_time) == (7, 1, 3, 2)
    assert (t.closed_late, t.open_overdue, t.overdue, t.open) == (1, 1, 2, 3)
    assert t.on_time_share == pytest.approx(2 / 4)          # closed on time / (closed + open overdue)
    assert t.intermediate == 1 and t.intermediate_share == pytest.approx(1 / 6)
    assert (t.drafts, t.returns) == (5, 1) and t.returns_per_draft == pytest.approx(0.2)
    assert t.declines == 1 and t.significant == 1


async def test_departments_and_platforms(db: Database) -> None:
    await seed(db)
    rows = await ReportRepository().kpis(db.conn, *DEC, NOW)
    zhkh, roads, none = _by(rows, "department", ZHKH), _by(rows, "department", ROADS), _by(rows, "department", None)
    assert (zhkh.received, zhkh.answered, zhkh.on_time, zhkh.closed_late, zhkh.declines) == (3, 3, 2, 1, 0)
    assert zhkh.on_time_share == pytest.approx(2 / 3)
    assert (roads.received, roads.open_overdue, roads.declines, roads.on_time_share) == (2, 1, 1, 0.0)
    assert (none.received, none.out_of_scope) == (2, 1)
    vk, tg, ok = _by(rows, "platform", "vk"), _by(rows, "platform", "telegram"), _by(rows, "platform", "ok")
    assert (vk.received, vk.on_time, vk.closed_late) == (4, 2, 1)
    assert (tg.received, tg.open_overdue, tg.intermediate) == (2, 1, 1)
    assert (ok.received, ok.out_of_scope, ok.on_time_share) == (1, 1, None)


async def test_working_time_to_answer(db: Database, calendar: WorkCalendar) -> None:
    await seed(db)
    service = ReportService(db, calendar, FakeClock(NOW), MSK)
    report = await service.build(parse_period("2026-12", NOW, MSK))
    assert sorted(report.total.answer_minutes) == [60, 60, 120, 300]
    assert report.total.mean_minutes == pytest.approx(135)
    assert report.total.median_minutes == pytest.approx(90)
    zhkh = next(s for s in report.departments if s.name == "Отдел ЖКХ")
    assert zhkh.median_minutes == pytest.approx(120)
    assert [d.day.day for d in report.daily][:3] == [1, 2, 3] and len(report.daily) == 31
    first = report.daily[0]
    assert (first.on_time, first.late, first.open) == (1, 2, 0)   # A on time; B and C late (E is out)


async def test_open_past_due_depends_on_now(db: Database) -> None:
    await seed(db)
    earlier = msk(2026, 12, 1, 13, 0)      # C is not yet due (14:00)
    t = _by(await ReportRepository().kpis(db.conn, *DEC, earlier), "total", None)
    assert t.open_overdue == 0 and t.on_time_share == pytest.approx(2 / 3)


async def test_empty_period(db: Database) -> None:
    await seed(db)
    rows = await ReportRepository().kpis(db.conn, msk(2025, 1, 1), msk(2025, 2, 1), NOW)
    t = _by(rows, "total", None)
    assert t.received == 0 and t.on_time_share is None and t.returns_per_draft is None
