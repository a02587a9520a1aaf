"""The case's terms and fate: «Срочно» and the operator's own term (cl. 9), work off hours (cl. 8), a
recount after the calendar changed, 59-ФЗ, no reaction, reopening, public significance (cl. 21)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from bot.domain import audit, workflow
from bot.domain.model import Actor, Case
from bot.domain.notices import FromCase, Notice, NoticeKind
from bot.domain.orgs import Scope
from bot.services.cases.unit import CaseServiceBase, refresh


class Terms(CaseServiceBase):
    async def _simple(self, case_id: int, actor: Actor, kind: str, decide: Callable[[Case, datetime], None],
                      payload: Callable[[Case], dict[str, Any]] = lambda c: {}) -> Case:
        """A decision whose only notice is the refreshed cards."""
        async with self.unit(actor, kind, case_id) as uow:
            case = await uow.load()
            decide(case, uow.now)
            await uow.record(case, payload(case), refresh(case))
        return case

    async def exclude(self, case_id: int, actor: Actor) -> Case:
        return await self._simple(case_id, actor, "excluded", lambda c, now: workflow.exclude(c, actor, now))

    async def dismiss(self, case_id: int, actor: Actor) -> Case:
        return await self._simple(case_id, actor, "dismissed", lambda c, now: workflow.dismiss(c, actor, now))

    async def reopen(self, case_id: int, actor: Actor) -> Case:
        return await self._simple(case_id, actor, "reopened",
                                  lambda c, now: workflow.reopen(c, actor, self.deadlines, now))

    async def set_urgent(self, case_id: int, actor: Actor, urgent: bool) -> Case:
        return await self._simple(case_id, actor, "urgent_set" if urgent else "urgent_unset",
                                  lambda c, now: workflow.set_urgent(c, actor, self.deadlines, now, urgent))

    async def set_answer_term(self, case_id: int, actor: Actor, minutes: int) -> Case:
        """cl. 9: the operator's own answer term; each department is told in a new message."""
        async with self.unit(actor, "answer_term_set", case_id) as uow:
            case = await uow.load()
            workflow.set_answer_term(case, actor, self.deadlines, uow.now, minutes)
            await uow.record(case, {"minutes": minutes}, *(
                Notice(NoticeKind.TERM_CHANGED, "department", a.department_id, case.id, FromCase())
                for a in case.active_assignments), refresh(case))
        return case

    async def work_off_hours(self, case_id: int, actor: Actor, until: datetime | None) -> Case:
        """cl. 8, per case: the head's decision to work on this case outside working hours (audited)."""
        return await self._simple(case_id, actor, "off_hours_declared",
                                  lambda c, now: workflow.work_off_hours(c, actor, self.deadlines, now, until),
                                  lambda c: {"until": until.isoformat() if until else "closed"})

    async def end_off_hours(self, case_id: int, actor: Actor) -> Case:
        """cl. 8, per case: the decision to work outside working hours ends now (audited); the open clocks go
        on in working time, the cards are refreshed and the reminders planned again."""
        return await self._simple(case_id, actor, "off_hours_ended",
                                  lambda c, now: workflow.end_off_hours(c, actor, self.deadlines, now),
                                  lambda c: {"since": c.calendar_since.isoformat() if c.calendar_since else None})

    async def recompute_open(self, actor: Actor, reason: dict[str, Any], *, org_id: int | None = None) -> list[str]:
        """The calendar changed (cl. 8: a date declared working; an organisation's own day off, ``org_id``):
        every open deadline (of that organisation) is counted again from its start on its organisation's
        calendar; each case whose deadlines moved is saved, audited and its cards refreshed. The numbers."""
        now = self.clock.now()
        moved_cases: list[str] = []
        async with self.db.transaction() as conn:
            # the republic's calendar is every organisation's: all open cases are counted again
            for case_id in await self.cases.ids_with_open_deadlines(conn, scope=Scope.all()):
                case = await self.cases.get(conn, case_id, scope=Scope.all())
                if org_id is not None and case.org_id != org_id:
                    continue
                moved = workflow.recompute(case, await self.deadlines_for(conn, case.org_id), now)
                if not moved:
                    continue
                await self.cases.save(conn, case, now)
                await self.events.append(conn, audit.by(actor, "deadlines_recomputed", {
                    **reason, "rules": [d.rule for d in moved]}, case_id=case.id, named=True), now)
                await self.outbox.add(conn, refresh(case), now)
                moved_cases.append(case.number)
        if moved_cases:
            self._on_commit()
        return moved_cases

    async def mark_significant(self, case_id: int, actor: Actor) -> Case:
        async with self.unit(actor, "marked_significant", case_id) as uow:
            case = await uow.load()
            workflow.mark_significant(case, actor)
            await uow.record(case, {}, Notice(NoticeKind.SIGNIFICANT, "head", None, case.id, FromCase()), refresh(case))
        return case
