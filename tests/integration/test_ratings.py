"""The rating of organisations (issue 14 §4) on hand-built cases whose figures are counted by hand below."""

from __future__ import annotations

import io
from datetime import datetime

import pytest

from bot.domain.orgs import Scope
from bot.domain.ratings import RatingLine
from bot.runtime.clock import FakeClock
from bot.services.ratings import RatingService
from deadlines.calendar import WorkCalendar
from storage.codec import ts
from storage.db import Database
from storage.ratings import RatingRepository, cases_sql, table_scans, transfers_sql
from tests.conftest import msk

NOW = msk(2026, 12, 10, 12, 0)
DEC = "2026-12"
ADM, ZEL, MIN, KAR, URUP = 1, 2, 3, 4, 5
Deadline = tuple[str, datetime, datetime | None, str | None]


class Data:
    """Organisations and cases inserted directly (the shape CaseRepository and the transfers write)."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.seq = 0

    async def orgs(self, *, department: bool = True) -> None:
        async with self.db.transaction() as conn:
            for org_id, name, prefix in ((ZEL, "Зеленчукский район", "ZEL"), (MIN, "Минстрой КЧР", "MIN"),
                                         (KAR, "Карачаевский район", "KAR"), (URUP, "Урупский район", "URU")):
                await conn.execute("INSERT INTO organisations (id, name, prefix, created_at) VALUES (?,?,?,?)",
                                   (org_id, name, prefix, ts(NOW)))
            if department:
                await conn.execute("INSERT INTO departments (id, org_id, name, chat_id, created_at) VALUES (1, 1, "
                                   "'Отдел ЖКХ', -1001, ?)", (ts(NOW),))

    async def case(self, org: int, *, detected: datetime, status: str = "closed",
                   deadlines: tuple[Deadline, ...] = (), published: datetime | None = None,
                   drafts: tuple[str, ...] = (), declined: bool = False, number: str | None = None) -> int:
        self.seq += 1
        seq = int(number.rsplit("-", 1)[1]) if number else self.seq
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                "INSERT INTO cases (org_id, number, year, seq, status, platform, detected_at, operator_id, "
                "created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
                (org, number or f"T{org}-2026-{self.seq:04d}", 2026, seq, status, "vk", ts(detected), 100, ts(detected),
                 ts(detected)))
            case_id = cur.lastrowid
            assert case_id is not None
            for rule, due, closed, outcome in deadlines:
                await conn.execute("INSERT INTO deadlines (case_id, rule, owner, started_at, due_at, closed_at, "
                                   "outcome) VALUES (?,?,?,?,?,?,?)",
                                   (case_id, rule, "operator", ts(detected), ts(due), ts(closed), outcome))
            if published is not None:
                await conn.execute("INSERT INTO publications (case_id, kind, screenshot_file_id, published_by, "
                                   "published_at) VALUES (?,?,?,?,?)", (case_id, "answer", "shot", 201,
                                                                        ts(published)))
            for i, decision in enumerate(drafts, start=1):
                await conn.execute("INSERT INTO drafts (case_id, kind, text, author_id, version, submitted_at, "
                                   "decision) VALUES (?,?,?,?,?,?,?)",
                                   (case_id, "answer", "текст", 201, i, ts(detected), decision))
            if declined:
                await conn.execute("INSERT INTO case_departments (case_id, department_id, state, routed_at, "
                                   "declined_at) VALUES (?,1,'declined',?,?)", (case_id, ts(detected), ts(detected)))
        return case_id

    async def transfer(self, from_case: int, from_org: int, to_org: int, to_case: int | None, at: datetime,
                       state: str = "transferred", refused_at: datetime | None = None) -> None:
        async with self.db.transaction() as conn:
            await conn.execute("INSERT INTO transfers (from_case_id, from_org, to_org, to_case_id, state, reason, "
                               "by_id, by_role, at, refused_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
                               (from_case, from_org, to_org, to_case, state, "не наша дорога", 100, "operator",
                                ts(at), ts(refused_at)))


def answer(due: datetime, closed: datetime | None, outcome: str | None) -> Deadline:
    return ("answer", due, closed, outcome)


async def seed(db: Database) -> None:
    d = Data(db)
    await d.orgs()
    # Администрация (1): two posts on time, 60 and 120 working minutes; one returned draft of two.
    await d.case(ADM, detected=msk(2026, 12, 1, 9), published=msk(2026, 12, 1, 10), drafts=("approved",),
                 deadlines=(answer(msk(2026, 12, 1, 12), msk(2026, 12, 1, 10), "met"),))
    await d.case(ADM, detected=msk(2026, 12, 2, 9), published=msk(2026, 12, 2, 11), drafts=("returned",),
                 deadlines=(answer(msk(2026, 12, 2, 12), msk(2026, 12, 2, 11), "met"),))
    # Зеленчукский (2): on time in 60 minutes; late (09:00 → 15:00 = 300 working minutes, lunch 13–14);
    # one given away to the ministry after its cl. 6 clock ran out (a transfer out and a miss, not a post);
    # a decline.
    await d.case(ZEL, detected=msk(2026, 12, 3, 9), published=msk(2026, 12, 3, 10), declined=True,
                 deadlines=(answer(msk(2026, 12, 3, 12), msk(2026, 12, 3, 10), "met"),))
    await d.case(ZEL, detected=msk(2026, 12, 4, 9), published=msk(2026, 12, 4, 15),
                 deadlines=(answer(msk(2026, 12, 4, 12), msk(2026, 12, 4, 15), "missed"),))
    given = await d.case(ZEL, detected=msk(2026, 12, 7, 9), status="transferred",
                         deadlines=(answer(msk(2026, 12, 7, 12), msk(2026, 12, 7, 12, 30), "missed"),))
    # Минстрой (3): the received case (detected 09:00 in ZEL, received 12:30, answered 14:30 = 60 working
    # minutes after receipt; its cl. 6 clock ran out in ZEL, so it is not the ministry's miss), and one of its own
    # answered on time in 60 minutes, and one open past due now.
    received = await d.case(MIN, detected=msk(2026, 12, 7, 9), published=msk(2026, 12, 7, 14, 30),
                            deadlines=(answer(msk(2026, 12, 7, 12), msk(2026, 12, 7, 12, 30), "missed"),
                                       ("final", msk(2026, 12, 8, 18), msk(2026, 12, 8, 10), "met")))
    await d.transfer(given, ZEL, MIN, received, msk(2026, 12, 7, 12, 30))
    await d.case(MIN, detected=msk(2026, 12, 8, 9), published=msk(2026, 12, 8, 10),
                 deadlines=(answer(msk(2026, 12, 8, 12), msk(2026, 12, 8, 10), "met"),))
    await d.case(MIN, detected=msk(2026, 12, 9, 9), status="in_work",
                 deadlines=(answer(msk(2026, 12, 9, 12), None, None),))
    # Карачаевский (4): one post only — listed, not ranked.
    await d.case(KAR, detected=msk(2026, 12, 1, 9), published=msk(2026, 12, 1, 10),
                 deadlines=(answer(msk(2026, 12, 1, 12), msk(2026, 12, 1, 10), "met"),))
    # Урупский (5): no posts at all. Out of the period and out of scope: not counted anywhere.
    await d.case(ADM, detected=msk(2026, 11, 30, 9), published=msk(2026, 11, 30, 17),
                 deadlines=(answer(msk(2026, 11, 30, 12), msk(2026, 11, 30, 17), "missed"),))
    await d.case(ADM, detected=msk(2026, 12, 1, 9), status="excluded",
                 deadlines=(answer(msk(2026, 12, 1, 12), msk(2026, 12, 1, 16), "missed"),))


@pytest.fixture
async def rating(db: Database, calendar: WorkCalendar) -> list[RatingLine]:
    await seed(db)
    service = RatingService(db, calendar, FakeClock(NOW))
    return (await service.build(service.parse(DEC))).lines


def _line(lines: list[RatingLine], org_id: int) -> RatingLine:
    return next(line for line in lines if line.figures.org_id == org_id)


async def test_rating_places_by_in_time_share_then_median_and_leaves_small_organisations_unplaced(
        rating: list[RatingLine]) -> None:
    # ADM 2/2 = 100 %, median 90; MIN 1/2 (the received case's clock ran out before receipt) = 50 %, median 60;
    # ZEL 1/3 (its own late one and the miss before the transfer) = 33 %.
    assert [(line.place, line.figures.name) for line in rating] == [
        (1, "Администрация"), (2, "Минстрой КЧР"), (3, "Зеленчукский район"),
        (None, "Карачаевский район"), (None, "Урупский район")]


async def test_rating_figures_per_organisation_known_answers(rating: list[RatingLine]) -> None:
    adm = _line(rating, ADM).figures
    assert (adm.posts, adm.answer_met, adm.answer_due, adm.overdue) == (2, 2, 2, 0)
    assert (adm.median_minutes, adm.mean_minutes) == (90, 90)
    assert (adm.drafts, adm.returns, adm.returns_share) == (2, 1, 0.5)
    zel = _line(rating, ZEL).figures
    assert (zel.posts, zel.answer_met, zel.answer_due, zel.overdue) == (2, 1, 3, 2)
    assert (zel.median_minutes, zel.mean_minutes) == (180, 180)
    assert (zel.declines, zel.transfers_out, zel.transfers_in) == (1, 1, 0)
    mi = _line(rating, MIN).figures
    assert (mi.posts, mi.answer_met, mi.answer_due, mi.overdue) == (3, 1, 2, 1)
    assert (mi.final_met, mi.final_due, mi.final_share) == (1, 1, 1.0)
    assert mi.reactions == [60, 60]     # the received one from its receipt, not from detection (180)
    assert (mi.transfers_in, mi.transfers_out) == (1, 0)
    kar = _line(rating, KAR)
    assert (kar.place, kar.figures.posts, kar.figures.answer_share) == (None, 1, 1.0)
    urup = _line(rating, URUP)
    assert (urup.place, urup.figures.posts, urup.figures.answer_share, urup.figures.median_minutes) == (
        None, 0, None, None)


async def test_rating_ties_share_a_place_and_the_next_place_skips(db: Database, calendar: WorkCalendar) -> None:
    d = Data(db)
    await d.orgs()
    for org in (ADM, ZEL, MIN):          # two posts each, on time; ADM and ZEL in 60 minutes, MIN in 120
        for day in (1, 2):
            minutes_to = 10 if org != MIN else 11
            await d.case(org, detected=msk(2026, 12, day, 9), published=msk(2026, 12, day, minutes_to),
                         deadlines=(answer(msk(2026, 12, day, 12), msk(2026, 12, day, minutes_to), "met"),))
    service = RatingService(db, calendar, FakeClock(NOW))
    lines = (await service.build(service.parse(DEC))).lines
    assert [(line.place, line.figures.org_id) for line in lines[:3]] == [(1, ADM), (1, ZEL), (3, MIN)]
    text = service.text(await service.build(service.parse(DEC)))
    assert "1. <b>Администрация</b>" in text and "1. <b>Зеленчукский район</b>" in text
    assert "3. <b>Минстрой КЧР</b>" in text and "Порядок: доля ответов в срок" in text


async def test_rating_scoped_to_one_organisation_reads_only_its_cases(db: Database, calendar: WorkCalendar) -> None:
    await seed(db)
    service = RatingService(db, calendar, FakeClock(NOW))
    lines = (await service.build(service.parse(DEC), scope=Scope.one(ZEL))).lines
    assert [line.figures.org_id for line in lines] == [ZEL]
    assert lines[0].figures.posts == 2 and lines[0].figures.transfers_out == 1


async def test_rating_files_hold_every_organisation(db: Database, calendar: WorkCalendar) -> None:
    from openpyxl import load_workbook

    await seed(db)
    service = RatingService(db, calendar, FakeClock(NOW))
    files = await service.files(service.parse(DEC))
    sheet = load_workbook(io.BytesIO(files.xlsx)).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert [r[:3] for r in rows[2:]] == [(1, "Администрация", 2), (2, "Минстрой КЧР", 3),
                                         (3, "Зеленчукский район", 2), ("без места", "Карачаевский район", 1),
                                         ("без места", "Урупский район", 0)]
    assert files.png.startswith(b"\x89PNG") and files.xlsx_name == "rating_2026-12-01_2026-12-31.xlsx"


@pytest.mark.sqlite_only   # SQLite's EXPLAIN QUERY PLAN; PostgreSQL's plans are checked by make bench (docs/benchmarks.md)
async def test_rating_query_plans_use_indexes_on_a_small_database(db: Database) -> None:
    await seed(db)
    repo = RatingRepository()
    sql, params = cases_sql(Scope.all())
    start, end = ts(msk(2026, 12, 1)), ts(msk(2027, 1, 1))
    plan = await repo.explain(db.conn, sql, (*params, start, end, ts(NOW), ts(NOW)))
    tsql, p_from, p_to = transfers_sql(Scope.all())
    plan += await repo.explain(db.conn, tsql, (*p_from, start, end, *p_to, start, end))
    assert any("ix_cases_report" in line for line in plan), plan
    assert table_scans(plan) == [], plan


def test_table_scans_names_a_full_scan_of_a_rating_table_and_nothing_else() -> None:
    plan = ["MATERIALIZE c", "SEARCH c USING COVERING INDEX ix_cases_report (org_id=?)", "SCAN c",
            "SCAN (subquery-10)", "SCAN organisations", "SCAN d", "SCAN cases"]
    assert table_scans(plan) == ["SCAN d", "SCAN cases"]


async def test_reaction_is_counted_on_the_organisations_own_calendar(db: Database, calendar: WorkCalendar) -> None:
    from datetime import date

    from deadlines.overrides import CalendarOverrides

    def with_days_off(base: WorkCalendar, days: tuple[date, ...]) -> WorkCalendar:
        if not days:
            return base
        return WorkCalendar(base.schedule, base.tz, CalendarOverrides(regional_days_off=set(days)))

    await seed(db)
    async with db.transaction() as conn:          # 04.12.2026 is Зеленчукский's own day off
        await conn.execute("UPDATE organisations SET days_off = '[\"2026-12-04\"]' WHERE id = ?", (ZEL,))
    service = RatingService(db, calendar, FakeClock(NOW), org_calendar=with_days_off)
    lines = (await service.build(service.parse(DEC))).lines
    # its post of that day (09:00 → 15:00) took no working minute; the others' figures are as before
    assert sorted(_line(lines, ZEL).figures.reactions) == [0, 60]
    assert _line(lines, ADM).figures.reactions == [60, 120]


async def test_a_case_refused_back_is_the_givers_post_and_the_refuser_keeps_only_its_own_misses(
        db: Database, calendar: WorkCalendar) -> None:
    d = Data(db)
    await d.orgs()
    # Зеленчукский gives a post at 10:00 to Минстрой, which refuses it back at 11:30 after its own step clock
    # (due 11:00) ran out; Зеленчукский answers at 12:00, in time. The answer clock (due 12:00) is the giver's.
    given = await d.case(ZEL, detected=msk(2026, 12, 3, 9), published=msk(2026, 12, 3, 12),
                         deadlines=(answer(msk(2026, 12, 3, 12), msk(2026, 12, 3, 12), "met"),))
    refused = await d.case(MIN, detected=msk(2026, 12, 3, 9), status="transferred",
                           deadlines=(("final", msk(2026, 12, 3, 9, 30), msk(2026, 12, 3, 11, 30), "missed"),
                                      ("final", msk(2026, 12, 3, 11), msk(2026, 12, 3, 11, 30), "missed"),
                                      answer(msk(2026, 12, 3, 12), msk(2026, 12, 3, 11, 30), "cancelled")))
    await d.transfer(given, ZEL, MIN, refused, msk(2026, 12, 3, 10), state="refused",
                     refused_at=msk(2026, 12, 3, 11, 30))
    service = RatingService(db, calendar, FakeClock(NOW))
    lines = (await service.build(service.parse(DEC))).lines
    zel, mi = _line(lines, ZEL).figures, _line(lines, MIN).figures
    assert (zel.posts, zel.answer_met, zel.answer_due, zel.reactions, zel.transfers_out) == (1, 1, 1, [180], 1)
    # the 09:30 clock ran out before Минстрой got the case: not its miss; the 11:00 one is
    assert (mi.posts, mi.final_due, mi.final_met, mi.overdue, mi.transfers_in) == (0, 1, 0, 1, 1)


async def test_rating_files_keep_a_formula_like_or_dollar_name_as_text(db: Database, calendar: WorkCalendar) -> None:
    from openpyxl import load_workbook

    await seed(db)
    async with db.transaction() as conn:
        await conn.execute("UPDATE organisations SET name = '=HYPERLINK(\"http://x\")' WHERE id = ?", (KAR,))
        await conn.execute("UPDATE organisations SET name = '$\\frac$ район' WHERE id = ?", (URUP,))
    service = RatingService(db, calendar, FakeClock(NOW))
    files = await service.files(service.parse(DEC))          # the chart draws "$…$" literally, no math error
    cell = next(c for row in load_workbook(io.BytesIO(files.xlsx)).active.iter_rows()  # type: ignore[union-attr]
                for c in row if isinstance(c.value, str) and "HYPERLINK" in c.value)
    assert cell.data_type == "s" and cell.value == '=HYPERLINK("http://x")'
    assert '— <b>=HYPERLINK("http://x")</b>: сообщений 1' in files.text


async def test_an_archived_organisation_is_listed_only_with_something_in_the_period(
        db: Database, calendar: WorkCalendar) -> None:
    await seed(db)
    async with db.transaction() as conn:
        await conn.execute("UPDATE organisations SET archived = 1 WHERE id IN (?, ?)", (KAR, URUP))
    service = RatingService(db, calendar, FakeClock(NOW))
    names = [line.figures.name for line in (await service.build(service.parse(DEC))).lines]
    assert "Карачаевский район" in names and "Урупский район" not in names
