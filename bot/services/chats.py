"""Chats that change under the bot's feet.

- A group upgraded to a supergroup (the service message's ``migrate_to_chat_id`` / ``migrate_from_chat_id``,
  or a send answered «group chat was upgraded to a supergroup»): every binding of the old id (a department,
  the head's chat, an operator's card chat) moves to the new id, notices queued for the old id go to the
  new one, and the open cases' cards are sent anew there (the old group's messages cannot be edited).
- The bot removed from a bound group, or the group deleted: the admins are told at once; the notices for it
  wait (neither sent nor failed) and go out once a group is bound again or the bot is back.
- An operator who blocked the bot: their open cases go to the pool (bot/services/handover.py).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from bot import texts
from bot.domain import audit
from bot.domain.notices import FromCase, Notice, NoticeKind, Words
from bot.runtime.clock import Clock
from bot.services.access import AccessService
from bot.services.commit import AfterCommit
from bot.services.handover import HandoverService
from storage.chats import ChatRepository, GoneChat
from storage.codec import ts
from storage.db import Database
from storage.events import EventRepository
from storage.outbox import OutboxRepository

log = logging.getLogger(__name__)

#: Target kinds whose target_id is a chat or a person (a department's target_id is the department's id).
CHAT_TARGETS = ("chat", "operator", "head", "official", "owner", "case")


@dataclass(frozen=True)
class Waiting:
    """What the admins and /healthz see: notices waiting for a chat, since when, and the chats gone."""
    notices: int
    oldest: datetime | None
    gone: tuple[GoneChat, ...]


class ChatsService(AfterCommit):
    def __init__(self, db: Database, clock: Clock, access: AccessService, handover: HandoverService) -> None:
        self.db, self.clock, self.access, self.handover = db, clock, access, handover
        self.repo = ChatRepository()
        self.outbox = OutboxRepository()
        self.events = EventRepository()

    async def _where(self, chat_id: int) -> str | None:
        """How the admins know this chat: a department's name, the head's chat; None if not bound."""
        dept = await self.access.department_for_chat(chat_id)
        if dept is not None:
            return texts.CHAT_IS_DEPARTMENT.format(name=texts.esc(dept.name))
        if await self.access.head_org(chat_id) is not None:
            return texts.CHAT_IS_HEAD
        if chat_id == await self.access.coordinator_chat_id():
            return texts.CHAT_IS_COORDINATOR
        return None

    async def _org(self, chat_id: int) -> int | None:
        """The organisation whose group this is (its admins are told too, issue 14), or None."""
        dept = await self.access.department_for_chat(chat_id)
        return dept.org_id if dept is not None else await self.access.head_org(chat_id)

    # ---- a group upgraded to a supergroup ------------------------------------------------------------
    async def migrated(self, old: int, new: int) -> bool:
        """Move every binding of ``old`` to ``new``; False when there was nothing to move (already done,
        or a chat the bot serves for nobody)."""
        if old == new:
            return False
        head_is_old = await self.access.head_org(old) is not None
        org_id = await self._org(old)
        now = self.clock.now()
        async with self.db.transaction() as conn:
            moved = await self.repo.migrate(conn, old, new, head_is_old)
            retargeted = await self.outbox.retarget(conn, CHAT_TARGETS, old, new)
            if not (moved.departments or moved.head or moved.coordinator or moved.cases or retargeted):
                return False
            for dept_id in moved.department_ids:          # the departments' cards, anew in the new chat
                for case_id in await self.repo.open_cases_of_department(conn, dept_id):
                    await self.outbox.add(conn, Notice(NoticeKind.CASE_ROUTED, "department", dept_id, case_id,
                                                       FromCase(), dedup_key=f"migrated:{old}:{case_id}:{dept_id}"),
                                          now)
            for case_id in moved.cases:                   # an operator's cards kept in that group
                await self.outbox.add(conn, Notice(NoticeKind.INTAKE_CARD, "operator", new, case_id, FromCase(),
                                                   dedup_key=f"migrated:{old}:{case_id}:card"), now)
            await self.outbox.release_waiting(conn, now)
            await self.events.append(conn, audit.by_system("chat_migrated", {
                "from": old, "to": new, "departments": list(moved.departments), "head": moved.head,
                "coordinator": moved.coordinator,
                "notices": retargeted}), now)
            what = ", ".join([*(texts.CHAT_IS_DEPARTMENT.format(name=texts.esc(n)) for n in moved.departments),
                              *([texts.CHAT_IS_HEAD] if moved.head else []),
                              *([texts.CHAT_IS_COORDINATOR] if moved.coordinator else [])]) or texts.CHAT_IS_OPERATOR
            await self.outbox.add(conn, Notice(NoticeKind.ADMIN_ALERT, "admins", None, None, Words(
                texts.CHAT_MIGRATED.format(what=what, old=old, new=new), org_id), dedup_key=f"migrated:{old}:{new}"),
                                  now)
        log.info("chat %s upgraded to supergroup %s: bindings moved, %d queued notices retargeted",
                 old, new, retargeted)
        self._on_commit()
        return True

    # ---- the bot removed, the group deleted ------------------------------------------------------------
    async def bot_removed(self, chat_id: int, reason: str) -> bool:
        """The bot can no longer write in a bound group: remembered, the admins told at once (once)."""
        where = await self._where(chat_id)
        if where is None:
            return False
        org_id = await self._org(chat_id)
        now = self.clock.now()
        async with self.db.transaction() as conn:
            if not await self.repo.set_gone(conn, chat_id, reason, now):
                return False
            await self.events.append(conn, audit.by_system("chat_gone", {"chat_id": chat_id, "reason": reason}),
                                     now)
            await self.outbox.add(conn, Notice(NoticeKind.ADMIN_ALERT, "admins", None, None, Words(
                texts.CHAT_GONE.format(where=where, chat_id=chat_id, reason=texts.esc(reason[:200])), org_id),
                dedup_key=f"gone:{chat_id}:{ts(now)}"), now)
        log.warning("the bot cannot write in chat %s (%s): its notices wait", chat_id, reason)
        self._on_commit()
        return True

    async def chat_back(self, chat_id: int) -> int:
        """The bot is back in a chat, or a chat was bound: every waiting notice is tried again (one whose
        chat is still gone waits again); how many."""
        now = self.clock.now()
        unbound = [g.chat_id for g in await self.repo.gone(self.db.conn) if await self._where(g.chat_id) is None]
        async with self.db.transaction() as conn:
            back = await self.repo.clear_gone(conn, chat_id)
            for old in unbound:                      # a group no role is bound to any more: nothing waits for it
                await self.repo.clear_gone(conn, old)
            released = await self.outbox.release_waiting(conn, now)
            if back:
                await self.events.append(conn, audit.by_system("chat_back", {"chat_id": chat_id}), now)
        if released:
            log.info("chat %s reachable again: %d waiting notices released", chat_id, released)
            self._on_commit()
        return released

    async def unreachable(self, chat_id: int, error: str) -> bool:
        """A send to ``chat_id`` was refused for good (403, chat not found). True: the notice waits (a bound
        group); False: it fails as before (the admins are told), and an operator's open cases are handed
        over to the pool."""
        if chat_id < 0:
            if await self._where(chat_id) is None:
                return False
            await self.bot_removed(chat_id, error)
            return True
        if await self.access.is_operator(chat_id):
            done = await self.handover.unreachable(chat_id)
            if done.moved:
                log.warning("operator %s cannot be reached: %d open cases handed over", chat_id, len(done.moved))
        return False

    async def operator_blocked(self, user_id: int) -> bool:
        """An operator blocked the bot (Telegram's my_chat_member in their private chat): their open cases
        go to the pool at once and the admins are told; False when they are no operator."""
        if not await self.access.is_operator(user_id):
            return False
        done = await self.handover.unreachable(user_id)
        org_id = await self.access.operator_org(user_id)           # its admins are told too (issue 14)
        now = self.clock.now()
        async with self.db.transaction() as conn:
            await self.outbox.add(conn, Notice(NoticeKind.ADMIN_ALERT, "admins", None, None, Words(
                texts.OPERATOR_BLOCKED.format(operator=user_id, numbers=", ".join(done.moved) or "—"), org_id),
                dedup_key=f"blocked:{user_id}:{ts(now)}"), now)
        self._on_commit()
        return True

    async def waiting(self) -> Waiting:
        count, oldest = await self.outbox.waiting(self.db.conn)
        return Waiting(count, oldest, tuple(await self.repo.gone(self.db.conn)))
