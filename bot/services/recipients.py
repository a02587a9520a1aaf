"""Whom an organisation's notices reach (issue 14 §1, §3): its head's chat, its operators and responsible
officials, its admins (with the deployment's), and the coordinator of cl. 2 (the directorate's group and
COORDINATOR_IDS in private chats). Nothing of one organisation goes to a chat or a person of another."""

from __future__ import annotations

from bot.services.access import AccessService
from storage.orgs import OrganisationRepository


class Recipients:
    def __init__(self, access: AccessService) -> None:
        self.access = access
        self.orgs = OrganisationRepository()

    async def head_chat(self, org_id: int) -> int | None:
        return await self.access.head_chat_id(org_id)

    async def operators(self, org_id: int) -> set[int]:
        """The organisation's active operators (OPERATOR_IDS are no. 1's)."""
        return {o.user_id for o in await self.access.operators(org_id=org_id) if o.active}

    async def officials(self, org_id: int) -> list[int]:
        """The organisation's responsible officials (cl. 5; OFFICIAL_IDS are no. 1's)."""
        return [o.user_id for o in await self.access.officials(org_id=org_id) if o.active]

    async def admins(self, org_id: int | None) -> list[int]:
        """The deployment's admins (ADMIN_IDS) and, when the notice concerns one organisation, its own."""
        own = [uid for uid, _ in await self.orgs.admins(self.access.db.conn, org_id)] if org_id is not None else []
        return list(dict.fromkeys([*sorted(self.access.admin_ids), *own]))

    async def coordinator(self) -> list[int]:
        """The directorate's group (bound with /bind_coordinator) and COORDINATOR_IDS' private chats."""
        chat = await self.access.coordinator_chat_id()
        return list(dict.fromkeys([*([chat] if chat is not None else []), *sorted(self.access.coordinator_ids)]))

    async def org_name(self, org_id: int) -> str:
        org = await self.orgs.get(self.access.db.conn, org_id)
        return org.name if org is not None else str(org_id)

    async def several_orgs(self) -> bool:
        """The organisation's name is shown only when the deployment has more than one active organisation."""
        return await self.orgs.count(self.access.db.conn) > 1
