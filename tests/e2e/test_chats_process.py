"""`python -m bot` as a process over HTTP against the fake Bot API: a department group upgraded to a supergroup
(by the service messages, and learnt from a send's 400 «group chat was upgraded»), and Telegram unreachable
when the process starts."""

from __future__ import annotations

from pathlib import Path

import aiohttp

from bot.fake_telegram import ApiCall, FakeBotAPI
from tests.e2e.test_process import (
    ADMIN,
    DEPT_CHAT,
    EXECUTOR,
    OPERATOR,
    TOKEN,
    free_port,
    press,
    sent_to,
    server,
    start_bot,
    stop_bot,
)

__all__ = ["server"]          # the fake Bot API fixture of the process test

NEW_DEPT_CHAT = -100_200_1001
ROADS_CHAT, NEW_ROADS_CHAT = -1002, -100_200_1002


async def forward_and_route(server: FakeBotAPI, text: str, department: str, message_id: int) -> None:
    server.push_update(server.user_message(OPERATOR, text, forward_from_chat=(-100555, "Подслушано", "zelen"),
                                           forward_message_id=message_id))
    card = await server.wait_for_call("sendMessage", sent_to(OPERATOR, text[:20]), timeout=20)
    await press(server, OPERATOR, OPERATOR, card.result["message_id"], department)
    await press(server, OPERATOR, OPERATOR, card.result["message_id"], "Направить")


async def test_department_group_upgraded_to_a_supergroup_keeps_receiving_cases(server: FakeBotAPI, tmp_path: Path) -> None:
    proc = await start_bot(server, tmp_path)
    try:
        await server.wait_for_call("deleteWebhook", timeout=60)
        server.push_update(server.group_message(DEPT_CHAT, ADMIN, "/bind Отдел ЖКХ"))
        await server.wait_for_call("sendMessage", sent_to(DEPT_CHAT, "подключена"), timeout=20)
        server.push_update(server.group_message(ROADS_CHAT, ADMIN, "/bind Дорожный отдел", chat_title="Дороги"))
        await server.wait_for_call("sendMessage", sent_to(ROADS_CHAT, "подключена"), timeout=20)
        await forward_and_route(server, "Не вывозят мусор на ул. Ленина", "Отдел ЖКХ", 7)
        await server.wait_for_call("sendMessage", sent_to(DEPT_CHAT, "Вам направлено"), timeout=20)

        # 1. Telegram upgrades the group and tells the bot by the two service messages
        server.migrate_group(DEPT_CHAT, NEW_DEPT_CHAT, ADMIN)
        card: ApiCall = await server.wait_for_call("sendMessage", sent_to(NEW_DEPT_CHAT, "Вам направлено"), timeout=20)
        await server.wait_for_call("sendMessage", sent_to(ADMIN, "супергруппу"), timeout=20)
        await press(server, EXECUTOR, NEW_DEPT_CHAT, card.result["message_id"], "Принять в работу")
        await server.wait_for_call("editMessageText", sent_to(NEW_DEPT_CHAT, "в работе"), timeout=20)

        # 2. upgraded without a word to the bot: the send answers 400 with migrate_to_chat_id
        server.core.migrate_chat(ROADS_CHAT, NEW_ROADS_CHAT)
        await forward_and_route(server, "Яма на дороге на ул. Садовой", "Дорожный отдел", 8)
        await server.wait_for_call("sendMessage", sent_to(NEW_ROADS_CHAT, "Вам направлено"), timeout=20)
        refused = [c for c in server.calls_of("sendMessage") if str(c.chat_id) == str(ROADS_CHAT) and c.error]
        assert refused and refused[0].status == 400
        assert refused[0].error is not None
        assert refused[0].error["parameters"]["migrate_to_chat_id"] == NEW_ROADS_CHAT
    finally:
        err = await stop_bot(proc)
    assert TOKEN not in err and "Traceback" not in err


async def test_telegram_unreachable_at_start_is_retried_and_healthz_says_so(server: FakeBotAPI, tmp_path: Path) -> None:
    for _ in range(2):
        server.fail_next("deleteWebhook", status=502, description="Bad Gateway")
    port = free_port()
    proc = await start_bot(server, tmp_path, WEB_PORT=str(port))
    try:
        await server.wait_for_call("deleteWebhook", lambda c: c.status == 502, timeout=60)
        async with aiohttp.ClientSession() as http:
            async with http.get(f"http://127.0.0.1:{port}/healthz") as response:    # listening before Telegram
                down = await response.json()
                assert response.status == 503
            await server.wait_for_call("deleteWebhook", lambda c: c.status == 200, timeout=30)
            server.push_update(server.user_message(ADMIN, "/start"))   # polling began as soon as Telegram answered
            await server.wait_for_call("sendMessage", lambda c: str(c.chat_id) == str(ADMIN) and "/start" not in
                                       (c.text or "") and "Проверка" not in (c.text or ""), timeout=30)
            async with http.get(f"http://127.0.0.1:{port}/healthz") as response:
                up = await response.json()
        assert "telegram" in down["problems"] and down["telegram"]["reached"] is False
        assert "Bad Gateway" in down["telegram"]["last_error"]
        assert up["telegram"]["reached"] is True and "telegram" not in up["problems"]
    finally:
        err = await stop_bot(proc)
    lines = [line for line in err.splitlines() if "does not answer at start" in line]
    assert len(lines) == 2 and "attempt 1" in lines[0] and "attempt 2" in lines[1]
    assert "CRITICAL" not in err and "Traceback" not in err
