"""Report rendering (XLSX opens and holds the rows, PNG is a sensible image), periods, digests, /report."""

from __future__ import annotations

import io
import json
from datetime import time

import pytest
from aiogram import Dispatcher
from aiogram.methods import SendDocument, SendMessage, SendPhoto

from bot.domain.orgs import Scope
from bot.domain.sources import all_platforms
from bot.fake_telegram import FakeSession, make_bot
from bot.jobs.daily import digest_job
from bot.runtime.clock import FakeClock
from bot.services.access import AccessService
from bot.services.cases import CaseService
from bot.services.kpis import platform_name
from bot.services.periods import PeriodError, parse_period
from bot.services.reports import DigestService, ReportService, digest_moments, parse_digest_times
from deadlines.calendar import WorkCalendar
from deadlines.rules import Deadlines
from handlers import reports as report_handlers
from handlers.middlewares import ActorMiddleware
from storage.db import Database
from tests.conftest import ADMIN_ID, MSK, OPERATOR_ID, msk
from tests.integration.test_kpi import NOW, Data, seed
from tests.support import updates
from tests.support.sleep import LoopStopped, StepSleep, run_daily

# ---- periods --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("arg", "first", "last"), [
    ("", (2026, 12, 10), (2026, 12, 10)),
    ("today", (2026, 12, 10), (2026, 12, 10)),
    ("сегодня", (2026, 12, 10), (2026, 12, 10)),
    ("week", (2026, 12, 7), (2026, 12, 10)),        # Thursday: since Monday
    ("month", (2026, 12, 1), (2026, 12, 10)),
    ("2026-02", (2026, 2, 1), (2026, 2, 28)),
    ("2024-02", (2024, 2, 1), (2024, 2, 29)),
    ("01.11.2026-15.11.2026", (2026, 11, 1), (2026, 11, 15)),
    ("01.11.2026 — 15.11.2026", (2026, 11, 1), (2026, 11, 15)),
    ("05.12.2026", (2026, 12, 5), (2026, 12, 5)),
])
def test_periods(arg: str, first: tuple[int, int, int], last: tuple[int, int, int]) -> None:
    p = parse_period(arg, NOW, MSK)
    assert (p.first.timetuple()[:3], p.last.timetuple()[:3]) == (first, last)
    assert p.start.tzinfo is MSK and p.start.hour == 0 and p.end > p.start


@pytest.mark.parametrize("arg", ["yesterday-ish", "2026-13", "31.02.2026-01.03.2026", "15.11.2026-01.11.2026",
                                 "01.01.2000-01.01.2026", "2026"])
def test_bad_periods(arg: str) -> None:
    with pytest.raises(PeriodError):
        parse_period(arg, NOW, MSK)


# ---- files ----------------------------------------------------------------------------------------

async def test_xlsx_and_png(db: Database, calendar: WorkCalendar) -> None:
    from openpyxl import load_workbook
    from PIL import Image

    await seed(db)
    service = ReportService(db, calendar, FakeClock(NOW), MSK)
    files = await service.files(parse_period("2026-12", NOW, MSK), scope=Scope.all())
    assert files.xlsx_name == "report_2026-12-01_2026-12-31.xlsx" and files.png_name.endswith(".png")

    wb = load_workbook(io.BytesIO(files.xlsx), read_only=True)
    assert wb.sheetnames == ["Итоги", "Сообщения", "Сроки", "Отделы", "Операторы", "Площадки"]
    cases = list(wb["Сообщения"].iter_rows(values_only=True))
    assert cases[0][0] == "Номер" and len(cases) == 1 + 7               # header + the 7 cases of December
    assert {row[0] for row in cases[1:]} == {f"2026-{i:04d}" for i in range(1, 8)}
    by_number = {row[0]: row for row in cases[1:]}
    assert by_number["2026-0001"][8] == "да" and by_number["2026-0002"][8] == "нет"
    deadlines = list(wb["Сроки"].iter_rows(values_only=True))
    assert len(deadlines) == 1 + 8
    outcomes = {(r[0], r[1]): r[6] for r in deadlines[1:]}
    assert outcomes[("2026-0001", "ответ")] == "в срок"
    assert outcomes[("2026-0002", "ответ")] == "просрочено"
    assert outcomes[("2026-0003", "ответ")] == "открыт, срок истёк"
    depts = {r[0]: r for r in wb["Отделы"].iter_rows(values_only=True)}
    assert depts["Отдел ЖКХ"][1] == 3 and depts["Дорожный отдел"][15] == 1 and depts["Всего"][1] == 7
    platforms = {r[0]: r for r in wb["Площадки"].iter_rows(values_only=True)}
    assert platforms["ВКонтакте"][1] == 4 and platforms["Telegram"][1] == 2

    image = Image.open(io.BytesIO(files.png))
    image.verify()
    assert image.format == "PNG" and 800 <= image.size[0] <= 2000 and 600 <= image.size[1] <= 1600
    assert 10_000 < len(files.png) < 1_000_000

    assert "Отчёт за 01.12.2026 — 31.12.2026" in files.text
    assert "Поступило: <b>7</b>" in files.text and "Доля в срок: <b>50,0%</b>" in files.text
    assert "среднее 2 ч 15 мин, медиана 1 ч 30 мин" in files.text


async def test_empty_period_renders(db: Database, calendar: WorkCalendar) -> None:
    from PIL import Image

    service = ReportService(db, calendar, FakeClock(NOW), MSK)
    files = await service.files(parse_period("today", NOW, MSK), scope=Scope.all())
    assert "Поступило: <b>0</b>" in files.text and "Доля в срок: <b>—</b>" in files.text
    assert Image.open(io.BytesIO(files.png)).format == "PNG"


async def test_reports_name_every_platform_from_the_data_file(db: Database, calendar: WorkCalendar) -> None:
    """2GIS and TikTok once printed their raw codes: the names come from bot/data/platforms.json."""
    from openpyxl import load_workbook

    assert [platform_name(p.code) for p in all_platforms()] == [p.title for p in all_platforms()]
    d = Data(db)
    await d.departments()
    for code in ("2gis", "tiktok"):
        await d.case(status="new", detected=msk(2026, 12, 1, 9, 0), platform=code)
    files = await ReportService(db, calendar, FakeClock(NOW), MSK).files(parse_period("2026-12", NOW, MSK), scope=Scope.all())
    wb = load_workbook(io.BytesIO(files.xlsx), read_only=True)
    assert {r[1] for r in list(wb["Сообщения"].iter_rows(values_only=True))[1:]} == {"2ГИС", "TikTok"}
    assert {r[0] for r in wb["Площадки"].iter_rows(values_only=True)} >= {"2ГИС", "TikTok"}


# ---- digests --------------------------------------------------------------------------------------

def test_digest_moments_on_working_days_only(calendar: WorkCalendar) -> None:
    assert parse_digest_times("17:30, 09:00") == [time(9), time(17, 30)]
    with pytest.raises(ValueError):
        parse_digest_times("9")
    friday_evening = msk(2026, 12, 4, 18, 0)
    got = digest_moments(calendar, "09:00,17:30", friday_evening, count=3)
    assert got == [(msk(2026, 12, 7, 9, 0), "morning"), (msk(2026, 12, 7, 17, 30), "evening"),
                   (msk(2026, 12, 8, 9, 0), "morning")]
    new_year = digest_moments(calendar, "09:00", msk(2026, 12, 31, 10, 0), count=1)
    assert new_year[0][0].date() > msk(2027, 1, 8).date()          # the January holidays are skipped


async def test_send_digest_queues_once(db: Database, calendar: WorkCalendar, access: AccessService) -> None:
    await seed(db)
    clock = FakeClock(msk(2026, 12, 2, 9, 0))
    woke: list[int] = []
    service = DigestService(db, calendar, clock, access.head_chat_id, on_queued=lambda: woke.append(1))
    await service.send_digest("morning")
    await service.send_digest("morning")                            # a restart at the same moment: no repeat
    rows = await db.fetchall("SELECT * FROM outbox WHERE kind = 'chat_text'")
    assert len(rows) == 1 and rows[0]["target_id"] == -900 and rows[0]["target_kind"] == "chat"
    text = json.loads(rows[0]["payload"])["text"]
    assert "Сводка на утро" in text and "01.12.2026" in text
    assert "Поступило: <b>4</b>" in text                             # A, B, C, E on Tuesday 1 December
    assert "Открыто и просрочено сейчас" in text and "2026-0003" in text and "Дорожный отдел" in text
    clock.set(msk(2026, 12, 10, 17, 30))
    await service.send_digest("evening")
    rows = await db.fetchall("SELECT payload FROM outbox WHERE kind = 'chat_text' ORDER BY id")
    evening = json.loads(rows[-1]["payload"])["text"]
    assert "Сводка за день" in evening and "Общественно значимые" in evening and "2026-0006" in evening
    assert len(woke) == 3


async def test_digest_loop_sends_on_working_days_and_catches_up_after_a_restart(
        db: Database, calendar: WorkCalendar, access: AccessService) -> None:
    """The digest job (bot/jobs/daily.py) on a moving clock: started on Friday at 10:30 (the 09:00 digest missed
    by a restart), it sends that one at once, then Friday's evening, then skips the weekend."""
    clock = FakeClock(msk(2026, 12, 4, 10, 30))
    service = DigestService(db, calendar, clock, access.head_chat_id, times="09:00,17:30")
    sent: list[tuple[str, object]] = []
    original = service.send_digest

    async def spy(kind: str) -> None:
        sent.append((kind, clock.now()))
        await original(kind)                                         # type: ignore[arg-type]

    service.send_digest = spy  # type: ignore[method-assign,assignment]
    sleep = StepSleep(clock, limit=4)

    with pytest.raises(LoopStopped):
        await run_daily(digest_job(service), clock, sleep)
    assert sent == [("morning", msk(2026, 12, 4, 10, 30)), ("evening", msk(2026, 12, 4, 17, 30)),
                    ("morning", msk(2026, 12, 7, 9, 0)), ("evening", msk(2026, 12, 7, 17, 30))]
    assert sleep.calls[0] == 0                                             # the missed digest: no waiting
    rows = await db.fetchall("SELECT dedup_key FROM outbox WHERE kind = 'chat_text' ORDER BY id")
    assert [r["dedup_key"] for r in rows] == ["digest:morning:2026-12-04", "digest:evening:2026-12-04",
                                              "digest:morning:2026-12-07", "digest:evening:2026-12-07"]

    # A second restart the same Monday evening sends nothing twice; one 3 hours late is not caught up.
    clock.set(msk(2026, 12, 7, 18, 0))
    sent.clear()
    sleep.calls.clear()
    with pytest.raises(LoopStopped):
        await run_daily(digest_job(service), clock, sleep)
    assert sent[0] == ("evening", msk(2026, 12, 7, 18, 0))
    assert len(await db.fetchall("SELECT id FROM outbox WHERE dedup_key = 'digest:evening:2026-12-07'")) == 1
    clock.set(msk(2026, 12, 8, 12, 0))
    sent.clear()
    sleep.calls.clear()
    with pytest.raises(LoopStopped):
        await run_daily(digest_job(service), clock, sleep)
    assert sent[0] == ("evening", msk(2026, 12, 8, 17, 30))          # 09:00 was 3 hours ago: skipped


# ---- /report through a Dispatcher ----------------------------------------------------------------

async def _dispatch(db: Database, cases: CaseService, access: AccessService, deadlines: Deadlines,
                    clock: FakeClock) -> tuple[Dispatcher, FakeSession]:
    session = FakeSession()
    dp = Dispatcher(cases=cases, access=access, clock=clock, tz=MSK, deadlines=deadlines,
                    reports=ReportService(db, deadlines.calendar, clock, MSK, person_name=access.person_name))
    mw = ActorMiddleware()
    dp.message.outer_middleware(mw)
    dp.include_router(report_handlers.router.build())
    return dp, session


async def test_report_command(db: Database, cases: CaseService, access: AccessService, deadlines: Deadlines) -> None:
    await seed(db)
    clock = FakeClock(NOW)
    dp, session = await _dispatch(db, cases, access, deadlines, clock)
    bot = make_bot(session)
    await dp.feed_update(bot, updates.private_message(OPERATOR_ID, "/report 2026-12"))
    names = [r.__api_method__ for r in session.requests]
    assert names == ["sendMessage", "sendDocument", "sendPhoto"]
    assert "Отчёт за 01.12.2026 — 31.12.2026" in session.last(SendMessage).text
    assert session.last(SendDocument).caption is not None and session.last(SendPhoto).caption is not None

    await dp.feed_update(bot, updates.private_message(ADMIN_ID, "/report вчера-позавчера"))
    assert "Примеры: /report today" in session.last(SendMessage).text

    await dp.feed_update(bot, updates.group_message(-900, 555, "/report today"))        # the head's chat
    assert session.requests[-1].__api_method__ == "sendPhoto"
    before = len(session.requests)
    await dp.feed_update(bot, updates.private_message(999, "/report today"))            # a stranger
    await dp.feed_update(bot, updates.group_message(-1099, 555, "/report today"))       # an unbound group
    assert len(session.requests) == before


async def test_report_command_names_operators_who_missed_a_clock(
        db: Database, cases: CaseService, access: AccessService, deadlines: Deadlines) -> None:
    """/report through a Dispatcher: the operator is named as the directory knows them (AccessService)."""
    from openpyxl import load_workbook

    from storage.directory import DirectoryRepository
    from tests.integration.test_kpi import seed_blame

    await seed_blame(db)
    async with db.transaction() as conn:
        await DirectoryRepository().add_operator(conn, OPERATOR_ID, "Анна Смирнова", ADMIN_ID, NOW, org_id=1)
    dp, session = await _dispatch(db, cases, access, deadlines, FakeClock(NOW))
    await dp.feed_update(make_bot(session), updates.private_message(OPERATOR_ID, "/report 2026-12"))
    text = next(r for r in session.requests if isinstance(r, SendMessage)).text
    assert "• Анна Смирнова: 1 · 0 · 1 (согласовать 1)" in text and "оператор 101: 0 · 0 · 1" in text
    document = session.last(SendDocument).document
    wb = load_workbook(io.BytesIO(document.data), read_only=True)                # type: ignore[union-attr]
    assert {r[0] for r in list(wb["Операторы"].iter_rows(values_only=True))[1:]} == {"Анна Смирнова",
                                                                                    "оператор 101"}
