"""Reports for the head (cl. 2, 21): periods, KPIs (docs/kpi.md), XLSX, PNG chart and digests.

Counting happens in SQL (storage/reports.py); this module turns working time into minutes with the
working calendar, assembles the slices and renders files. openpyxl and matplotlib are imported inside
the rendering functions (matplotlib with the Agg backend): importing them at start-up is slow.
Rendering returns bytes and a file name; the handler sends them. No aiogram here.
"""

from __future__ import annotations

import asyncio
import io
import re
import statistics
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Literal

from bot import texts
from bot.domain.accountability import Party, owners
from bot.domain.model import Owner
from bot.domain.notices import Notice, NoticeKind, Words
from bot.jobs.periodic import daily_moments, parse_times
from bot.runtime.clock import Clock
from deadlines.calendar import WorkCalendar
from storage.cases import CaseRepository
from storage.db import Database
from storage.outbox import OutboxRepository
from storage.reports import CaseLine, KpiRow, OverdueLine, PartyMisses, ReportRepository

MAX_PERIOD_DAYS = 3 * 366
DigestKind = Literal["morning", "evening"]
#: An operator's name by Telegram user id (``AccessService.person_name``).
PersonName = Callable[[int], Awaitable[str | None]]


# ---- periods -----------------------------------------------------------------------------------

class PeriodError(ValueError):
    def __init__(self, value: str) -> None:
        super().__init__(value)
        self.value = value


@dataclass(frozen=True)
class Period:
    """``[start, end)`` in the administration's time zone; ``first``/``last`` are the dates shown."""

    start: datetime
    end: datetime

    @property
    def first(self) -> date:
        return self.start.date()

    @property
    def last(self) -> date:
        return (self.end - timedelta(microseconds=1)).date()

    @property
    def label(self) -> str:
        if self.first == self.last:
            return texts.PERIOD_DAY.format(day=f"{self.first:%d.%m.%Y}")
        return texts.PERIOD_RANGE.format(start=f"{self.first:%d.%m.%Y}", end=f"{self.last:%d.%m.%Y}")

    @property
    def slug(self) -> str:
        return f"{self.first:%Y-%m-%d}" if self.first == self.last else f"{self.first:%Y-%m-%d}_{self.last:%Y-%m-%d}"

    def days(self) -> list[date]:
        return [self.first + timedelta(days=i) for i in range((self.last - self.first).days + 1)]

    @classmethod
    def of_days(cls, first: date, last: date, tz: tzinfo) -> Period:
        return cls(datetime.combine(first, time(), tzinfo=tz),
                   datetime.combine(last + timedelta(days=1), time(), tzinfo=tz))


_MONTH_RE = re.compile(r"^(\d{4})-(\d{1,2})$")
_RANGE_RE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})\s*[-–—]\s*(\d{1,2})\.(\d{1,2})\.(\d{4})$")
_DAY_RE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")
_ALIASES = {"today": "today", "сегодня": "today", "week": "week", "неделя": "week",
            "month": "month", "месяц": "month", "yesterday": "yesterday", "вчера": "yesterday"}


def _month_end(first: date) -> date:
    nxt = date(first.year + (first.month == 12), first.month % 12 + 1, 1)
    return nxt - timedelta(days=1)


def parse_period(value: str, now: datetime, tz: tzinfo) -> Period:
    """``today``, ``week`` (since Monday), ``month`` (since the 1st), ``YYYY-MM``, ``DD.MM.YYYY`` or
    ``DD.MM.YYYY-DD.MM.YYYY`` (both days included); an empty value is today. Raises PeriodError."""
    raw = value
    value = " ".join(value.split()).lower()
    today = now.astimezone(tz).date()
    alias = _ALIASES.get(value or "today")
    try:
        if alias == "today":
            return Period.of_days(today, today, tz)
        if alias == "yesterday":
            return Period.of_days(today - timedelta(days=1), today - timedelta(days=1), tz)
        if alias == "week":
            return Period.of_days(today - timedelta(days=today.weekday()), today, tz)
        if alias == "month":
            return Period.of_days(today.replace(day=1), today, tz)
        if m := _MONTH_RE.match(value):
            first = date(int(m.group(1)), int(m.group(2)), 1)
            return Period.of_days(first, _month_end(first), tz)
        if m := _DAY_RE.match(value):
            day = date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
            return Period.of_days(day, day, tz)
        if m := _RANGE_RE.match(value):
            first = date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
            last = date(int(m.group(6)), int(m.group(5)), int(m.group(4)))
            if last < first or (last - first).days > MAX_PERIOD_DAYS:
                raise PeriodError(raw)
            return Period.of_days(first, last, tz)
    except ValueError as exc:          # 31.02.2026, month 13
        raise PeriodError(raw) from exc
    raise PeriodError(raw)


# ---- KPIs --------------------------------------------------------------------------------------

@dataclass
class Slice:
    """One row of the report: KPI counts plus working-time answer statistics."""

    name: str
    kpi: KpiRow
    answer_minutes: list[float] = field(default_factory=list)

    @property
    def mean_minutes(self) -> float | None:
        return statistics.fmean(self.answer_minutes) if self.answer_minutes else None

    @property
    def median_minutes(self) -> float | None:
        return statistics.median(self.answer_minutes) if self.answer_minutes else None


@dataclass
class PartySlice:
    """Attributed misses of one operator or department (docs/kpi.md, «Кто просрочил»)."""

    name: str
    misses: PartyMisses


@dataclass
class DayCounts:
    day: date
    on_time: int = 0
    late: int = 0
    open: int = 0
    clarified: int = 0      # closed by a clarification request alone, not late: not «on time» (KpiRow.clarified)


@dataclass
class Report:
    period: Period
    generated_at: datetime
    total: Slice
    departments: list[Slice]
    platforms: list[Slice]
    daily: list[DayCounts]
    department_misses: list[PartySlice] = field(default_factory=list)
    operator_misses: list[PartySlice] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)       # party key -> name, for the XLSX


@dataclass(frozen=True)
class ReportFiles:
    text: str
    xlsx: bytes
    xlsx_name: str
    png: bytes
    png_name: str


def platform_name(code: str | None) -> str:
    return texts.PLATFORM_NAME.get(code or "", code or texts.NO_VALUE)


def fmt_share(value: float | None) -> str:
    return texts.NO_VALUE if value is None else f"{value * 100:.1f}%".replace(".", ",")


def fmt_minutes(value: float | None) -> str:
    if value is None:
        return texts.NO_VALUE
    total = round(value)
    hours, minutes = divmod(total, 60)
    return texts.MINUTES_SHORT.format(h=hours, m=minutes) if hours else texts.MINUTES_ONLY.format(m=minutes)


def fmt_ratio(value: float | None) -> str:
    return texts.NO_VALUE if value is None else f"{value:.2f}".replace(".", ",")


async def party_names(keys: Iterable[str], department_names: dict[int, str],
                      person_name: PersonName | None) -> dict[str, str]:
    """Names of parties (``operator:<id>``, ``department:<id>``): operators as Telegram gives them."""
    out: dict[str, str] = {}
    for key in keys:
        if key in out:
            continue
        party = Party.parse(key)
        if party.kind == Owner.DEPARTMENT:
            out[key] = department_names.get(party.id, str(party.id))
        else:
            name = await person_name(party.id) if person_name is not None else None
            out[key] = name or texts.KPI_OPERATOR.format(id=party.id)
    return out


class ReportService:
    def __init__(self, db: Database, calendar: WorkCalendar, clock: Clock, tz: tzinfo | None = None,
                 person_name: PersonName | None = None) -> None:
        self.db = db
        self.calendar = calendar
        self.clock = clock
        self.tz = tz or calendar.tz
        self.person_name = person_name
        self.repo = ReportRepository()

    def parse(self, value: str) -> Period:
        return parse_period(value, self.clock.now(), self.tz)

    async def build(self, period: Period, *, daily: bool = True) -> Report:
        now = self.clock.now()
        conn = self.db.conn
        rows = await self.repo.kpis(conn, period.start, period.end, now)
        times = await self.repo.answer_times(conn, period.start, period.end)
        names = await self.repo.department_names(conn)
        minutes_total: list[float] = []
        by_dept: dict[int | None, list[float]] = {}
        by_platform: dict[str, list[float]] = {}
        between = self.calendar.working_minutes_between
        for t in times:
            m = between(t.detected_at, t.first_at)
            minutes_total.append(m)
            by_platform.setdefault(t.platform, []).append(m)
            for dept_id in t.department_ids or [None]:  # type: ignore[list-item]
                by_dept.setdefault(dept_id, []).append(m)
        total = next(r for r in rows if r.dim == "total")
        departments = [Slice(names.get(r.key, str(r.key)) if isinstance(r.key, int) else texts.NO_DEPARTMENT, r,
                             by_dept.get(r.key if isinstance(r.key, int) else None, []))
                       for r in rows if r.dim == "department"]
        departments.sort(key=lambda s: (s.kpi.key is None, s.name.lower()))
        platforms = [Slice(platform_name(str(r.key)), r, by_platform.get(str(r.key), []))
                     for r in rows if r.dim == "platform"]
        platforms.sort(key=lambda s: (-s.kpi.received, s.name.lower()))
        days: list[DayCounts] = []
        if daily:
            counts = {d: DayCounts(d) for d in period.days()}
            for detected, closed, late, open_, clar_only in await self.repo.daily(conn, period.start, period.end,
                                                                                  now):
                dc = counts.get(detected.astimezone(self.tz).date())
                if dc is None:
                    continue
                if closed and not late and clar_only:
                    dc.clarified += 1
                elif closed and not late:
                    dc.on_time += 1
                elif late:
                    dc.late += 1
                elif open_:
                    dc.open += 1
            days = list(counts.values())
        misses = await self.repo.party_misses(conn, period.start, period.end)
        party_names_ = await party_names((pm.party for pm in misses), names, self.person_name)
        by_kind: dict[str, list[PartySlice]] = {}
        for pm in misses:
            by_kind.setdefault(pm.kind, []).append(PartySlice(party_names_[pm.party], pm))
        for group in by_kind.values():
            group.sort(key=lambda p: (-p.misses.total, p.name.lower()))
        return Report(period, now, Slice(texts.XLSX_TOTAL, total, minutes_total), departments, platforms, days,
                      by_kind.get(Owner.DEPARTMENT.value, []), by_kind.get(Owner.OPERATOR.value, []),
                      party_names_)

    # ---- rendering ---------------------------------------------------------------------------
    def summary_text(self, report: Report, *, max_departments: int = 15) -> str:
        k = report.total.kpi
        text = texts.REPORT_SUMMARY.format(
            period=report.period.label, received=k.received, out_of_scope=k.out_of_scope, answered=k.answered,
            on_time=k.on_time, overdue=k.overdue, closed_late=k.closed_late, open_overdue=k.open_overdue,
            share=fmt_share(k.on_time_share), mean=fmt_minutes(report.total.mean_minutes),
            median=fmt_minutes(report.total.median_minutes), intermediate=fmt_share(k.intermediate_share),
            returns=fmt_ratio(k.returns_per_draft), declines=k.declines)
        if k.inherited:
            text += texts.REPORT_INHERITED.format(inherited=k.inherited)
        if k.clarification_only:
            text += texts.REPORT_CLARIFICATION_ONLY.format(count=k.clarification_only)
        depts = [s for s in report.departments if s.kpi.received or s.kpi.declines]
        if depts:
            text += texts.REPORT_DEPARTMENTS_TITLE
            for s in depts[:max_departments]:
                text += texts.REPORT_LINE.format(name=texts.esc(s.name), received=s.kpi.received,
                                                 on_time=s.kpi.on_time, overdue=s.kpi.overdue,
                                                 share=fmt_share(s.kpi.on_time_share))
                if s.kpi.inherited:
                    text += texts.REPORT_LINE_INHERITED.format(inherited=s.kpi.inherited)
        if report.department_misses or report.operator_misses:
            text += texts.REPORT_MISSES_TITLE
            for title, group in ((texts.REPORT_MISSES_DEPARTMENTS, report.department_misses),
                                 (texts.REPORT_MISSES_OPERATORS, report.operator_misses)):
                if group:
                    text += title
                    for p in group[:max_departments]:
                        text += _misses_line(p)
        elif k.received:
            text += texts.REPORT_MISSES_NONE
        return text

    async def files(self, period: Period) -> ReportFiles:
        """Summary text, XLSX and PNG for a period (rendering runs in a worker thread)."""
        report = await self.build(period)
        lines = await self.repo.case_lines(self.db.conn, period.start, period.end)
        names = await self.repo.department_names(self.db.conn)
        blamed = {key for c in lines for d in c.deadlines for key in d.blame or ()}
        report.names.update(await party_names(blamed - report.names.keys(), names, self.person_name))
        xlsx = await asyncio.to_thread(render_xlsx, report, lines, names, self.tz)
        png = await asyncio.to_thread(render_png, report)
        return ReportFiles(self.summary_text(report), xlsx, f"report_{report.period.slug}.xlsx",
                           png, f"report_{report.period.slug}.png")


def _misses_line(p: PartySlice) -> str:
    m = p.misses
    rules = ", ".join(f"{texts.RULE.get(rule, rule)} {n}" for rule, n in sorted(m.steps.items()))
    return texts.REPORT_MISSES_LINE.format(
        name=texts.esc(p.name), answer=m.answer, inherited=m.answer_inherited + m.steps_inherited,
        steps=m.step_total, detail=texts.REPORT_MISSES_DETAIL.format(rules=rules) if rules else "")


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
    summary.append([texts.XLSX_SUMMARY_PERIOD, report.period.label])
    summary.append([texts.XLSX_SUMMARY_GENERATED, _local(report.generated_at, tz)])
    summary.append([])
    kpi_headers = [*texts.XLSX_KPI_HEADERS, *texts.XLSX_KPI_EXTRA_HEADERS]
    header(summary, ["", *kpi_headers])
    summary.append([texts.XLSX_TOTAL, *_kpi_values(report.total)])

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
        cases_ws.append([c.number, platform_name(c.platform), _local(c.detected_at, tz),
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
            deadlines_ws.append([c.number, texts.RULE.get(d.rule, d.rule), owner, _local(d.started_at, tz),
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
        ws.append([s.name, *_kpi_values(s), *_miss_values(p.misses if p else None), s.kpi.inherited])
    for p in dept_misses.values():          # a department blamed for cases it no longer holds
        ws.append([p.name, *([None] * len(kpi_headers)), *_miss_values(p.misses)])
    ws.append([texts.XLSX_TOTAL, *_kpi_values(report.total), *([None] * len(texts.XLSX_MISS_HEADERS)),
               report.total.kpi.inherited])
    ws = wb.create_sheet(texts.XLSX_SHEET_OPERATORS)
    header(ws, [texts.XLSX_OPERATOR, *texts.XLSX_MISS_HEADERS])
    for p in report.operator_misses:
        ws.append([p.name, *_miss_values(p.misses)])
    ws = wb.create_sheet(texts.XLSX_SHEET_PLATFORMS)
    header(ws, [texts.XLSX_PLATFORM, *kpi_headers])
    for s in report.platforms:
        ws.append([s.name, *_kpi_values(s)])
    ws.append([texts.XLSX_TOTAL, *_kpi_values(report.total)])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def render_png(report: Report) -> bytes:
    """Two panels: posts per day (on time / late / open) and the on-time share per department."""
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
    ax1.set_title(f"{texts.CHART_DAILY_TITLE} · {report.period.label}")
    ax1.legend(loc="upper left")
    ax1.grid(axis="y", alpha=0.3)
    depts = [s for s in report.departments if s.kpi.on_time_share is not None][:20]
    if depts:
        names = [s.name if len(s.name) <= 28 else s.name[:27] + "…" for s in depts]
        shares = [(s.kpi.on_time_share or 0.0) * 100 for s in depts]
        colors = ["#4caf50" if v >= 90 else "#ffa000" if v >= 70 else "#e53935" for v in shares]
        ax2.barh(names, shares, color=colors)
        ax2.set_xlim(0, 100)
        ax2.invert_yaxis()
        for i, v in enumerate(shares):
            ax2.text(min(v + 1, 92), i, f"{v:.0f}%", va="center")
    else:
        ax2.text(0.5, 0.5, texts.CHART_NO_DATA, ha="center", va="center", transform=ax2.transAxes)
        ax2.set_xticks([])
        ax2.set_yticks([])
    ax2.set_title(texts.CHART_DEPT_TITLE)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


# ---- digests -----------------------------------------------------------------------------------

parse_digest_times = parse_times         # DIGEST_TIMES: "09:00,17:30"


def digest_kind(at: time) -> DigestKind:
    """Before noon the digest is the morning one (the previous working day); later the day's own."""
    return "morning" if at < time(12, 0) else "evening"


def digest_moments(calendar: WorkCalendar, times: str | list[time], after: datetime,
                   count: int = 1) -> list[tuple[datetime, DigestKind]]:
    """The next ``count`` digest moments strictly after ``after``, on working days only (aware, in the
    calendar's time zone), each with its kind."""
    moments = parse_times(times) if isinstance(times, str) else sorted(times)
    return [(at, digest_kind(at.timetz().replace(tzinfo=None)))
            for at in daily_moments(moments, calendar.tz, after, count, calendar.is_working_day)]


class DigestService:
    """The head's digests: queued in the outbox as ``chat_text`` for the head's chat."""

    def __init__(self, db: Database, calendar: WorkCalendar, clock: Clock,
                 head_chat_id: Callable[[], Awaitable[int | None]], *, times: str = "09:00,17:30",
                 on_queued: Callable[[], None] | None = None, person_name: PersonName | None = None) -> None:
        self.db = db
        self.calendar = calendar
        self.clock = clock
        self.times = parse_digest_times(times)
        self._head_chat_id = head_chat_id
        self._on_queued = on_queued or (lambda: None)
        self.person_name = person_name
        self.reports = ReportService(db, calendar, clock, person_name=person_name)
        self.repo = ReportRepository()
        self.cases = CaseRepository()
        self.outbox = OutboxRepository()

    def next_moments(self, after: datetime | None = None, count: int = 1) -> list[tuple[datetime, DigestKind]]:
        return digest_moments(self.calendar, self.times, after or self.clock.now(), count)

    def period_for(self, kind: DigestKind, now: datetime) -> Period:
        """Morning: from the start of the previous working day to today (weekend posts included);
        evening: today so far."""
        tz = self.calendar.tz
        today = now.astimezone(tz).date()
        if kind == "evening":
            return Period.of_days(today, today, tz)
        prev = today - timedelta(days=1)
        while not self.calendar.is_working_day(prev) and (today - prev).days < 14:
            prev -= timedelta(days=1)
        return Period.of_days(prev, today - timedelta(days=1), tz)

    async def digest_text(self, kind: DigestKind, now: datetime | None = None, *, max_lines: int = 15) -> str:
        now = now or self.clock.now()
        tz = self.calendar.tz
        period = self.period_for(kind, now)
        report = await self.reports.build(period, daily=False)
        k = report.total.kpi
        title = texts.DIGEST_MORNING_TITLE if kind == "morning" else texts.DIGEST_EVENING_TITLE
        overdue_now = await self.repo.overdue_open_count(self.db.conn, now)
        # Two different figures, each saying what it counts: the period's cases answered late, and the
        # cases open with a clock past due at this moment (whenever they came).
        text = title.format(period=period.label) + texts.DIGEST_TOTALS_NOW.format(
            received=k.received, answered=k.answered, on_time=k.on_time, open=k.open, closed_late=k.closed_late,
            when=texts.DIGEST_WHEN_TODAY if kind == "evening" else texts.DIGEST_WHEN_PERIOD.format(
                period=period.label),
            overdue_now=overdue_now)
        if overdue_now:
            overdue = _one_per_case(await self.repo.overdue_open(self.db.conn, now, limit=200))
            text += texts.DIGEST_OVERDUE_NOW_TITLE
            departments = await self.repo.department_names(self.db.conn)
            for line in overdue[:max_lines]:
                text += texts.DIGEST_OVERDUE_LINE.format(
                    number=texts.esc(line.number), platform=platform_name(line.platform),
                    rule=texts.RULE.get(line.rule, line.rule), due=texts.when(line.due_at.astimezone(tz)),
                    owner=texts.esc(await self._owner(line, departments)))
            if overdue_now > max_lines:
                text += texts.DIGEST_OVERDUE_MORE.format(more=overdue_now - min(max_lines, len(overdue)))
        else:
            text += texts.DIGEST_NO_OVERDUE
        significant = await self.repo.significant_open(self.db.conn, limit=200)
        if significant:
            text += texts.DIGEST_SIGNIFICANT_TITLE.format(count=len(significant))
            for _id, number, platform, body in significant[:max_lines]:
                text += texts.DIGEST_SIGNIFICANT_LINE.format(number=texts.esc(number), platform=platform_name(platform),
                                                             excerpt=texts.esc(texts.excerpt(body, 120)))
            if len(significant) > max_lines:
                text += texts.DIGEST_OVERDUE_MORE.format(more=len(significant) - max_lines)
        return text[: texts.MESSAGE_LIMIT]

    async def _owner(self, line: OverdueLine, departments: dict[int, str]) -> str:
        """Who owes the overdue clock now (bot.domain.accountability.owners), by name."""
        conn = self.db.conn
        case = await self.cases.get(conn, line.case_id)
        deadline = next((d for d in case.deadlines if d.id == line.deadline_id), None)
        if deadline is None:
            return texts.NO_VALUE
        parties = owners(case, deadline, await self.cases.lead_of(conn, case))
        if not parties:
            return texts.DIGEST_OWNER_NOBODY
        names = await party_names((p.key for p in parties), departments, self.person_name)
        return ", ".join(names[p.key] for p in parties)

    async def send_digest(self, kind: DigestKind) -> None:
        """Queue the digest for the head's chat (once per kind and day: a restart does not repeat it)."""
        head = await self._head_chat_id()
        if head is None:
            return
        now = self.clock.now()
        text = await self.digest_text(kind, now)
        day = now.astimezone(self.calendar.tz).date()
        async with self.db.transaction() as conn:
            await self.outbox.add(conn, Notice(NoticeKind.CHAT_TEXT, "chat", head, None, Words(text),
                                               dedup_key=f"digest:{kind}:{day.isoformat()}"), now)
        self._on_queued()


def _one_per_case(lines: list[OverdueLine]) -> list[OverdueLine]:
    seen: set[int] = set()
    out = []
    for line in lines:
        if line.case_id not in seen:
            seen.add(line.case_id)
            out.append(line)
    return out

