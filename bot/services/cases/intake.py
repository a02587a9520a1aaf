"""Intake: a detected post becomes a case (cl. 1, 3, 6, 9), its cards are remembered, its detection
time corrected."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.domain import audit, workflow
from bot.domain.errors import DomainError
from bot.domain.model import Actor, Case, Media, Status
from bot.domain.notices import FromCase, Notice, NoticeKind
from bot.domain.orgs import DEFAULT_ORG, Scope
from bot.runtime.logs import bind_case
from bot.services.cases.unit import CaseServiceBase, refresh


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


class Intake(CaseServiceBase):
    async def register(self, post: NewPost, actor: Actor) -> Registered:
        """Open a case for a detected post, or join the open case of the same post (cl. 1, 3, 6, 9); a new
        case may make a surge (cl. 21), found in the same transaction."""
        if not actor.is_operator_like:
            await self.refuse(actor, None, "register", DomainError("access_denied"))
            raise DomainError("access_denied")
        now = self.clock.now()
        async with self.db.transaction() as conn:
            if post.album_key:
                album_case = await self.cases.album_case(conn, post.album_key, scope=actor.scope)
                if album_case is not None:
                    case = await self.cases.get(conn, album_case, scope=actor.scope)
                    case.media.extend(post.media)
                    if post.text and not case.text:
                        case.text = post.text
                    await self.cases.save(conn, case, now)
                    await self.events.append(conn, audit.by(actor, "media_added", {"media": len(post.media)},
                                                            case_id=case.id), now)
                    return Registered(case, duplicate=False, album_part=True)
            if post.link_norm:
                # only within the operator's organisation: a post open in another one is not revealed
                existing = await self.cases.find_open_by_link(conn, post.link_norm, scope=actor.scope)
                if existing is not None:
                    await self.events.append(conn, audit.by(actor, "duplicate_reported", {
                        "link": post.link, "text": post.text[:500]}, case_id=existing.id), now)
                    return Registered(existing, duplicate=True)
            case = Case(number="", status=Status.NEW, platform=post.platform, text=post.text,
                        detected_at=post.detected_at, operator_id=post.operator_id, link=post.link,
                        link_norm=post.link_norm, author=post.author, media=list(post.media),
                        org_id=actor.org_id if actor.org_id is not None else DEFAULT_ORG)
            workflow.register(case, await self.deadlines_for(conn, case.org_id))
            await self.cases.add(conn, case, now)
            assert case.id is not None
            await self.events.append(conn, audit.by(actor, "registered", {
                "platform": case.platform, "link": case.link, "detected_at": case.detected_at.isoformat()},
                case_id=case.id, named=True), now)
            if post.album_key:
                await self.cases.set_album(conn, post.album_key, case.id)
            if post.card_chat is not None:
                await self.outbox.add(conn, Notice(NoticeKind.INTAKE_CARD, "operator", post.card_chat, case.id,
                                                   FromCase()), now)
            if self.surges is not None:
                await self.surges.detect(conn, case.id, now)
        bind_case(case.number)
        self._on_commit()           # the new case's route/answer deadlines get their reminders at once
        return Registered(case, duplicate=False)

    async def set_card(self, case_id: int, chat_id: int, message_id: int, *, scope: Scope) -> None:
        async with self.db.transaction() as conn:
            await self.cases.set_card(conn, case_id, chat_id, message_id, scope=scope)
            await self.cases.remember_message(conn, case_id, chat_id, message_id, "card")

    async def remember_message(self, case_id: int, chat_id: int, message_id: int, purpose: str = "") -> None:
        async with self.db.transaction() as conn:
            await self.cases.remember_message(conn, case_id, chat_id, message_id, purpose)

    async def case_for_message(self, chat_id: int, message_id: int, *, scope: Scope) -> int | None:
        """The case a message of the bot (a card, a prompt) belongs to, within the reader's scope."""
        return await self.cases.case_for_message(self.db.conn, chat_id, message_id, scope=scope)

    async def set_department_card(self, case_id: int, department_id: int, message_id: int) -> None:
        async with self.db.transaction() as conn:
            await self.cases.set_department_card(conn, case_id, department_id, message_id)
            dept = await self.directory.department(conn, department_id, scope=Scope.all())
            if dept is not None and dept.chat_id is not None:
                await self.cases.remember_message(conn, case_id, dept.chat_id, message_id, "department_card")

    async def correct_detection(self, case_id: int, actor: Actor, detected_at: datetime) -> Case:
        """The operator corrects the detection time: the open route/answer clocks move with it."""
        async with self.unit(actor, "detection_corrected", case_id) as uow:
            case = await uow.load()
            old = workflow.correct_detection(case, actor, self.deadlines, uow.now, detected_at)
            await uow.record(case, {"from": old.isoformat(), "to": detected_at.isoformat()}, refresh(case))
        return case
