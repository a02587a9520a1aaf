"""`CaseService`: the use cases of the regulation, one transaction each (bot/services/cases/unit.py), and
what the handlers read about cases. Nothing here talks to Telegram: the sender delivers the outbox after
the commit (``on_commit`` wakes it)."""

from __future__ import annotations

from datetime import datetime

import aiosqlite

from bot.domain.model import Case
from bot.services.cases.answers import Answers
from bot.services.cases.intake import Intake
from bot.services.cases.routing import Routing
from bot.services.cases.terms import Terms
from bot.services.cases.transfers import Transfers
from storage.events import Event


class CaseService(Intake, Routing, Answers, Terms, Transfers):
    async def get(self, case_id: int) -> Case:
        return await self.cases.get(self.db.conn, case_id)

    async def number_of(self, case_id: int) -> str | None:
        return await self.cases.number_of(self.db.conn, case_id)

    async def get_by_number(self, number: str) -> Case:
        number = number.strip()
        if number.isdigit():
            number = f"{self.clock.now().year}-{int(number):04d}"
        return await self.cases.get_by_number(self.db.conn, number)

    async def lead(self, case: Case, conn: aiosqlite.Connection | None = None) -> Case | None:
        """The incident's lead post when ``case`` is another post of an incident (cl. 21), else None."""
        return await self.cases.lead_of(conn or self.db.conn, case)

    async def leads(self, cases: list[Case]) -> dict[str, Case]:
        """The lead post of every incident member among ``cases``, by the member's number (cl. 21)."""
        known = {c.number: c for c in cases}
        out: dict[str, Case] = {}
        for c in cases:
            if c.incident_lead is not None and c.incident_lead != c.number:
                lead = known.get(c.incident_lead) or await self.lead(c)
                if lead is not None:
                    known[lead.number] = out[c.number] = lead
        return out

    async def history(self, case_id: int) -> list[Event]:
        return await self.events.history(self.db.conn, case_id)

    async def open_cases(self, department_id: int | None = None) -> list[Case]:
        """Open cases, overdue first, then by the nearest deadline."""
        now = self.clock.now()
        cases = await self.cases.list_open(self.db.conn, department_id)

        def key(c: Case) -> tuple[int, datetime]:
            nxt = c.next_deadline()
            due = nxt.due_at if nxt else datetime.max.replace(tzinfo=now.tzinfo)
            return (0 if nxt and nxt.overdue(now) else 1, due)

        return sorted(cases, key=key)

    def check_answer_text(self, text: str) -> list[str]:
        """Words that make a text unfit to be posted (cl. 19); empty when it is clean."""
        return self.find_profanity(text)
