"""`python -m bot` as a process against the fake Bot API server: a case transferred between organisations end to
end (issue 14 §5) — A's operator transfers it with a reason, B's operator receives its card and routes it to
B's department, and A's /open no longer lists it."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

from bot.domain.orgs import OrgKind
from bot.fake_telegram import ApiCall, FakeBotAPI
from storage.codec import ts
from storage.connect import open_database
from storage.orgs import OrganisationRepository
from tests.e2e.test_process import OPERATOR, TOKEN, press, sent_to, server, start_bot, stop_bot
from tests.support.backend import db_target

__all__ = ["server"]       # the fixture

OP_B, EXEC_B = 400, 401
DEPT_B_CHAT = -1003
REASON = "Дорога республиканского значения"
AT = datetime(2026, 1, 1, tzinfo=UTC)


async def seed_ministry(path: Path) -> None:
    """Before the bot starts: organisation B (the ministry) with an operator and a bound department."""
    db = await open_database(await db_target(path))
    try:
        async with db.transaction() as conn:
            org = await OrganisationRepository().add(conn, "Минстрой КЧР", "MIN", OrgKind.REPUBLIC, AT)
            await conn.execute("INSERT INTO operators (user_id, full_name, added_at, active, org_id) "
                               "VALUES (?, 'Оператор Минстроя', ?, 1, ?)", (OP_B, ts(AT), org.id))
            await conn.execute("INSERT INTO departments (org_id, name, chat_id, created_at) VALUES (?, ?, ?, ?)",
                               (org.id, "Отдел дорог Минстроя", DEPT_B_CHAT, ts(AT)))
    finally:
        await db.close()


def any_of(chat_id: int, *needles: str):  # type: ignore[no-untyped-def]
    def predicate(call: ApiCall) -> bool:
        return str(call.chat_id) == str(chat_id) and any(n in (call.text or "") for n in needles)

    return predicate


async def test_bot_process_transfers_a_case_to_another_organisation(server: FakeBotAPI, tmp_path: Path) -> None:
    await seed_ministry(tmp_path / "bot.sqlite3")
    proc = await start_bot(server, tmp_path)
    try:
        await server.wait_for_call("deleteWebhook", timeout=60)
        server.push_update(server.user_message(
            OPERATOR, "Яма на республиканской дороге у поворота на Архыз",
            forward_from_chat=(-100555, "Подслушано", "zelen"), forward_message_id=9))
        card = await server.wait_for_call("sendMessage", sent_to(OPERATOR, "Сообщение 2026-0001"), timeout=20)
        await press(server, OPERATOR, OPERATOR, card.result["message_id"], "Передать в другую организацию")
        ask = await server.wait_for_call("sendMessage", sent_to(OPERATOR, "В какую организацию"), timeout=20)
        await press(server, OPERATOR, OPERATOR, ask.result["message_id"], "Минстрой КЧР")
        await server.wait_for_call("sendMessage", sent_to(OPERATOR, "Напишите причину передачи"), timeout=20)
        server.push_update(server.user_message(OPERATOR, REASON))
        done = await server.wait_for_call("sendMessage", sent_to(OPERATOR, "передано в «Минстрой КЧР»"), timeout=20)
        assert "MIN-2026-0001" in (done.text or "")
        # B's operator: the case's card with the routing buttons and the transfer with its reason
        b_card = await server.wait_for_call("sendMessage", sent_to(OP_B, "Сообщение MIN-2026-0001"), timeout=20)
        note = await server.wait_for_call("sendMessage", sent_to(OP_B, "Из организации «Администрация»"), timeout=20)
        assert REASON in (note.text or "")
        await press(server, OP_B, OP_B, b_card.result["message_id"], "Отдел дорог Минстроя")
        await press(server, OP_B, OP_B, b_card.result["message_id"], "Направить")
        routed = await server.wait_for_call("sendMessage", sent_to(DEPT_B_CHAT, "Вам направлено"), timeout=20)
        assert "MIN-2026-0001" in (routed.text or "")
        # A's card says where it went; A's /open no longer lists it
        await server.wait_for_call("editMessageText", sent_to(OPERATOR, "Передано в «Минстрой КЧР»"), timeout=20)
        server.push_update(server.user_message(OPERATOR, "/open"))
        listed = await server.wait_for_call("sendMessage", any_of(OPERATOR, "Открытые сообщения",
                                                                  "Открытых сообщений нет"), timeout=20)
        assert not re.search(r"(?<![A-Z]-)2026-0001", listed.text or "")
    finally:
        err = await stop_bot(proc)
    assert TOKEN not in err and "Traceback" not in err
