"""The admins' notice of a new member of a department's group (issue 13 §2)."""

from __future__ import annotations

from bot import texts
from bot.delivery.outgoing import Outgoing, Text
from bot.domain.notices import NewMember, Notice
from handlers import keyboards
from handlers.notices.base import Deps


async def new_member(d: Deps, n: Notice[NewMember]) -> list[Outgoing]:
    """To every admin of the deployment and of the group's organisation; under STRICT_MEMBERS with the button
    that lets the member act."""
    p = n.payload
    dept = await d.access.department_for_chat(p.chat_id)
    template = texts.NEW_MEMBER_CONFIRM if p.confirm else texts.NEW_MEMBER
    text = template.format(department=texts.esc(p.department), name=texts.esc(p.name or "—"), user_id=p.user_id)
    markup = keyboards.confirm_member(p.chat_id, p.user_id) if p.confirm else None
    admins = await d.recipients.admins(dept.org_id if dept is not None else None)
    return [Text(admin, text, markup) for admin in admins]
