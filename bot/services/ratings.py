"""The coordinator's rating of organisations (issue 14 §4, cl. 2): the period's facts from storage, reaction
times in working minutes on the calendar, the figures and places by bot/domain/ratings.py, and the text; the
XLSX and the chart are bot/services/rating_files.py. No aiogram here."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, tzinfo

from bot import texts
from bot.domain.orgs import Scope
from bot.domain.ratings import MIN_RANKED_POSTS, CaseFacts, RatingLine, rank, tally
from bot.runtime.clock import Clock
from bot.services.kpis import ReportFiles, fmt_minutes, fmt_share
from bot.services.periods import Period, parse_period
from bot.services.rating_files import render_rating_png, render_rating_xlsx
from deadlines.calendar import WorkCalendar
from storage.db import Database
from storage.orgs import OrganisationRepository
from storage.ratings import RatingCaseRow, RatingRepository


@dataclass
class Rating:
    period: Period
    generated_at: datetime
    lines: list[RatingLine]


#: The working calendar of an organisation from the republic's and the organisation's own extra days off
#: (deadlines/orgs.py ``with_days_off`` once per-organisation calendars are on main).
OrgCalendar = Callable[[WorkCalendar, tuple[date, ...]], WorkCalendar]


def _republic_calendar(calendar: WorkCalendar, days_off: tuple[date, ...]) -> WorkCalendar:
    return calendar


class RatingService:
    def __init__(self, db: Database, calendar: WorkCalendar, clock: Clock, tz: tzinfo | None = None, *,
                 org_calendar: OrgCalendar = _republic_calendar) -> None:
        self.db = db
        self.calendar = calendar
        self.org_calendar = org_calendar
        self.clock = clock
        self.tz = tz or calendar.tz
        self.repo = RatingRepository()
        self.orgs = OrganisationRepository()

    def parse(self, value: str) -> Period:
        """``month``, ``YYYY-MM``, a day or a range (bot/services/periods.py); empty: the current month."""
        return parse_period(value or "month", self.clock.now(), self.tz)

    @staticmethod
    def facts(row: RatingCaseRow, calendar: WorkCalendar) -> CaseFacts:
        """The case's facts, its reaction in working minutes on its organisation's calendar."""
        reaction = None
        if row.first_at is not None and not row.given:
            since = max(row.detected_at, row.received_at) if row.received_at else row.detected_at
            reaction = calendar.working_minutes_between(since, row.first_at)
        return CaseFacts(row.org_id, row.given, row.answer, row.final, reaction, row.drafts, row.returns,
                         row.declines)

    async def build(self, period: Period, *, scope: Scope | None = None) -> Rating:
        """Every active organisation (and an archived one with posts or transfers in the period), placed."""
        scope = scope or Scope.all()
        now = self.clock.now()
        conn = self.db.conn
        rows = await self.repo.cases(conn, period.start, period.end, now, scope=scope)
        moves = await self.repo.transfers(conn, period.start, period.end, scope=scope)
        busy = {r.org_id for r in rows} | {o for pair in moves for o in pair}
        listed = [o for o in await self.orgs.all(conn, include_archived=True)
                  if scope.allows(o.id) and (not o.archived or o.id in busy)]
        calendars = {o.id: self.org_calendar(self.calendar, o.days_off) for o in listed}
        facts = (self.facts(r, calendars[r.org_id]) for r in rows if r.org_id in calendars)
        figures = tally([(o.id, o.name) for o in listed], facts, moves)
        return Rating(period, now, rank(figures))

    def text(self, rating: Rating) -> str:
        out = texts.RATING_TITLE.format(period=rating.period.label)
        out += texts.RATING_ORDER.format(min_posts=MIN_RANKED_POSTS)
        if not rating.lines:
            return out + texts.RATING_NONE
        titled = False
        for line in rating.lines:
            if line.place is None and not titled:
                out += texts.RATING_UNRANKED_TITLE.format(min_posts=MIN_RANKED_POSTS)
                titled = True
            out += rating_line(line)
        return out

    async def files(self, period: Period) -> ReportFiles:
        """Text, XLSX and PNG (rendered in a worker thread)."""
        rating = await self.build(period)
        xlsx = await asyncio.to_thread(render_rating_xlsx, rating.lines, rating.period.label)
        png = await asyncio.to_thread(render_rating_png, rating.lines, rating.period.label)
        return ReportFiles(self.text(rating), xlsx, f"rating_{period.slug}.xlsx", png, f"rating_{period.slug}.png")


def rating_line(line: RatingLine) -> str:
    o = line.figures
    place = texts.RATING_PLACE.format(place=line.place) if line.place else texts.RATING_UNRANKED_PLACE
    return texts.RATING_LINE.format(
        place=place, name=texts.esc(o.name), posts=o.posts, answer_share=fmt_share(o.answer_share),
        final_share=fmt_share(o.final_share), median=fmt_minutes(o.median_minutes), mean=fmt_minutes(o.mean_minutes),
        overdue=o.overdue, returns_share=fmt_share(o.returns_share), declines=o.declines,
        transfers_in=o.transfers_in, transfers_out=o.transfers_out)
