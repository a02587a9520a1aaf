"""Chats that change under the bot: a group upgraded to a supergroup (its bindings and cards move to the
new id), a group the bot was removed from (remembered until it is bound again), an operator's cases
handed to another operator."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.domain.orgs import Scope
from storage.cases import OPEN_STATUSES
from storage.codec import dt_req, ts
from storage.db import Conn, fetch_all, fetch_one
from storage.scoping import org_clause

GONE_PREFIX = "chat_gone:"
_OPEN_SQL = ",".join("?" * len(OPEN_STATUSES))


#: The kv key of the coordinator's group (bot/services/access.py reads it).
COORDINATOR_CHAT_KEY = "coordinator_chat_id"


@dataclass(frozen=True)
class GoneChat:
    chat_id: int
    since: datetime
    reason: str


@dataclass(frozen=True)
class Moved:
    """What a chat's migration moved: the departments bound to it, whether it was the head's chat, and the
    open cases whose operator's card was in it."""
    departments: tuple[str, ...]
    department_ids: tuple[int, ...]
    head: bool
    cases: tuple[int, ...]
    coordinator: bool = False           # the directorate's group (kv ``coordinator_chat_id``, issue 14)


class ChatRepository:
    # ---- a group upgraded to a supergroup -------------------------------------------------------
    async def migrate(self, conn: Conn, old: int, new: int, head: bool) -> Moved:
        """Every binding of ``old`` now names ``new``. Messages of the old group stay there: the cards'
        message ids are forgotten (an edit would hit another message of the new chat)."""
        depts = await fetch_all(conn, "SELECT id, name FROM departments WHERE chat_id = ?", (old,))
        if depts:
            await conn.execute("UPDATE departments SET chat_id = NULL WHERE chat_id = ?", (new,))
            await conn.execute("UPDATE departments SET chat_id = ? WHERE chat_id = ?", (new, old))
        for d in depts:
            await conn.execute("UPDATE case_departments SET card_message_id = NULL WHERE department_id = ?",
                               (d["id"],))
        if head:
            cur = await conn.execute("UPDATE organisations SET head_chat_id = ? WHERE head_chat_id = ?", (new, old))
            if cur.rowcount == 0:       # HEAD_CHAT_ID of the settings: organisation no. 1's, bound from now on
                await conn.execute("UPDATE organisations SET head_chat_id = ? WHERE id = 1", (new,))
        cases = await fetch_all(conn, f"SELECT id FROM cases WHERE operator_chat_id = ? AND status IN ({_OPEN_SQL}) "  # noqa: S608  composes only module constants and ? placeholders; every value is bound
                                      "ORDER BY id", (old, *OPEN_STATUSES))
        await conn.execute("UPDATE cases SET operator_chat_id = ?, operator_card_id = NULL "
                           "WHERE operator_chat_id = ?", (new, old))
        await conn.execute("DELETE FROM kv WHERE key = ?", (f"{GONE_PREFIX}{old}",))
        coordinator = await conn.execute("UPDATE kv SET value = ? WHERE key = ? AND value = ?",
                                         (str(new), COORDINATOR_CHAT_KEY, str(old)))
        return Moved(tuple(d["name"] for d in depts), tuple(d["id"] for d in depts), head,
                     tuple(r[0] for r in cases), coordinator.rowcount > 0)

    async def open_cases_of_department(self, conn: Conn, department_id: int) -> list[int]:
        rows = await fetch_all(
            conn, f"SELECT c.id FROM cases c JOIN case_departments a ON a.case_id = c.id "  # noqa: S608  composes only module constants and ? placeholders; every value is bound
            f"WHERE a.department_id = ? AND a.state IN ('routed', 'accepted', 'info_sent') AND c.status IN ({_OPEN_SQL}) "
            "ORDER BY c.id", (department_id, *OPEN_STATUSES))
        return [r[0] for r in rows]

    # ---- chats the bot cannot write in ------------------------------------------------------------
    async def set_gone(self, conn: Conn, chat_id: int, reason: str, now: datetime) -> bool:
        """Remember that the bot cannot write in ``chat_id``; False when it was known already."""
        cur = await conn.execute("INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT(key) DO NOTHING",
                                 (f"{GONE_PREFIX}{chat_id}", f"{ts(now)}|{reason[:200]}"))
        return cur.rowcount == 1

    async def clear_gone(self, conn: Conn, chat_id: int) -> bool:
        cur = await conn.execute("DELETE FROM kv WHERE key = ?", (f"{GONE_PREFIX}{chat_id}",))
        return cur.rowcount == 1

    async def gone(self, conn: Conn) -> list[GoneChat]:
        rows = await fetch_all(conn, "SELECT key, value FROM kv WHERE key LIKE ? ORDER BY key", (f"{GONE_PREFIX}%",))
        out: list[GoneChat] = []
        for r in rows:
            since, _, reason = str(r["value"]).partition("|")
            out.append(GoneChat(int(r["key"][len(GONE_PREFIX):]), dt_req(since), reason))
        return out

    # ---- an operator's cases ----------------------------------------------------------------------
    async def open_cases_of_operator(self, conn: Conn, operator_id: int, *,
                                     scope: Scope) -> list[tuple[int, str]]:
        """(id, number) of the operator's open cases of the scope's organisations."""
        where, params = org_clause(scope)
        rows = await fetch_all(
            conn, f"SELECT id, number FROM cases WHERE {where} AND operator_id = ? AND status IN ({_OPEN_SQL}) ORDER BY id",  # noqa: S608  composes only module constants and ? placeholders; every value is bound
            (*params, operator_id, *OPEN_STATUSES))
        return [(r["id"], r["number"]) for r in rows]

    async def open_load(self, conn: Conn, operator_ids: list[int], *, scope: Scope) -> dict[int, int]:
        """How many open cases (of the scope's organisations) each of these operators holds."""
        load = dict.fromkeys(operator_ids, 0)
        where, params = org_clause(scope)
        rows = await fetch_all(conn, f"SELECT operator_id, COUNT(*) FROM cases WHERE {where} AND status IN ({_OPEN_SQL}) "  # noqa: S608  composes only module constants and ? placeholders; every value is bound
                                     "GROUP BY operator_id", (*params, *OPEN_STATUSES))
        for r in rows:
            if r[0] in load:
                load[r[0]] = r[1]
        return load

    async def reassign(self, conn: Conn, case_id: int, operator_id: int, *, org_id: int) -> None:
        """The case (of the organisation) is now this operator's; the card moves to their private chat (sent
        anew)."""
        await conn.execute("UPDATE cases SET operator_id = ?, operator_chat_id = ?, operator_card_id = NULL, "
                           "version = version + 1 WHERE id = ? AND org_id = ?", (operator_id, operator_id, case_id, org_id))

    async def was_operator(self, conn: Conn, user_id: int) -> bool:
        """Listed as an operator once and removed since."""
        where, params = org_clause(Scope.all())           # of whichever organisation: a person is one person
        row = await fetch_one(conn, f"SELECT active FROM operators WHERE user_id = ? AND {where}", (user_id, *params))  # noqa: S608  the clause binds its values
        return row is not None and not row[0]
