"""Routing: the operator's choice of departments (cl. 9, 10, 17), their acceptance and decline (cl. 12)."""

from __future__ import annotations

from bot.domain import workflow
from bot.domain.actions import check
from bot.domain.errors import ValidationFailed
from bot.domain.model import Actor, Case, Status
from bot.domain.notices import Declined, FromCase, Notice, NoticeKind
from bot.domain.transitions import Action
from bot.services.cases.unit import CaseServiceBase, refresh
from storage.db import Conn


class Routing(CaseServiceBase):
    async def selection(self, case_id: int) -> set[int]:
        """Departments the operator has ticked on the card before "Направить"."""
        value = await self.directory.get_value(self.db.conn, f"selection:{case_id}")
        return {int(v) for v in value.split(",") if v} if value else set()

    async def toggle_selection(self, case_id: int, actor: Actor, department_id: int) -> set[int]:
        check(await self.cases.get(self.db.conn, case_id, scope=actor.scope), Action.ROUTE, actor)
        await self._department(self.db.conn, department_id, actor)
        chosen = await self.selection(case_id)
        chosen ^= {department_id}
        async with self.db.transaction() as conn:
            await self.directory.set_value(conn, f"selection:{case_id}", ",".join(str(d) for d in sorted(chosen)))
        return chosen

    async def _department(self, conn: Conn, department_id: int, actor: Actor) -> tuple[int, str]:
        """A department a case may be sent to: (id, name); only the actor's organisation's own (a forged id of
        another organisation's department is refused like an unknown one)."""
        dept = await self.directory.department(conn, department_id, scope=actor.scope)
        if dept is None or dept.archived or dept.chat_id is None or not actor.scope.allows(dept.org_id):
            raise ValidationFailed("unknown_department", department_id=department_id)
        return dept.id, dept.name

    async def route(self, case_id: int, actor: Actor, department_ids: list[int]) -> Case:
        """Направить (cl. 9, 10, 17); the case may make a surge (cl. 21), found in the same transaction."""
        async with self.unit(actor, "routed", case_id) as uow:
            chosen = [await self._department(uow.conn, d, actor) for d in dict.fromkeys(department_ids)]
            case = await uow.load()
            before = {a.department_id for a in case.assignments}
            workflow.route(case, actor, self.deadlines, uow.now, chosen)
            out = [Notice(NoticeKind.CASE_ROUTED, "department", dept_id, case.id, FromCase()) for dept_id, _ in chosen]
            await uow.record(case, {"departments": [n for _, n in chosen],
                                    "new": [d for d, _ in chosen if d not in before], "multi": case.multi},
                             *out, refresh(case))
            # the ticks of this routing do not carry over to a re-route
            await self.directory.set_value(uow.conn, f"selection:{case_id}", "")
            if self.surges is not None:
                await self.surges.detect(uow.conn, case_id, uow.now)
        return case

    async def accept(self, case_id: int, actor: Actor) -> Case:
        async with self.unit(actor, "accepted", case_id) as uow:
            case = await uow.load()
            workflow.accept(case, actor, uow.now)
            await uow.record(case, {"department_id": actor.department_id}, refresh(case))
        return case

    async def decline(self, case_id: int, actor: Actor, reason: str) -> Case:
        async with self.unit(actor, "declined", case_id) as uow:
            case = await uow.load()
            workflow.decline(case, actor, self.deadlines, uow.now, reason)
            a = case.assignment(actor.department_id)
            await uow.record(case, {"department_id": actor.department_id, "reason": reason},
                             Notice(NoticeKind.DECLINED, "operator", case.operator_id, case.id,
                                    Declined(department=a.department_name if a else "", reason=reason,
                                             back_to_operator=case.status == Status.NEW)), refresh(case))
        return case

    async def add_department(self, case_id: int, actor: Actor, department_id: int) -> Case:
        """➕ Добавить отдел: one more department for a case already with departments (cl. 17)."""
        async with self.unit(actor, "department_added", case_id) as uow:
            chosen = await self._department(uow.conn, department_id, actor)
            case = await uow.load()
            workflow.add_department(case, actor, self.deadlines, uow.now, chosen)
            await uow.record(case, {"department_id": department_id, "departments": [chosen[1]]},
                             Notice(NoticeKind.CASE_ROUTED, "department", department_id, case.id, FromCase()), refresh(case))
        return case

    async def withdraw(self, case_id: int, actor: Actor, department_id: int) -> Case:
        """A department that declined leaves the case's list (its decline stays in the history and KPIs)."""
        async with self.unit(actor, "department_withdrawn", case_id) as uow:
            case = await uow.load()
            a = workflow.withdraw(case, actor, department_id)
            await uow.record(case, {"department_id": department_id, "departments": [a.department_name],
                                    "reason": a.declined_reason or ""}, refresh(case))
        return case
