"""`CaseService`: the use cases of the regulation, one transaction each (bot/services/cases/unit.py), and
what the handlers read about cases. Nothing here talks to Telegram: the sender delivers the outbox after
the commit (``on_commit`` wakes it)."""

from __future__ import annotations

from datetime import datetime

from bot.domain.errors import NotFound
from bot.domain.model import Case
from bot.domain.orgs import DEFAULT_ORG, NUMBER_RE, Scope, format_number
from bot.services.cases.answers import Answers
from bot.services.cases.intake import Intake
from bot.services.cases.routing import Routing
from bot.services.cases.terms import Terms
from bot.services.cases.transfers import Transfers
from storage.db import Conn
from storage.events import Event
from storage.orgs import OrganisationRepository


class CaseService(Intake, Routing, Answers, Terms, Transfers):
    async def get(self, case_id: int, *, scope: Scope) -> Case:
        """The case within the reader's scope: another organisation's case is NotFound, like a missing one."""
        return await self.cases.get(self.db.conn, case_id, scope=scope)

    async def number_of(self, case_id: int, *, scope: Scope) -> str | None:
        return await self.cases.number_of(self.db.conn, case_id, scope=scope)

    async def get_by_number(self, number: str, *, scope: Scope) -> Case:
        """``/case N``: a bare number is the current year's of the reader's organisation (with its prefix);
        ``2026-0042`` and ``ZEL-2026-0042`` are parsed; another organisation's number reads as not found."""
        number = number.strip()
        if number.isdigit():
            number = f"{self.clock.now().year}-{int(number)}"
        found = NUMBER_RE.match(number)
        if found is None:
            raise NotFound("case_not_found", number=number)
        prefix = (found["prefix"] or "").upper() or await self._own_prefix(scope)
        full = format_number(prefix, int(found["year"]), int(found["seq"]))
        return await self.cases.get_by_number(self.db.conn, full, scope=scope)

    async def _own_prefix(self, scope: Scope) -> str:
        """The prefix a number typed without one means: the reader's organisation's (no. 1's for the
        coordinator, whose view spans every organisation)."""
        org = await OrganisationRepository().get(self.db.conn, scope.single or DEFAULT_ORG)
        return org.prefix if org is not None else ""

    async def lead(self, case: Case, conn: Conn | None = None) -> Case | None:
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

    async def open_cases(self, department_id: int | None = None, *, scope: Scope) -> list[Case]:
        """Open cases of the scope, overdue first, then by the nearest deadline."""
        now = self.clock.now()
        cases = await self.cases.list_open(self.db.conn, department_id, scope=scope)

        def key(c: Case) -> tuple[int, datetime]:
            nxt = c.next_deadline()
            due = nxt.due_at if nxt else datetime.max.replace(tzinfo=now.tzinfo)
            return (0 if nxt and nxt.overdue(now) else 1, due)

        return sorted(cases, key=key)

    def check_answer_text(self, text: str) -> list[str]:
        """Words that make a text unfit to be posted (cl. 19); empty when it is clean."""
        return self.find_profanity(text)
