"""Reports for the head (cl. 2, 21): KPIs (docs/kpi.md) and digests.

Counting happens in SQL (storage/reports.py); this module turns working time into minutes with the
working calendar and assembles the slices; bot/services/report_files.py renders the files, which the
handler sends. No aiogram here.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime, time, timedelta, tzinfo
from typing import Literal

from bot import texts
from bot.domain.accountability import owners
from bot.domain.model import Owner
from bot.domain.notices import Notice, NoticeKind, Words
from bot.domain.orgs import DEFAULT_ORG, Scope
from bot.domain.times import daily_moments, parse_times
from bot.runtime.clock import Clock
from bot.services.kpis import (
    DayCounts,
    PartySlice,
    PersonName,
    Report,
    ReportFiles,
    Slice,
    fmt_minutes,
    fmt_ratio,
    fmt_share,
    party_names,
    platform_name,
)
from bot.services.org_digest import CoordinatorChats, CoordinatorDigest
from bot.services.periods import Period, parse_period
from bot.services.report_files import render_png, render_xlsx
from deadlines.calendar import WorkCalendar
from storage.cases import CaseRepository
from storage.db import Database
from storage.orgs import OrganisationRepository
from storage.outbox import OutboxRepository
from storage.reports import OverdueLine, ReportRepository

DigestKind = Literal["morning", "evening"]


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

    async def build(self, period: Period, *, scope: Scope, daily: bool = True) -> Report:
        """The KPIs of the scope's cases (issue 14: an organisation's people count only its own)."""
        now = self.clock.now()
        conn = self.db.conn
        rows = await self.repo.kpis(conn, period.start, period.end, now, scope=scope)
        times = await self.repo.answer_times(conn, period.start, period.end, scope=scope)
        names = await self.repo.department_names(conn, scope=scope)
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
                                                                                  now, scope=scope):
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
        misses = await self.repo.party_misses(conn, period.start, period.end, scope=scope)
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

    async def files(self, period: Period, *, scope: Scope) -> ReportFiles:
        """Summary text, XLSX and PNG for a period of the scope's cases (rendering runs in a worker thread)."""
        report = await self.build(period, scope=scope)
        lines = await self.repo.case_lines(self.db.conn, period.start, period.end, scope=scope)
        names = await self.repo.department_names(self.db.conn, scope=scope)
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
                 head_chat_id: Callable[[int], Awaitable[int | None]], *, times: str = "09:00,17:30",
                 on_queued: Callable[[], None] | None = None, person_name: PersonName | None = None,
                 coordinator: CoordinatorChats | None = None) -> None:
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
        self.orgs = OrganisationRepository()
        #: The coordinator's digest across organisations (issue 14 §3), at the first of the times.
        self.coordinator = CoordinatorDigest(db, calendar, clock, coordinator) if coordinator is not None else None

    async def send_at(self, moment: datetime, kind: DigestKind) -> None:
        """The digests of a moment of DIGEST_TIMES: the heads'; at the first of the day the coordinator's too."""
        await self.send_digest(kind)
        first = self.times[0] if self.times else None
        if self.coordinator is not None and moment.astimezone(self.calendar.tz).time() == first \
                and await self.coordinator.send():
            self._on_queued()

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

    async def digest_text(self, kind: DigestKind, now: datetime | None = None, *, max_lines: int = 15,
                          scope: Scope) -> str:
        """The digest of the scope's organisations (each head's chat gets its own organisation's)."""
        now = now or self.clock.now()
        tz = self.calendar.tz
        period = self.period_for(kind, now)
        report = await self.reports.build(period, daily=False, scope=scope)
        k = report.total.kpi
        title = texts.DIGEST_MORNING_TITLE if kind == "morning" else texts.DIGEST_EVENING_TITLE
        overdue_now = await self.repo.overdue_open_count(self.db.conn, now, scope=scope)
        # Two different figures, each saying what it counts: the period's cases answered late, and the
        # cases open with a clock past due at this moment (whenever they came).
        text = title.format(period=period.label) + texts.DIGEST_TOTALS_NOW.format(
            received=k.received, answered=k.answered, on_time=k.on_time, open=k.open, closed_late=k.closed_late,
            when=texts.DIGEST_WHEN_TODAY if kind == "evening" else texts.DIGEST_WHEN_PERIOD.format(
                period=period.label),
            overdue_now=overdue_now)
        if overdue_now:
            overdue = _one_per_case(await self.repo.overdue_open(self.db.conn, now, limit=200, scope=scope))
            text += texts.DIGEST_OVERDUE_NOW_TITLE
            departments = await self.repo.department_names(self.db.conn, scope=scope)
            for line in overdue[:max_lines]:
                text += texts.DIGEST_OVERDUE_LINE.format(
                    number=texts.esc(line.number), platform=platform_name(line.platform),
                    rule=texts.RULE.get(line.rule, line.rule), due=texts.when(line.due_at.astimezone(tz)),
                    owner=texts.esc(await self._owner(line, departments)))
            if overdue_now > max_lines:
                text += texts.DIGEST_OVERDUE_MORE.format(more=overdue_now - min(max_lines, len(overdue)))
        else:
            text += texts.DIGEST_NO_OVERDUE
        significant = await self.repo.significant_open(self.db.conn, limit=200, scope=scope)
        if significant:
            text += texts.DIGEST_SIGNIFICANT_TITLE.format(count=len(significant))
            for _id, number, platform, body in significant[:max_lines]:
                text += texts.DIGEST_SIGNIFICANT_LINE.format(number=texts.esc(number), platform=platform_name(platform),
                                                             excerpt=texts.esc(texts.excerpt(body, 120)))
            if len(significant) > max_lines:
                text += texts.DIGEST_OVERDUE_MORE.format(more=len(significant) - max_lines)
        return _whole_lines(text, texts.MESSAGE_LIMIT)

    async def _owner(self, line: OverdueLine, departments: dict[int, str]) -> str:
        """Who owes the overdue clock now (bot.domain.accountability.owners), by name."""
        conn = self.db.conn
        case = await self.cases.get(conn, line.case_id, scope=Scope.all())   # the line's own case, whoever reads
        deadline = next((d for d in case.deadlines if d.id == line.deadline_id), None)
        if deadline is None:
            return texts.NO_VALUE
        parties = owners(case, deadline, await self.cases.lead_of(conn, case))
        if not parties:
            return texts.DIGEST_OWNER_NOBODY
        names = await party_names((p.key for p in parties), departments, self.person_name)
        return ", ".join(names[p.key] for p in parties)

    async def send_digest(self, kind: DigestKind) -> None:
        """Queue each organisation's digest for its head's chat (once per kind, day and organisation: a
        restart does not repeat it; no. 1 keeps the key it had before organisations)."""
        now = self.clock.now()
        day = now.astimezone(self.calendar.tz).date()
        queued = False
        for org in await self.orgs.all(self.db.conn):
            head = await self._head_chat_id(org.id)
            if head is None:
                continue
            text = await self.digest_text(kind, now, scope=Scope.one(org.id))
            key = f"digest:{kind}:{day.isoformat()}" + ("" if org.id == DEFAULT_ORG else f":{org.id}")
            async with self.db.transaction() as conn:
                await self.outbox.add(conn, Notice(NoticeKind.CHAT_TEXT, "chat", head, None, Words(text),
                                                   dedup_key=key), now)
            queued = True
        if queued:
            self._on_queued()


def _whole_lines(text: str, limit: int) -> str:
    """The digest within Telegram's limit, cut after a whole line: a cut inside a line could fall inside a
    tag (Telegram refuses the whole digest) or an entity of escaped citizen text (shown as debris)."""
    if len(text) <= limit:
        return text
    cut = text.rfind("\n", 0, limit + 1)
    return text[:cut] if cut > 0 else text        # the title is a line of its own: never without a break


def _one_per_case(lines: list[OverdueLine]) -> list[OverdueLine]:
    seen: set[int] = set()
    out = []
    for line in lines:
        if line.case_id not in seen:
            seen.add(line.case_id)
            out.append(line)
    return out
