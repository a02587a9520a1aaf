"""The report's files: the XLSX workbook and the PNG chart. openpyxl and matplotlib are imported inside
the functions (matplotlib with the Agg backend): importing them at start-up is slow."""

from __future__ import annotations

import io
from collections.abc import Iterable
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING

from bot import texts
from bot.services.kpis import Report, Slice, platform_name
from storage.kpi_queries import PartyMisses
from storage.reports import CaseLine

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from openpyxl.worksheet._write_only import WriteOnlyWorksheet


# A string cell starting with one of these is read as a formula by a spreadsheet (CSV/formula injection,
# OWASP): citizen text such as `=HYPERLINK(...)` or `=WEBSERVICE(...)` must stay text in the head's report.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _text_cell(ws: WriteOnlyWorksheet, value: object) -> object:
    """A value as the workbook stores it: a string without the control characters XML cannot hold (openpyxl
    would refuse the whole workbook), and a string a spreadsheet could take for a formula as a text cell
    with Excel's quote prefix (shown as typed, still text after an edit)."""
    if not isinstance(value, str):
        return value
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    text = ILLEGAL_CHARACTERS_RE.sub("\N{REPLACEMENT CHARACTER}", value)
    if not text.startswith(_FORMULA_START):
        return text
    cell = WriteOnlyCell(ws, value=text)
    cell.data_type = "s"            # openpyxl makes any "=…" a formula: this one is text
    cell.quotePrefix = True
    return cell


def append_row(ws: WriteOnlyWorksheet, values: Iterable[object]) -> None:
    """Every row of the workbook goes through here: no string cell is ever a formula."""
    ws.append([_text_cell(ws, v) for v in values])


def _miss_values(m: PartyMisses | None) -> list[object]:
    if m is None:
        return [0, 0, 0, 0, *(0 for _ in texts.XLSX_MISS_RULES)]
    return [m.answer, m.answer_inherited, m.step_total, m.steps_inherited,
            *(m.steps.get(rule, 0) for rule in texts.XLSX_MISS_RULES)]


def _kpi_values(s: Slice) -> list[object]:
    k = s.kpi

    def pct(v: float | None) -> float | None:
        return None if v is None else round(v, 4)

    def num(v: float | None) -> float | None:
        return None if v is None else round(v, 1)

    return [k.received, k.out_of_scope, k.answered, k.on_time, k.closed_late, k.open_overdue, k.overdue,
            pct(k.on_time_share), num(s.mean_minutes), num(s.median_minutes), pct(k.intermediate_share),
            k.drafts, k.returns, pct(k.returns_per_draft), k.declines, k.significant, k.clarification_only,
            k.clarified]


def _local(value: datetime | None, tz: tzinfo) -> datetime | None:
    return value.astimezone(tz).replace(tzinfo=None) if value else None


def render_xlsx(report: Report, lines: Iterable[CaseLine], department_names: dict[int, str], tz: tzinfo) -> bytes:
    """Workbook: summary, cases, every deadline with who owed it, its outcome and who a miss is attributed
    to, departments (KPIs and misses), operators (misses), platforms."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook(write_only=True)
    bold = Font(bold=True)

    def header(ws, values: Iterable[str]) -> None:  # type: ignore[no-untyped-def]
        from openpyxl.cell import WriteOnlyCell

        row = []
        for v in values:
            cell = WriteOnlyCell(ws, value=v)
            cell.font = bold
            row.append(cell)
        ws.append(row)

    summary = wb.create_sheet(texts.XLSX_SHEET_SUMMARY)
    append_row(summary, [texts.XLSX_SUMMARY_PERIOD, report.period.label])
    append_row(summary, [texts.XLSX_SUMMARY_GENERATED, _local(report.generated_at, tz)])
    append_row(summary, [])
    kpi_headers = [*texts.XLSX_KPI_HEADERS, *texts.XLSX_KPI_EXTRA_HEADERS]
    header(summary, ["", *kpi_headers])
    append_row(summary, [texts.XLSX_TOTAL, *_kpi_values(report.total)])

    cases_ws = wb.create_sheet(texts.XLSX_SHEET_CASES)
    deadlines_ws = wb.create_sheet(texts.XLSX_SHEET_DEADLINES)
    header(cases_ws, texts.XLSX_CASE_HEADERS)
    header(deadlines_ws, [*texts.XLSX_DEADLINE_HEADERS, texts.XLSX_DEADLINE_BLAME, texts.XLSX_DEADLINE_INHERITED])
    now = report.generated_at
    for c in lines:
        answer_dls = [d for d in c.deadlines if d.rule in ("answer", "final")]
        late = any(d.outcome == "missed" or (d.closed_at is None and d.due_at < now) for d in answer_dls)
        on_time = texts.NO_VALUE if c.status in ("excluded", "dismissed") else (
            texts.XLSX_NO if late else texts.XLSX_CLARIFICATION_ONLY if c.clarification_only else (
                texts.XLSX_YES if c.status == "closed" else texts.NO_VALUE))
        append_row(cases_ws, [c.number, platform_name(c.platform), _local(c.detected_at, tz),
                           texts.STATUS.get(c.status, c.status), ", ".join(c.departments),
                           texts.XLSX_YES if c.urgent else "", texts.XLSX_YES if c.significant else "",
                           _local(c.closed_at, tz), on_time, c.link or "", c.text[:500]])
        for d in c.deadlines:
            blamed = ", ".join(report.names.get(k, k) for k in d.blame) if d.blame else None
            if d.rule in ("answer", "final"):   # owed by whoever holds the next step: named once it is missed
                owner = blamed or texts.XLSX_OWNER_HOLDER
            elif d.department_id is not None:
                owner = department_names.get(d.department_id, str(d.department_id))
            else:
                owner = texts.XLSX_OWNER_OPERATOR
            outcome_key = "overdue" if d.closed_at is None and d.due_at < now else d.outcome
            append_row(deadlines_ws, [c.number, texts.RULE.get(d.rule, d.rule), owner, _local(d.started_at, tz),
                                   _local(d.due_at, tz), _local(d.closed_at, tz),
                                   texts.XLSX_OUTCOME.get(outcome_key, str(outcome_key)),
                                   # None, not "": a write-only sheet leaves an empty cell out of the file
                                   blamed,
                                   texts.XLSX_YES if d.blame and d.blame_inherited else None])

    # Departments: KPIs of the cases they had, then the misses attributed to them (docs/kpi.md).
    dept_misses = {p.misses.id: p for p in report.department_misses}
    ws = wb.create_sheet(texts.XLSX_SHEET_DEPARTMENTS)
    # «унаследовано» beside the misses: late cases the department received with the time already spent
    header(ws, [texts.XLSX_DEPARTMENT, *kpi_headers, *texts.XLSX_MISS_HEADERS, texts.XLSX_DEPT_INHERITED])
    for s in report.departments:
        p = dept_misses.pop(s.kpi.key, None) if isinstance(s.kpi.key, int) else None
        append_row(ws, [s.name, *_kpi_values(s), *_miss_values(p.misses if p else None), s.kpi.inherited])
    for p in dept_misses.values():          # a department blamed for cases it no longer holds
        append_row(ws, [p.name, *([None] * len(kpi_headers)), *_miss_values(p.misses)])
    append_row(ws, [texts.XLSX_TOTAL, *_kpi_values(report.total), *([None] * len(texts.XLSX_MISS_HEADERS)),
                 report.total.kpi.inherited])
    ws = wb.create_sheet(texts.XLSX_SHEET_OPERATORS)
    header(ws, [texts.XLSX_OPERATOR, *texts.XLSX_MISS_HEADERS])
    for p in report.operator_misses:
        append_row(ws, [p.name, *_miss_values(p.misses)])
    ws = wb.create_sheet(texts.XLSX_SHEET_PLATFORMS)
    header(ws, [texts.XLSX_PLATFORM, *kpi_headers])
    for s in report.platforms:
        append_row(ws, [s.name, *_kpi_values(s)])
    append_row(ws, [texts.XLSX_TOTAL, *_kpi_values(report.total)])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def chart_label(text: str) -> str:
    """Text as matplotlib draws it literally: a `$` pair would start math text (a department called
    `$\\frac$` made /report fail for everyone). Every `$` is escaped, so no label is math text."""
    return text.replace("$", r"\$")


def render_png(report: Report) -> bytes:
    """Two panels: posts per day (on time / late / open) and the on-time share per department."""
    fig = chart_figure(report)
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


def chart_figure(report: Report) -> Figure:
    """The chart's figure; every text it draws that is not ours passes through chart_label."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(11, 8), dpi=100)
    FigureCanvasAgg(fig)
    ax1, ax2 = fig.subplots(2, 1, gridspec_kw={"height_ratios": [3, 2]})
    days = report.daily
    xs = list(range(len(days)))
    on_time = [d.on_time for d in days]
    late = [d.late for d in days]
    open_ = [d.open for d in days]
    clarified = [d.clarified for d in days]
    ax1.bar(xs, on_time, color="#4caf50", label=texts.CHART_ON_TIME)
    ax1.bar(xs, late, bottom=on_time, color="#e53935", label=texts.CHART_LATE)
    ax1.bar(xs, open_, bottom=[a + b for a, b in zip(on_time, late, strict=True)], color="#9e9e9e",
            label=texts.CHART_OPEN)
    if any(clarified):      # closed by a clarification alone: apart, as in the KPI rows (docs/kpi.md)
        ax1.bar(xs, clarified, bottom=[a + b + c for a, b, c in zip(on_time, late, open_, strict=True)],
                color="#64b5f6", label=texts.CHART_CLARIFIED)
    step = max(1, len(days) // 15)
    ax1.set_xticks(xs[::step], [f"{d.day:%d.%m}" for d in days[::step]])
    ax1.set_title(chart_label(f"{texts.CHART_DAILY_TITLE} · {report.period.label}"))
    ax1.legend(loc="upper left")
    ax1.grid(axis="y", alpha=0.3)
    depts = [s for s in report.departments if s.kpi.on_time_share is not None][:20]
    if depts:
        names = [chart_label(s.name if len(s.name) <= 28 else s.name[:27] + "…") for s in depts]
        shares = [(s.kpi.on_time_share or 0.0) * 100 for s in depts]
        share_bars(ax2, names, shares, [share_color(v) for v in shares])
    else:
        ax2.text(0.5, 0.5, texts.CHART_NO_DATA, ha="center", va="center", transform=ax2.transAxes)
        ax2.set_xticks([])
        ax2.set_yticks([])
    ax2.set_title(texts.CHART_DEPT_TITLE)
    fig.tight_layout()
    return fig


def share_color(percent: float) -> str:
    """Green from 90 %, amber from 70 %, red below."""
    return "#4caf50" if percent >= 90 else "#ffa000" if percent >= 70 else "#e53935"


def share_bars(ax: Axes, names: list[str], shares: list[float], colors: list[str]) -> None:
    """Horizontal bars of shares in percent, top to bottom, each with its figure."""
    ys = list(range(len(names)))     # positions, not categories: two equal names stay two bars
    ax.barh(ys, shares, color=colors)
    ax.set_yticks(ys, names)
    ax.set_xlim(0, 100)
    ax.invert_yaxis()
    for i, v in enumerate(shares):
        ax.text(min(v + 1, 92), i, f"{v:.0f}%", va="center")
