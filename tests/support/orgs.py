"""A second organisation next to the harness's no. 1 (issue 14): its operator, official, head's chat and a
department with an executor, and a day of its own cases made through its own people (a real Dispatcher).

The organisation and its people are set up in storage, as an admin of the deployment would through the
commands of organisations (another part of issue 14); everything B then does goes through the bot."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.domain.orgs import OrgKind
from storage.orgs import OrganisationRepository
from tests.integration.test_handlers import draft_for_approval, forward_post, route_to
from tests.support.harness import DEPT_A_CHAT, EXEC_A, OPERATOR, Harness

OP_B = 150              # organisation B's operator (private chat)
OFFICIAL_B = 750        # B's responsible official (cl. 5)
EXEC_B1 = 401           # B's executor, in B's department group
HEAD_B_CHAT = -2900
DEPT_B1_CHAT = -2001

B_NAME = "Министерство строительства и ЖКХ"
B_PREFIX = "MSTR"
B_DEPARTMENT = "Управление капремонта"
#: What only B's cases hold: none of it may reach a person of A.
B_TEXT = "Крыша общежития на Школьной протекает секретно"
B_SECRETS = (B_PREFIX, "протекает секретно", "починим секретно", B_DEPARTMENT, "Подслушано Бэ", "board_b", B_NAME)


@dataclass
class OrgB:
    org_id: int
    department_id: int
    case_ids: list[int] = field(default_factory=list)
    numbers: list[str] = field(default_factory=list)


async def add_org_b(h: Harness) -> OrgB:
    """Organisation B with its people and a department bound to its group."""
    now = h.clock.now()
    repo = OrganisationRepository()
    async with h.app.db.transaction() as conn:
        org = await repo.add(conn, B_NAME, B_PREFIX, OrgKind.REPUBLIC, now)
        await repo.bind_head(conn, org.id, HEAD_B_CHAT)
        await conn.execute("INSERT INTO operators (user_id, full_name, added_by, added_at, active, org_id) "
                           "VALUES (?, 'Оператор Бэ', NULL, ?, 1, ?)", (OP_B, now.isoformat(), org.id))
        await conn.execute("INSERT INTO officials (user_id, full_name, added_by, added_at, active, org_id) "
                           "VALUES (?, 'Чиновник Бэ', NULL, ?, 1, ?)", (OFFICIAL_B, now.isoformat(), org.id))
        cur = await conn.execute("INSERT INTO departments (org_id, name, chat_id, created_at) VALUES (?, ?, ?, ?)",
                                 (org.id, B_DEPARTMENT, DEPT_B1_CHAT, now.isoformat()))
        dept_id = int(cur.lastrowid or 0)
    return OrgB(org.id, dept_id)


async def b_post(h: Harness, b: OrgB, text: str = B_TEXT, message_id: int = 501) -> int:
    """B's operator forwards a post: B's case, numbered in B's own sequence."""
    await h.say(OP_B, text, forward_from_chat=(-100777, "Подслушано Бэ", "board_b"),
                forward_message_id=message_id)
    row = await (await h.app.db.conn.execute(
        "SELECT id, number FROM cases WHERE org_id = ? ORDER BY id DESC LIMIT 1", (b.org_id,))).fetchone()
    assert row is not None
    b.case_ids.append(int(row[0]))
    b.numbers.append(str(row[1]))
    return int(row[0])


async def b_day(h: Harness, b: OrgB) -> None:
    """B's cases in several states, all through B's own people: one new, one on approval (routed, accepted,
    a draft sent), so that every button has something of B to be forged against."""
    await b_post(h, b, message_id=501)
    await b_post(h, b, B_TEXT + " снова", message_id=502)
    await h.press(OP_B, OP_B, B_DEPARTMENT)
    await h.press(OP_B, OP_B, "Направить")
    await h.press(EXEC_B1, DEPT_B1_CHAT, "Принять в работу")
    await h.press(EXEC_B1, DEPT_B1_CHAT, "Подготовить ответ")
    await h.press(EXEC_B1, DEPT_B1_CHAT, "Ответ")
    await h.say_in(DEPT_B1_CHAT, EXEC_B1, "Ответ Бэ: крышу починим секретно")
    await h.press(EXEC_B1, DEPT_B1_CHAT, "На согласование")


async def rows_of(h: Harness, case_ids: list[int]) -> dict[str, list[tuple[object, ...]]]:
    """Everything stored about these cases: compared before and after a person of A acted."""
    marks = ",".join("?" * len(case_ids))
    out: dict[str, list[tuple[object, ...]]] = {}
    for table, column in (("cases", "id"), ("case_departments", "case_id"), ("deadlines", "case_id"),
                          ("drafts", "case_id"), ("publications", "case_id"), ("events", "case_id"),
                          ("case_messages", "case_id"), ("outbox", "case_id")):
        cur = await h.app.db.conn.execute(
            f"SELECT * FROM {table} WHERE {column} IN ({marks})", case_ids)  # noqa: S608  constant names of this test; values are bound
        # Sorted here, whole rows compared (both backends; PostgreSQL has no rowid to order by).
        out[table] = sorted((tuple(r) for r in await cur.fetchall()), key=repr)
    cur = await h.app.db.conn.execute("SELECT key, value FROM kv WHERE key LIKE 'selection:%' ORDER BY key")
    out["selections"] = [tuple(r) for r in await cur.fetchall() if int(str(r[0]).split(":")[1]) in case_ids]
    return out


async def a_case_published(h: Harness) -> int:
    """Organisation no. 1's day: a forwarded post routed, accepted, answered, approved and published."""
    case_id = await forward_post(h)
    await route_to(h, "Отдел ЖКХ")
    await draft_for_approval(h, "Ответ", "Мусор вывезен 1 декабря, график восстановлен.")
    h.clock.advance(minutes=20)
    await h.press(OPERATOR, OPERATOR, "Согласовать")
    approved = h.find(DEPT_A_CHAT, "Опубликуйте ответ")
    await h.say_in(DEPT_A_CHAT, EXEC_A, "https://vk.com/wall-1_2?reply=3", photo_file_ids=["shot-1"],
                   reply_to_message_id=approved.message_id)
    return case_id
