"""KPIs (docs/kpi.md) on hand-made data whose answers are counted by hand below."""

from __future__ import annotations

import io
import json
from datetime import datetime
from typing import Any

import pytest

from bot.domain.orgs import Scope
from bot.runtime.clock import FakeClock
from bot.services.access import AccessService
from bot.services.periods import parse_period
from bot.services.reports import DigestService, ReportService
from deadlines.calendar import WorkCalendar
from storage.codec import ts
from storage.db import Database
from storage.reports import KpiRow, ReportRepository
from tests.conftest import MSK, msk

NOW = msk(2026, 12, 10, 12, 0)
#: A deadline with its blame: (rule, due, closed, outcome, department id, party keys or None, inherited).
Blamed = tuple[str, datetime, datetime | None, str | None, int | None, list[str] | None, bool]
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
                   drafts: tuple[str | None, ...] = (), significant: bool = False, operator: int = 100,
                   blamed: tuple[Blamed, ...] = ()) -> int:
        self.seq += 1
        # how the workflow closes it (cases.closure): by an answer, or by a clarification request alone
        closure = None
        if status == "closed":
            closure = "answer" if any(k == "answer" for k, _ in publications) else "clarification_only"
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                "INSERT INTO cases (number, year, seq, status, platform, text, detected_at, operator_id, "
                "significant, created_at, updated_at, closed_at, closure) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (f"2026-{self.seq:04d}", 2026, self.seq, status, platform, text, ts(detected), operator,
                 int(significant), ts(detected), ts(detected),
                 ts(publications[-1][1]) if status == "closed" else None, closure))
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
            for rule, due, closed, outcome, dept, blame, inherited in blamed:
                await conn.execute("INSERT INTO deadlines (case_id, rule, owner, department_id, started_at, due_at, "
                                   "closed_at, outcome, blame, blame_inherited) VALUES (?,?,?,?,?,?,?,?,?,?)",
                                   (case_id, rule, "department" if dept else "operator", dept, ts(detected),
                                    ts(due), ts(closed), outcome, json.dumps(blame) if blame else None,
                                    int(inherited)))
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
    rows = await ReportRepository().kpis(db.conn, *DEC, NOW, scope=Scope.all())
    t = _by(rows, "total", None)
    assert (t.received, t.out_of_scope, t.answered, t.on_time) == (7, 1, 3, 2)
    assert (t.closed_late, t.open_overdue, t.overdue, t.open) == (1, 1, 2, 3)
    assert t.on_time_share == pytest.approx(2 / 4)          # closed on time / (closed + open overdue)
    assert t.intermediate == 1 and t.intermediate_share == pytest.approx(1 / 6)
    assert (t.drafts, t.returns) == (5, 1) and t.returns_per_draft == pytest.approx(0.2)
    assert t.declines == 1 and t.significant == 1


async def test_departments_and_platforms(db: Database) -> None:
    await seed(db)
    rows = await ReportRepository().kpis(db.conn, *DEC, NOW, scope=Scope.all())
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
    report = await service.build(parse_period("2026-12", NOW, MSK), scope=Scope.all())
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
    t = _by(await ReportRepository().kpis(db.conn, *DEC, earlier, scope=Scope.all()), "total", None)
    assert t.open_overdue == 0 and t.on_time_share == pytest.approx(2 / 3)


async def test_empty_period(db: Database) -> None:
    await seed(db)
    rows = await ReportRepository().kpis(db.conn, msk(2025, 1, 1), msk(2025, 2, 1), NOW, scope=Scope.all())
    t = _by(rows, "total", None)
    assert t.received == 0 and t.on_time_share is None and t.returns_per_draft is None


# ---- who missed: misses per party, inherited, clarification-only closures (issue 11 §1, 3, 6) ----------

OP1, OP2 = 100, 101


async def seed_blame(db: Database) -> Data:
    """Cases whose misses were attributed at expiry (deadlines.blame), counted by hand in the tests."""
    d = Data(db)
    await d.departments()
    day = msk(2026, 12, 3, 9, 0)
    due, late = msk(2026, 12, 3, 12, 0), msk(2026, 12, 3, 15, 0)
    op1, zhkh, roads = f"operator:{OP1}", f"department:{ZHKH}", f"department:{ROADS}"
    # 1: ЖКХ's draft waited for approval: the operator owed the answer clock and missed its approval step.
    await d.case(status="closed", detected=day, departments=(ZHKH,), drafts=("approved",),
                 publications=(("answer", late),),
                 blamed=(("answer", due, late, "missed", None, [op1], False),
                         ("approval", msk(2026, 12, 3, 11), late, "missed", None, [op1], False)))
    # 2: ЖКХ missed its draft step and held the case when the answer clock ran out.
    await d.case(status="in_work", detected=day, departments=(ZHKH,),
                 blamed=(("answer", due, None, None, None, [zhkh], False),
                         ("draft", msk(2026, 12, 3, 11), None, None, ZHKH, [zhkh], False)))
    # 3: roads declined late (its decline step missed); ЖКХ got the case with its draft time spent:
    #    the draft and the answer misses are roads', counted as inherited.
    await d.case(status="in_work", detected=day, departments=(ZHKH,), declined=(ROADS,),
                 blamed=(("decline", msk(2026, 12, 3, 10), msk(2026, 12, 3, 11), "missed", ROADS, [roads], False),
                         ("draft", msk(2026, 12, 3, 11), None, None, ZHKH, [roads], True),
                         ("answer", due, None, None, None, [roads], True)))
    # 4: two departments preparing together missed the answer clock: each gets one.
    await d.case(status="in_work", detected=day, departments=(ZHKH, ROADS),
                 blamed=(("answer", due, None, None, None, [zhkh, roads], False),))
    # 5: another operator routed late; the answer itself was on time.
    await d.case(status="closed", detected=day, departments=(ROADS,), drafts=("approved",), operator=OP2,
                 publications=(("answer", msk(2026, 12, 3, 11)),),
                 deadlines=(("answer", due, msk(2026, 12, 3, 11), "met"),),
                 blamed=(("route", msk(2026, 12, 3, 9, 30), msk(2026, 12, 3, 10), "missed", None,
                          [f"operator:{OP2}"], False),))
    # 6: closed by a clarification request alone, on time: not an answer on time.
    await d.case(status="closed", detected=day, departments=(ROADS,), drafts=("approved",),
                 publications=(("clarification", msk(2026, 12, 3, 10)),),
                 deadlines=(("answer", due, msk(2026, 12, 3, 10), "met"),))
    # 7: a clarification request published, waiting for the author.
    await d.case(status="awaiting_author", detected=day, departments=(ROADS,),
                 publications=(("clarification", msk(2026, 12, 3, 10)),),
                 deadlines=(("answer", due, msk(2026, 12, 3, 10), "met"),))
    # 8: waits for the operator's approval, past due and not attributed yet: no miss counted, but the
    #    digest names the operator as its owner now.
    await d.case(status="on_approval", detected=day, departments=(ZHKH,), drafts=(None,),
                 deadlines=(("answer", due, None, None),))
    # 9: a 59-FZ appeal: its attributed route miss is out of scope.
    await d.case(status="excluded", detected=day, platform="ok",
                 blamed=(("route", msk(2026, 12, 3, 9, 30), msk(2026, 12, 3, 10), "missed", None, [op1], False),))
    # 10: a clarification request, then the answer on time: an ordinary answer on time.
    await d.case(status="closed", detected=day, departments=(ZHKH,), drafts=("approved", "approved"),
                 publications=(("clarification", msk(2026, 12, 3, 10)), ("answer", msk(2026, 12, 3, 11))),
                 deadlines=(("answer", due, msk(2026, 12, 3, 10), "met"),))
    return d


async def _person_name(user_id: int) -> str | None:
    return {OP1: "Анна Смирнова", OP2: "Пётр Иванов"}.get(user_id)


async def test_cl6_cl7_misses_are_attributed_per_party_with_inherited_apart(db: Database) -> None:
    await seed_blame(db)
    got = {m.party: m for m in await ReportRepository().party_misses(db.conn, *DEC, scope=Scope.all())}
    assert set(got) == {f"operator:{OP1}", f"operator:{OP2}", f"department:{ZHKH}", f"department:{ROADS}"}
    op1, op2 = got[f"operator:{OP1}"], got[f"operator:{OP2}"]
    zhkh, roads = got[f"department:{ZHKH}"], got[f"department:{ROADS}"]
    assert (op1.answer, op1.answer_inherited, op1.steps, op1.steps_inherited) == (1, 0, {"approval": 1}, 0)
    assert (op2.answer, op2.answer_inherited, op2.steps, op2.steps_inherited) == (0, 0, {"route": 1}, 0)
    assert (zhkh.answer, zhkh.answer_inherited, zhkh.steps, zhkh.steps_inherited) == (2, 0, {"draft": 1}, 0)
    assert (roads.answer, roads.answer_inherited, roads.steps, roads.steps_inherited) == (1, 1, {"decline": 1}, 1)
    assert (op1.total, roads.total) == (2, 4)


async def test_cl6_clarification_only_closures_are_counted_apart_and_not_on_time(db: Database) -> None:
    await seed_blame(db)
    t = _by(await ReportRepository().kpis(db.conn, *DEC, NOW, scope=Scope.all()), "total", None)
    assert (t.clarification_only, t.clarified) == (2, 1)          # cases 6 and 7; case 6 is closed
    assert (t.answered, t.on_time, t.closed_late) == (4, 2, 1)    # 1 late, 5 and 10 on time, 6 by clarification
    assert t.open_overdue == 4                                     # 2, 3, 4, 8
    assert t.on_time_share == pytest.approx(2 / (4 - 1 + 4))       # case 6 is neither on time nor counted
    roads = _by(await ReportRepository().kpis(db.conn, *DEC, NOW, scope=Scope.all()), "department", ROADS)
    assert (roads.clarification_only, roads.clarified, roads.on_time) == (2, 1, 1)


async def test_report_text_and_xlsx_have_the_operator_table(db: Database, calendar: WorkCalendar) -> None:
    from openpyxl import load_workbook

    await seed_blame(db)
    service = ReportService(db, calendar, FakeClock(NOW), MSK, person_name=_person_name)
    files = await service.files(parse_period("2026-12", NOW, MSK), scope=Scope.all())
    assert "Кто просрочил" in files.text
    assert "• Анна Смирнова: 1 · 0 · 1 (согласовать 1)" in files.text
    assert "• Дорожный отдел: 1 · 2 · 1" in files.text
    assert "только с запросом уточнения: 2" in files.text

    wb = load_workbook(io.BytesIO(files.xlsx), read_only=True)
    assert "Операторы" in wb.sheetnames and "Отделы" in wb.sheetnames
    ops = list(wb["Операторы"].iter_rows(values_only=True))
    assert ops[0][:5] == ("Оператор", "Просрочки ответа (п. 6, 7)",
                          "Унаследованные просрочки ответа (время израсходовано ими)", "Просрочки своих шагов",
                          "Унаследованные просрочки шагов")
    assert {r[0]: r[1:5] for r in ops[1:]} == {"Анна Смирнова": (1, 0, 1, 0), "Пётр Иванов": (0, 0, 1, 0)}
    route_col = ops[0].index("Просрочено: маршрутизация")
    assert {r[0]: r[route_col] for r in ops[1:]} == {"Анна Смирнова": 0, "Пётр Иванов": 1}
    depts = list(wb["Отделы"].iter_rows(values_only=True))
    miss_col = depts[0].index("Просрочки ответа (п. 6, 7)")
    by_name = {r[0]: r for r in depts[1:]}
    assert by_name["Отдел ЖКХ"][miss_col:miss_col + 4] == (2, 0, 1, 0)
    assert by_name["Дорожный отдел"][miss_col:miss_col + 4] == (1, 1, 1, 1)
    clar_col = depts[0].index("Только запрос уточнения")
    assert by_name["Дорожный отдел"][clar_col] == 2
    answered = {r[0]: r[8] for r in list(wb["Сообщения"].iter_rows(values_only=True))[1:]}
    assert (answered["2026-0006"], answered["2026-0007"], answered["2026-0005"], answered["2026-0010"]) == (
        "только запрос уточнения", "только запрос уточнения", "да", "да")
    deadlines = list(wb["Сроки"].iter_rows(values_only=True))
    assert deadlines[0][7:9] == ("Просрочка отнесена на", "Унаследованная")
    padded = [(*r, None, None) for r in deadlines[1:]]              # empty trailing cells are left out
    blame = {(r[0], r[1]): (r[7], r[8]) for r in padded}
    assert blame[("2026-0001", "ответ")] == ("Анна Смирнова", None)
    assert blame[("2026-0004", "ответ")] == ("Отдел ЖКХ, Дорожный отдел", None)
    assert blame[("2026-0003", "ответ")] == ("Дорожный отдел", "да")


async def test_cl14_xlsx_names_who_owed_the_answer_clock_not_the_department_that_had_finished(
        db: Database, calendar: WorkCalendar) -> None:
    """Case 1: ЖКХ's draft waited for the operator's approval when the answer clock ran out. The Сроки sheet's
    «Отвечает» names the operator for that answer clock, never the department; an answer clock nobody missed
    is owed by «тот, за кем шаг»; a department's own step names that department."""
    from openpyxl import load_workbook

    await seed_blame(db)
    service = ReportService(db, calendar, FakeClock(NOW), MSK, person_name=_person_name)
    files = await service.files(parse_period("2026-12", NOW, MSK), scope=Scope.all())
    rows = list(load_workbook(io.BytesIO(files.xlsx), read_only=True)["Сроки"].iter_rows(values_only=True))
    owner = {(r[0], r[1]): r[2] for r in rows[1:]}
    assert owner[("2026-0001", "ответ")] == "Анна Смирнова"
    assert owner[("2026-0005", "ответ")] == "тот, за кем шаг"
    assert owner[("2026-0002", "проект ответа")] == "Отдел ЖКХ"


async def test_cl6_the_chart_counts_a_clarification_only_closure_apart_as_the_kpi_rows_do(
        db: Database, calendar: WorkCalendar) -> None:
    await seed_blame(db)
    service = ReportService(db, calendar, FakeClock(NOW), MSK)
    report = await service.build(parse_period("2026-12", NOW, MSK), scope=Scope.all())
    day = next(d for d in report.daily if d.day.day == 3)
    # on time: 5 and 10; late: 1, 2, 3, 4, 8; open: 7 (waits for the author); 6 closed by the request alone
    assert (day.on_time, day.late, day.open, day.clarified) == (2, 5, 1, 1)
    assert sum(d.on_time for d in report.daily) == report.total.kpi.on_time
    assert sum(d.clarified for d in report.daily) == report.total.kpi.clarified
    files = await service.files(parse_period("2026-12", NOW, MSK), scope=Scope.all())
    assert files.png.startswith(b"\x89PNG")


async def test_cl12_summary_and_xlsx_say_how_many_late_cases_a_department_inherited(
        db: Database, calendar: WorkCalendar) -> None:
    """Case 3: roads declined late, ЖКХ received it with the time spent — one inherited late case, ЖКХ's."""
    from openpyxl import load_workbook

    from bot import texts

    await seed_blame(db)
    service = ReportService(db, calendar, FakeClock(NOW), MSK)
    files = await service.files(parse_period("2026-12", NOW, MSK), scope=Scope.all())
    assert texts.REPORT_INHERITED.format(inherited=1) in files.text
    zhkh = texts.REPORT_LINE.format(name="Отдел ЖКХ", received=6, on_time=1, overdue=5, share="16,7%")
    roads = texts.REPORT_LINE.format(name="Дорожный отдел", received=4, on_time=1, overdue=1, share="50,0%")
    assert zhkh + texts.REPORT_LINE_INHERITED.format(inherited=1) in files.text
    assert roads in files.text and roads + " (унаследовано" not in files.text

    wb = load_workbook(io.BytesIO(files.xlsx), read_only=True)
    depts = list(wb["Отделы"].iter_rows(values_only=True))
    col = depts[0].index(texts.XLSX_DEPT_INHERITED)
    assert col == depts[0].index(texts.XLSX_MISS_HEADERS[-1]) + 1                  # beside the misses
    padded = {r[0]: (*r, *([None] * len(depts[0])))[col] for r in depts[1:]}
    assert (padded["Отдел ЖКХ"], padded["Дорожный отдел"], padded["Всего"]) == (1, 0, 1)


async def test_cl6_digest_tells_late_answers_from_open_overdue_and_names_owners(
        db: Database, calendar: WorkCalendar, access: AccessService) -> None:
    await seed(db)
    service = DigestService(db, calendar, FakeClock(NOW), access.head_chat_id)
    # 13:00 on 1 December: B was answered late today, nothing open is past due yet (C is due at 14:00).
    text = await service.digest_text("evening", msk(2026, 12, 1, 13, 0), scope=Scope.all())
    assert "Ответ опубликован с опозданием (из поступивших сегодня): <b>1</b>" in text
    assert "Открыто и просрочено сейчас: <b>0</b>" in text and "✅ Просроченных сообщений нет" in text
    # 15:00: C is open and past due; its owner is the department preparing the draft.
    text = await service.digest_text("evening", msk(2026, 12, 1, 15, 0), scope=Scope.all())
    assert "Открыто и просрочено сейчас: <b>1</b>" in text and "✅" not in text
    assert "<b>2026-0003</b> · Telegram · «ответ» до" in text and text.count("— Дорожный отдел") == 1


async def test_cl6_digest_names_the_operator_who_holds_an_overdue_approval(
        db: Database, calendar: WorkCalendar, access: AccessService) -> None:
    await seed_blame(db)
    service = DigestService(db, calendar, FakeClock(NOW), access.head_chat_id, person_name=_person_name)
    text = await service.digest_text("morning", msk(2026, 12, 4, 9, 0), scope=Scope.all())
    assert "Ответ опубликован с опозданием (из поступивших за 03.12.2026): <b>1</b>" in text
    assert "Открыто и просрочено сейчас: <b>4</b>" in text
    line = next(x for x in text.splitlines() if "2026-0008" in x)
    assert line.endswith("— Анна Смирнова")
    line = next(x for x in text.splitlines() if "2026-0004" in x)
    assert line.endswith("— Отдел ЖКХ, Дорожный отдел")
