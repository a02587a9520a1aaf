"""Use cases of the regulation: one transaction each, an audit event each, notices in the outbox.

A use case loads the case, lets `bot.domain.workflow` change it, saves it, appends the event and
queues the messages it owes — all in one transaction. Nothing here talks to Telegram: the sender
delivers the outbox after the commit (`on_commit` wakes it).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import aiosqlite

from bot.domain import accountability, surge, workflow
from bot.domain.errors import DomainError, NotFound, ValidationFailed
from bot.domain.model import Actor, Case, DeptState, Draft, DraftKind, Media, Publication, Role, Status
from bot.domain.notices import (
    Declined,
    DraftForApproval,
    FromCase,
    InfoReceived,
    Notice,
    NoticeKind,
    OfDraft,
    Published,
    Words,
)
from bot.runtime.clock import Clock
from bot.runtime.logs import bind_case
from deadlines.rules import Deadlines
from storage.cases import CaseRepository
from storage.db import Database
from storage.directory import DirectoryRepository
from storage.events import Event, EventRepository
from storage.outbox import OutboxRepository
from storage.reports import IncidentRepository

log = logging.getLogger(__name__)

ProfanityFinder = Callable[[str], list[str]]


@dataclass(frozen=True)
class NewPost:
    platform: str
    text: str
    operator_id: int
    detected_at: datetime
    link: str | None = None
    link_norm: str | None = None
    author: str | None = None
    media: tuple[Media, ...] = ()
    album_key: str | None = None       # chat id : media group id — an album is one case
    card_chat: int | None = None       # the chat the post came in: the case's card is shown there (cl. 9)


@dataclass(frozen=True)
class Registered:
    case: Case
    duplicate: bool
    album_part: bool = False


def default_profanity_finder() -> ProfanityFinder:
    def find(text: str) -> list[str]:
        from bot.domain.profanity import find_profanity

        return [f.word for f in find_profanity(text)]

    return find


class CaseService:
    def __init__(self, db: Database, deadlines: Deadlines, clock: Clock,
                 find_profanity: ProfanityFinder | None = None,
                 on_commit: Callable[[], None] | None = None) -> None:
        self.db = db
        self.deadlines = deadlines
        self.clock = clock
        self.find_profanity = find_profanity or default_profanity_finder()
        self.cases = CaseRepository()
        self.directory = DirectoryRepository()
        self.events = EventRepository()
        self.outbox = OutboxRepository()
        self._on_commit = on_commit or (lambda: None)

    def set_on_commit(self, callback: Callable[[], None]) -> None:
        self._on_commit = callback

    # ---- reading ------------------------------------------------------------------------------
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

    async def selection(self, case_id: int) -> set[int]:
        """Departments the operator has ticked on the card before "Направить"."""
        value = await self.directory.get_value(self.db.conn, f"selection:{case_id}")
        return {int(v) for v in value.split(",") if v} if value else set()

    async def toggle_selection(self, case_id: int, actor: Actor, department_id: int) -> set[int]:
        case = await self.get(case_id)
        if not actor.is_operator_like:
            raise DomainError("access_denied")
        if case.status != Status.NEW:
            raise DomainError("invalid_transition")
        dept = await self.directory.department(self.db.conn, department_id)
        if dept is None or dept.archived or dept.chat_id is None:
            raise ValidationFailed("unknown_department")
        chosen = await self.selection(case_id)
        chosen ^= {department_id}
        async with self.db.transaction() as conn:
            await self.directory.set_value(conn, f"selection:{case_id}", ",".join(str(d) for d in sorted(chosen)))
        return chosen

    # ---- intake -------------------------------------------------------------------------------
    async def register(self, post: NewPost, actor: Actor) -> Registered:
        """Open a case for a detected post, or join the open case of the same post (cl. 1, 3, 6, 9)."""
        if not actor.is_operator_like:
            await self.refuse(actor, None, "register", DomainError("access_denied"))
            raise DomainError("access_denied")
        now = self.clock.now()
        async with self.db.transaction() as conn:
            if post.album_key:
                album_case = await self.cases.album_case(conn, post.album_key)
                if album_case is not None:
                    case = await self.cases.get(conn, album_case)
                    case.media.extend(post.media)
                    if post.text and not case.text:
                        case.text = post.text
                    await self.cases.save(conn, case, now)
                    await self.events.append(conn, case_id=case.id, at=now, actor_id=actor.user_id,
                                             actor_role=actor.role.value, kind="media_added",
                                             payload={"media": len(post.media)})
                    return Registered(case, duplicate=False, album_part=True)
            if post.link_norm:
                existing = await self.cases.find_open_by_link(conn, post.link_norm)
                if existing is not None:
                    await self.events.append(conn, case_id=existing.id, at=now, actor_id=actor.user_id,
                                             actor_role=actor.role.value, kind="duplicate_reported",
                                             payload={"link": post.link, "text": post.text[:500]})
                    return Registered(existing, duplicate=True)
            case = Case(number="", status=Status.NEW, platform=post.platform, text=post.text,
                        detected_at=post.detected_at, operator_id=post.operator_id, link=post.link,
                        link_norm=post.link_norm, author=post.author, media=list(post.media))
            workflow.register(case, self.deadlines)
            await self.cases.add(conn, case, now)
            await self.events.append(conn, case_id=case.id, at=now, actor_id=actor.user_id,
                                     actor_role=actor.role.value, kind="registered",
                                     payload={"platform": case.platform, "link": case.link,
                                              "detected_at": case.detected_at.isoformat(),
                                              "actor_name": actor.name})
            if post.album_key:
                assert case.id is not None
                await self.cases.set_album(conn, post.album_key, case.id)
            if post.card_chat is not None:
                await self.outbox.add(conn, Notice(NoticeKind.INTAKE_CARD, "operator", post.card_chat, case.id,
                                                   FromCase()), now)
        bind_case(case.number)
        self._on_commit()           # the new case's route/answer deadlines get their reminders at once
        return Registered(case, duplicate=False)

    async def set_card(self, case_id: int, chat_id: int, message_id: int) -> None:
        async with self.db.transaction() as conn:
            await self.cases.set_card(conn, case_id, chat_id, message_id)
            await self.cases.remember_message(conn, case_id, chat_id, message_id, "card")

    async def remember_message(self, case_id: int, chat_id: int, message_id: int, purpose: str = "") -> None:
        async with self.db.transaction() as conn:
            await self.cases.remember_message(conn, case_id, chat_id, message_id, purpose)

    async def case_for_message(self, chat_id: int, message_id: int) -> int | None:
        return await self.cases.case_for_message(self.db.conn, chat_id, message_id)

    async def set_department_card(self, case_id: int, department_id: int, message_id: int) -> None:
        async with self.db.transaction() as conn:
            await self.cases.set_department_card(conn, case_id, department_id, message_id)
            dept = await self.directory.department(conn, department_id)
            if dept is not None and dept.chat_id is not None:
                await self.cases.remember_message(conn, case_id, dept.chat_id, message_id, "department_card")

    async def correct_detection(self, case_id: int, actor: Actor, detected_at: datetime) -> Case:
        """The operator corrects the detection time: the open route/answer/draft clocks move with it."""
        def change(case: Case, now: datetime) -> dict[str, Any]:
            if not actor.is_operator_like:
                raise DomainError("access_denied")
            if case.status != Status.NEW:
                raise ValidationFailed("detection_only_new")
            if detected_at > now:
                raise ValidationFailed("detection_in_future")
            old = case.detected_at
            case.detected_at = detected_at
            for d in case.deadlines:
                if d.is_open and d.rule in ("route", "answer") and d.started_at == old:
                    d.started_at = detected_at
                    d.due_at = workflow.due(case, self.deadlines, d.rule, detected_at)
            return {"from": old.isoformat(), "to": detected_at.isoformat()}

        return await self._act(case_id, actor, "detection_corrected", change, lambda c: [_refresh(c)])

    # ---- the workflow -------------------------------------------------------------------------
    async def route(self, case_id: int, actor: Actor, department_ids: list[int]) -> Case:
        async def names(conn: aiosqlite.Connection) -> list[tuple[int, str]]:
            out = []
            for dept_id in dict.fromkeys(department_ids):
                dept = await self.directory.department(conn, dept_id)
                if dept is None or dept.archived or dept.chat_id is None:
                    raise ValidationFailed("unknown_department", department_id=dept_id)
                out.append((dept.id, dept.name))
            return out

        chosen: list[tuple[int, str]] = []

        async def prepare(conn: aiosqlite.Connection) -> None:
            chosen.extend(await names(conn))

        def change(case: Case, now: datetime) -> dict[str, Any]:
            before = {a.department_id for a in case.assignments}
            workflow.route(case, actor, self.deadlines, now, chosen)
            return {"departments": [n for _, n in chosen], "new": [d for d, _ in chosen if d not in before],
                    "multi": case.multi}

        def notices(case: Case) -> list[Notice]:
            out = [Notice(NoticeKind.CASE_ROUTED, "department", dept_id, case.id, FromCase())
                   for dept_id, _ in chosen]
            return [*out, _refresh(case)]

        async def clear_ticks(conn: aiosqlite.Connection, case: Case, now: datetime) -> None:
            # the ticks of this routing do not carry over to a re-route (in the routing's own transaction)
            await self.directory.set_value(conn, f"selection:{case_id}", "")

        return await self._act(case_id, actor, "routed", change, notices, prepare=prepare, also=clear_ticks)

    async def accept(self, case_id: int, actor: Actor) -> Case:
        def change(case: Case, now: datetime) -> dict[str, Any]:
            workflow.accept(case, actor, now)
            return {"department_id": actor.department_id}

        return await self._act(case_id, actor, "accepted", change, lambda c: [_refresh(c)])

    async def decline(self, case_id: int, actor: Actor, reason: str) -> Case:
        def change(case: Case, now: datetime) -> dict[str, Any]:
            workflow.decline(case, actor, self.deadlines, now, reason)
            return {"department_id": actor.department_id, "reason": reason}

        def notices(case: Case) -> list[Notice]:
            a = case.assignment(actor.department_id)
            return [Notice(NoticeKind.DECLINED, "operator", case.operator_id, case.id,
                           Declined(department=a.department_name if a else "", reason=reason,
                                    back_to_operator=case.status == Status.NEW)), _refresh(case)]

        return await self._act(case_id, actor, "declined", change, notices)

    async def add_department(self, case_id: int, actor: Actor, department_id: int) -> Case:
        """➕ Добавить отдел: one more department for a case already with departments (cl. 17)."""
        chosen: list[tuple[int, str]] = []

        async def prepare(conn: aiosqlite.Connection) -> None:
            dept = await self.directory.department(conn, department_id)
            if dept is None or dept.archived or dept.chat_id is None:
                raise ValidationFailed("unknown_department", department_id=department_id)
            chosen.append((dept.id, dept.name))

        def change(case: Case, now: datetime) -> dict[str, Any]:
            workflow.add_department(case, actor, self.deadlines, now, chosen[0])
            return {"department_id": department_id, "departments": [chosen[0][1]]}

        return await self._act(case_id, actor, "department_added", change,
                               lambda c: [Notice(NoticeKind.CASE_ROUTED, "department", department_id, c.id,
                                                 FromCase()), _refresh(c)],
                               prepare=prepare)

    async def withdraw(self, case_id: int, actor: Actor, department_id: int) -> Case:
        """A department that declined leaves the case's list (its decline stays in the history and KPIs)."""
        def change(case: Case, now: datetime) -> dict[str, Any]:
            a = workflow.withdraw(case, actor, department_id)
            return {"department_id": department_id, "departments": [a.department_name],
                    "reason": a.declined_reason or ""}

        return await self._act(case_id, actor, "department_withdrawn", change, lambda c: [_refresh(c)])

    async def submit_draft(self, case_id: int, actor: Actor, kind: DraftKind, text: str,
                           media: list[Media]) -> tuple[Case, Draft]:
        made: list[Draft] = []

        def change(case: Case, now: datetime) -> dict[str, Any]:
            made.append(workflow.submit_draft(case, actor, self.deadlines, now, kind, text, media,
                                              self.find_profanity))
            return {"kind": kind.value, "version": made[0].version, "department_id": actor.department_id,
                    "media": len(media), "text": text}

        def notices(case: Case) -> list[Notice]:
            by = workflow.approve_by(case, self.deadlines)      # cl. 13–16: approve earlier than cl. 14 says
            return [Notice(NoticeKind.DRAFT_FOR_APPROVAL, "operator", case.operator_id, case.id,
                           DraftForApproval(made[0].id, by.isoformat() if by else None)),
                    _refresh(case)]

        case = await self._act(case_id, actor, "draft_submitted", change, notices)
        return case, made[0]

    async def approve(self, case_id: int, actor: Actor) -> Case:
        def change(case: Case, now: datetime) -> dict[str, Any]:
            draft = workflow.approve(case, actor, self.deadlines, now, self.find_profanity)
            return {"draft_id": draft.id, "version": draft.version}

        def notices(case: Case) -> list[Notice]:
            draft = case.approved_draft
            assert draft is not None
            return [Notice(NoticeKind.DRAFT_APPROVED, "department", draft.department_id, case.id,
                           OfDraft(draft.id)), _refresh(case)]

        return await self._act(case_id, actor, "approved", change, notices)

    async def return_draft(self, case_id: int, actor: Actor, comment: str) -> Case:
        returned: list[Draft] = []

        def change(case: Case, now: datetime) -> dict[str, Any]:
            returned.append(workflow.return_draft(case, actor, self.deadlines, now, comment))
            return {"draft_id": returned[0].id, "comment": comment}

        def notices(case: Case) -> list[Notice]:
            return [Notice(NoticeKind.DRAFT_RETURNED, "department", returned[0].department_id, case.id,
                           OfDraft(returned[0].id)), _refresh(case)]

        return await self._act(case_id, actor, "returned", change, notices)

    async def publish(self, case_id: int, actor: Actor, screenshot_file_id: str, screenshot_unique_id: str,
                      link: str | None = None) -> tuple[Case, Publication]:
        made: list[Publication] = []

        def change(case: Case, now: datetime) -> dict[str, Any]:
            made.append(workflow.publish(case, actor, self.deadlines, now, screenshot_file_id,
                                         screenshot_unique_id, link))
            return {"kind": made[0].kind.value, "screenshot": screenshot_unique_id, "link": link}

        def notices(case: Case) -> list[Notice]:
            out = [_refresh(case)]
            if actor.role == Role.EXECUTOR:
                out.insert(0, Notice(NoticeKind.PUBLISHED, "operator", case.operator_id, case.id,
                                     Published(screenshot_file_id, link, made[0].kind.value)))
            return out

        async def follow(conn: aiosqlite.Connection, case: Case, now: datetime) -> None:
            await self._follow_lead_final(conn, case, now)

        case = await self._act(case_id, actor, "published", change, notices, also=follow)
        return case, made[0]

    async def _follow_lead_final(self, conn: aiosqlite.Connection, case: Case, now: datetime) -> None:
        """cl. 7 for an incident (cl. 21): every post waiting for the final answer owes it when the lead does."""
        if case.incident_lead is None or case.status != Status.AWAITING_FINAL:
            return
        if case.incident_lead != case.number:
            lead = await self.lead(case, conn)
            if lead is not None and surge.follow_lead_final(case, lead):
                await self.cases.save(conn, case, now)
            return
        incidents = IncidentRepository()
        incident_id = await incidents.incident_of(conn, case.id or 0)
        record = await incidents.get(conn, incident_id) if incident_id is not None else None
        for member_id in record.case_ids if record else []:
            if member_id == case.id:
                continue
            member = await self.cases.get(conn, member_id)
            if surge.follow_lead_final(member, case):
                await self.cases.save(conn, member, now)
                await self.outbox.add(conn, _refresh(member), now)

    async def submit_info(self, case_id: int, actor: Actor, text: str, media: list[Media]) -> Case:
        made: list[Draft] = []

        def change(case: Case, now: datetime) -> dict[str, Any]:
            made.append(workflow.submit_info(case, actor, now, text, media))
            return {"department_id": actor.department_id, "text": text, "media": len(media)}

        def notices(case: Case) -> list[Notice]:
            pending = [a.department_name for a in case.active_assignments if a.state != DeptState.INFO_SENT]
            return [Notice(NoticeKind.INFO_RECEIVED, "operator", case.operator_id, case.id,
                           InfoReceived(made[0].id, tuple(pending))), _refresh(case)]

        return await self._act(case_id, actor, "info_submitted", change, notices)

    async def compose(self, case_id: int, actor: Actor, kind: DraftKind, text: str, media: list[Media]) -> Case:
        def change(case: Case, now: datetime) -> dict[str, Any]:
            draft = workflow.compose(case, actor, self.deadlines, now, kind, text, media, self.find_profanity)
            return {"kind": kind.value, "version": draft.version, "text": text}

        return await self._act(case_id, actor, "composed", change, lambda c: [_refresh(c)])

    async def author_reply(self, case_id: int, actor: Actor, text: str) -> Case:
        def change(case: Case, now: datetime) -> dict[str, Any]:
            if not text.strip():
                raise ValidationFailed("empty_text")
            workflow.author_reply(case, actor, self.deadlines, now)
            return {"text": text}

        def notices(case: Case) -> list[Notice]:
            return [*(Notice(NoticeKind.AUTHOR_REPLIED, "department", a.department_id, case.id, Words(text))
                      for a in case.active_assignments), _refresh(case)]

        return await self._act(case_id, actor, "author_replied", change, notices)

    async def close_no_reply(self, case_id: int, actor: Actor) -> Case:
        """«Закрыть: автор не ответил»: the case is closed by the clarification alone (counted apart)."""
        def change(case: Case, now: datetime) -> dict[str, Any]:
            since = workflow.clarification_since(case)
            workflow.close_no_reply(case, actor, now)
            return {"closure": case.closure, "since": since.isoformat() if since else None}

        return await self._act(case_id, actor, "closed_no_reply", change, lambda c: [_refresh(c)])

    async def answer_anyway(self, case_id: int, actor: Actor) -> Case:
        """«Ответить без уточнения»: back to the department(s), a new answer clock from now."""
        def change(case: Case, now: datetime) -> dict[str, Any]:
            workflow.answer_anyway(case, actor, self.deadlines, now)
            return {}

        def notices(case: Case) -> list[Notice]:
            return [*(Notice(NoticeKind.ANSWER_ANYWAY, "department", a.department_id, case.id, FromCase())
                      for a in case.active_assignments), _refresh(case)]

        return await self._act(case_id, actor, "answer_anyway", change, notices)

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
        def change(case: Case, now: datetime) -> dict[str, Any]:
            workflow.set_answer_term(case, actor, self.deadlines, now, minutes)
            return {"minutes": minutes}

        def notices(case: Case) -> list[Notice]:
            return [*(Notice(NoticeKind.TERM_CHANGED, "department", a.department_id, case.id, FromCase())
                      for a in case.active_assignments), _refresh(case)]

        return await self._act(case_id, actor, "answer_term_set", change, notices)

    async def work_off_hours(self, case_id: int, actor: Actor, until: datetime | None) -> Case:
        """cl. 8, per case: the head's decision to work on this case outside working hours (audited)."""
        def change(case: Case, now: datetime) -> dict[str, Any]:
            workflow.work_off_hours(case, actor, self.deadlines, now, until)
            return {"until": until.isoformat() if until else "closed"}

        return await self._act(case_id, actor, "off_hours_declared", change, lambda c: [_refresh(c)])

    async def end_off_hours(self, case_id: int, actor: Actor) -> Case:
        """cl. 8, per case: the decision to work outside working hours ends now (audited); the open clocks go
        on in working time, the cards are refreshed and the reminders planned again."""
        def change(case: Case, now: datetime) -> dict[str, Any]:
            workflow.end_off_hours(case, actor, self.deadlines, now)
            return {"since": case.calendar_since.isoformat() if case.calendar_since else None}

        return await self._act(case_id, actor, "off_hours_ended", change, lambda c: [_refresh(c)])

    async def recompute_open(self, actor: Actor, reason: dict[str, Any]) -> list[str]:
        """The calendar changed (cl. 8: a date declared working): every open deadline is counted again from
        its start; each case whose deadlines moved is saved, audited and its cards refreshed. The numbers."""
        now = self.clock.now()
        moved_cases: list[str] = []
        async with self.db.transaction() as conn:
            for case_id in await self.cases.ids_with_open_deadlines(conn):
                case = await self.cases.get(conn, case_id)
                moved = workflow.recompute(case, self.deadlines, now)
                if not moved:
                    continue
                await self.cases.save(conn, case, now)
                await self.events.append(conn, case_id=case.id, at=now, actor_id=actor.user_id,
                                         actor_role=actor.role.value, kind="deadlines_recomputed",
                                         payload={**reason, "rules": [d.rule for d in moved],
                                                  "actor_name": actor.name})
                await self.outbox.add(conn, _refresh(case), now)
                moved_cases.append(case.number)
        if moved_cases:
            self._on_commit()
        return moved_cases

    async def mark_significant(self, case_id: int, actor: Actor) -> Case:
        def change(case: Case, now: datetime) -> dict[str, Any]:
            if case.significant:
                raise ValidationFailed("already_significant")
            workflow.mark_significant(case, actor)
            return {}

        return await self._act(case_id, actor, "marked_significant", change,
                               lambda c: [Notice(NoticeKind.SIGNIFICANT, "head", None, c.id, FromCase()),
                                          _refresh(c)])

    # ---- machinery ----------------------------------------------------------------------------
    async def refuse(self, actor: Actor, case_id: int | None, attempted: str, error: DomainError,
                     payload: dict[str, Any] | None = None) -> None:
        """Record a refused attempt in the audit trail (wrong role, forged or stale data)."""
        now = self.clock.now()
        async with self.db.transaction() as conn:
            await self.events.append(conn, case_id=case_id, at=now, actor_id=actor.user_id,
                                     actor_role=actor.role.value, kind=f"refused:{attempted}",
                                     payload={"code": error.code, **(payload or {}),
                                              **{k: str(v) for k, v in error.details.items()}},
                                     refused=True)

    async def _simple(self, case_id: int, actor: Actor, kind: str,
                      fn: Callable[[Case, datetime], None]) -> Case:
        def change(case: Case, now: datetime) -> dict[str, Any]:
            fn(case, now)
            return {}

        return await self._act(case_id, actor, kind, change, lambda c: [_refresh(c)])

    async def _act(self, case_id: int, actor: Actor, kind: str,
                   change: Callable[[Case, datetime], dict[str, Any]],
                   notices: Callable[[Case], list[Notice]],
                   prepare: Callable[[aiosqlite.Connection], Awaitable[None]] | None = None,
                   also: Callable[[aiosqlite.Connection, Case, datetime], Awaitable[None]] | None = None) -> Case:
        now = self.clock.now()
        failure: DomainError | None = None
        case_exists = True
        async with self.db.transaction() as conn:
            try:
                if prepare is not None:
                    await prepare(conn)
                case = await self.cases.get(conn, case_id)
                bind_case(case.number)
                before = case.status
                # A clock that ran out is owed by whoever held the step then: the state before this action.
                accountability.attribute(case, now, await self.lead(case, conn))
                payload = change(case, now)
            except DomainError as exc:
                failure = exc
                case_exists = not isinstance(exc, NotFound)
            else:
                await self.cases.save(conn, case, now)
                await self.events.append(conn, case_id=case.id, at=now, actor_id=actor.user_id,
                                         actor_role=actor.role.value, kind=kind,
                                         payload={**payload, "from": before.value, "to": case.status.value,
                                                  "actor_name": actor.name})
                for notice in notices(case):
                    await self.outbox.add(conn, notice, now)
                if also is not None:            # what the change owes other cases, in the same transaction
                    await also(conn, case, now)
        if failure is not None:
            await self.refuse(actor, case_id if case_exists else None, kind, failure)
            raise failure
        self._on_commit()
        log.info("case %s: %s by %s (%s) -> %s", case.number, kind, actor.user_id, actor.role.value,
                 case.status.value)
        return case


def _refresh(case: Case) -> Notice:
    return Notice(NoticeKind.CARD_REFRESH, "case", None, case.id, FromCase())

