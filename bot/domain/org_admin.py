"""Who may administer which organisation (issue 14 §1). Pure: no aiogram, no SQL.

A deployment admin (``ADMIN_IDS``) administers every active organisation and alone manages the organisations
themselves (/orgs, /org_add, archive, their admins); an organisation's own admin administers that
organisation only: its department groups, its head's chat, its operators, officials, invites and places.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence


def administered(*, deployment_admin: bool, admin_of: Collection[int], active: Sequence[int]) -> list[int]:
    """The active organisations a person may administer, in the order of ``active``."""
    return [o for o in active if deployment_admin or o in admin_of]


def may_administer(org_id: int, *, deployment_admin: bool, admin_of: Collection[int],
                   active: Collection[int]) -> bool:
    """True if the person may administer ``org_id`` (an archived organisation is nobody's to administer:
    its people and chats stop acting until a deployment admin restores it)."""
    return org_id in active and (deployment_admin or org_id in admin_of)


def may_manage_orgs(*, deployment_admin: bool) -> bool:
    """Creating, renaming, archiving organisations and inviting their admins: deployment admins only."""
    return deployment_admin


def current_org(chosen: int | None, orgs: Sequence[int], default: int) -> int:
    """The organisation an admin acts for: the one they chose last if they still administer it, else the
    default when they do, else their first."""
    if chosen is not None and chosen in orgs:
        return chosen
    if default in orgs or not orgs:
        return default
    return orgs[0]


def must_ask(orgs: Sequence[int]) -> bool:
    """A command that names no organisation is ambiguous for an admin of more than one."""
    return len(orgs) > 1
