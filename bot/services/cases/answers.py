"""The answer: drafts and their approval (cl. 13–15), information of several departments and the
operator's own answer (cl. 17), publication with a screenshot (cl. 16), the author's clarification."""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain import surge, workflow
from bot.domain.errors import ValidationFailed
from bot.domain.model import Actor, Case, DeptState, Draft, DraftKind, Media, Publication, Role, Status
from bot.domain.notices import (
    DraftForApproval,
    FromCase,
    InfoReceived,
    Notice,
    NoticeKind,
    OfDraft,
    Published,
    Words,
)
from bot.domain.orgs import Scope
from bot.services.cases.unit import CaseServiceBase, CaseUnit, refresh
from storage.reports import IncidentRepository


@dataclass(frozen=True)
class Approved:
    case: Case
    #: The other posts of the incident the case leads, given the same approved answer (cl. 21).
    members: list[Case]


class Answers(CaseServiceBase):
    async def submit_draft(self, case_id: int, actor: Actor, kind: DraftKind, text: str,
                           media: list[Media]) -> tuple[Case, Draft]:
        async with self.unit(actor, "draft_submitted", case_id) as uow:
            case = await uow.load()
            draft = workflow.submit_draft(case, actor, self.deadlines, uow.now, kind, text, media,
                                          self.find_profanity)
            await uow.record(case, {"kind": kind.value, "version": draft.version,
                                    "department_id": actor.department_id, "media": len(media), "text": text})
            by = workflow.approve_by(case, self.deadlines)      # cl. 13–16: approve earlier than cl. 14 says
            await uow.notify(Notice(NoticeKind.DRAFT_FOR_APPROVAL, "operator", case.operator_id, case.id,
                                    DraftForApproval(draft.id, by.isoformat() if by else None)),
                             refresh(case))
        return case, draft

    async def approve(self, case_id: int, actor: Actor) -> Approved:
        """Согласовать (cl. 14); the lead post of an incident gives the approved answer to every other post
        of it in the same transaction (cl. 21)."""
        async with self.unit(actor, "approved", case_id) as uow:
            case = await uow.load()
            draft = workflow.approve(case, actor, self.deadlines, uow.now, self.find_profanity)
            await uow.record(case, {"draft_id": draft.id, "version": draft.version},
                             Notice(NoticeKind.DRAFT_APPROVED, "department", draft.department_id, case.id,
                                    OfDraft(draft.id)), refresh(case))
            members = [] if self.incidents is None else await self.incidents.propagate(uow.conn, case, actor,
                                                                                      uow.now)
        return Approved(case, members)

    async def return_draft(self, case_id: int, actor: Actor, comment: str) -> Case:
        async with self.unit(actor, "returned", case_id) as uow:
            case = await uow.load()
            returned = workflow.return_draft(case, actor, self.deadlines, uow.now, comment)
            await uow.record(case, {"draft_id": returned.id, "comment": comment},
                             Notice(NoticeKind.DRAFT_RETURNED, "department", returned.department_id, case.id,
                                    OfDraft(returned.id)), refresh(case))
        return case

    async def publish(self, case_id: int, actor: Actor, screenshot_file_id: str, screenshot_unique_id: str,
                      link: str | None = None) -> tuple[Case, Publication]:
        async with self.unit(actor, "published", case_id) as uow:
            case = await uow.load()
            pub = workflow.publish(case, actor, self.deadlines, uow.now, screenshot_file_id,
                                   screenshot_unique_id, link)
            out = [refresh(case)]
            if actor.role == Role.EXECUTOR:
                out.insert(0, Notice(NoticeKind.PUBLISHED, "operator", case.operator_id, case.id,
                                     Published(screenshot_file_id, link, pub.kind.value)))
            await uow.record(case, {"kind": pub.kind.value, "screenshot": screenshot_unique_id, "link": link},
                             *out)
            await self._follow_lead_final(uow, case)
        return case, pub

    async def _follow_lead_final(self, uow: CaseUnit, case: Case) -> None:
        """cl. 7 for an incident (cl. 21): every post waiting for the final answer owes it when the lead does."""
        if case.incident_lead is None or case.status != Status.AWAITING_FINAL:
            return
        conn, now = uow.conn, uow.now
        if case.incident_lead != case.number:
            lead = await self.cases.lead_of(conn, case)
            if lead is not None and surge.follow_lead_final(case, lead):
                await self.cases.save(conn, case, now)
            return
        incidents = IncidentRepository()
        incident_id = await incidents.incident_of(conn, case.id or 0)
        record = await incidents.get(conn, incident_id) if incident_id is not None else None
        for member_id in record.case_ids if record else []:
            if member_id == case.id:
                continue
            member = await self.cases.get(conn, member_id, scope=Scope.one(case.org_id))
            if surge.follow_lead_final(member, case):
                await self.cases.save(conn, member, now)
                await self.outbox.add(conn, refresh(member), now)

    async def submit_info(self, case_id: int, actor: Actor, text: str, media: list[Media]) -> Case:
        async with self.unit(actor, "info_submitted", case_id) as uow:
            case = await uow.load()
            info = workflow.submit_info(case, actor, uow.now, text, media)
            await uow.record(case, {"department_id": actor.department_id, "text": text, "media": len(media)})
            pending = [a.department_name for a in case.active_assignments if a.state != DeptState.INFO_SENT]
            await uow.notify(Notice(NoticeKind.INFO_RECEIVED, "operator", case.operator_id, case.id,
                                    InfoReceived(info.id, tuple(pending))), refresh(case))
        return case

    async def compose(self, case_id: int, actor: Actor, kind: DraftKind, text: str, media: list[Media]) -> Case:
        async with self.unit(actor, "composed", case_id) as uow:
            case = await uow.load()
            draft = workflow.compose(case, actor, self.deadlines, uow.now, kind, text, media, self.find_profanity)
            await uow.record(case, {"kind": kind.value, "version": draft.version, "text": text}, refresh(case))
        return case

    async def author_reply(self, case_id: int, actor: Actor, text: str) -> Case:
        async with self.unit(actor, "author_replied", case_id) as uow:
            case = await uow.load()
            if not text.strip():
                raise ValidationFailed("empty_text")
            workflow.author_reply(case, actor, self.deadlines, uow.now)
            await uow.record(case, {"text": text}, *(
                Notice(NoticeKind.AUTHOR_REPLIED, "department", a.department_id, case.id, Words(text))
                for a in case.active_assignments), refresh(case))
        return case

    async def close_no_reply(self, case_id: int, actor: Actor) -> Case:
        """«Закрыть: автор не ответил»: the case is closed by the clarification alone (counted apart)."""
        async with self.unit(actor, "closed_no_reply", case_id) as uow:
            case = await uow.load()
            since = workflow.clarification_since(case)
            workflow.close_no_reply(case, actor, uow.now)
            await uow.record(case, {"closure": case.closure, "since": since.isoformat() if since else None},
                             refresh(case))
        return case

    async def answer_anyway(self, case_id: int, actor: Actor) -> Case:
        """«Ответить без уточнения»: back to the department(s), a new answer clock from now."""
        async with self.unit(actor, "answer_anyway", case_id) as uow:
            case = await uow.load()
            workflow.answer_anyway(case, actor, self.deadlines, uow.now)
            await uow.record(case, {}, *(
                Notice(NoticeKind.ANSWER_ANYWAY, "department", a.department_id, case.id, FromCase())
                for a in case.active_assignments), refresh(case))
        return case
