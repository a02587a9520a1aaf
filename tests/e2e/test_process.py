"""`python -m bot` as a process against a local fake Bot API server: a case from forward to screenshot."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import signal
import socket
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.fake_telegram import ApiCall, FakeBotAPI
from storage.connect import open_database
from storage.outbox import OutboxRepository
from tests.support.backend import db_target

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "123456:TEST-token-for-the-fake-server-abcdef"
ADMIN, OPERATOR, EXECUTOR = 1, 100, 201
DEPT_CHAT = -1001
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def button(server: FakeBotAPI, chat_id: int, message_id: int, label: str) -> str:
    message = server.core.messages[(chat_id, message_id)]
    for row in message.get("reply_markup", {}).get("inline_keyboard", []):
        for b in row:
            if label in b["text"]:
                return str(b["callback_data"])
    raise AssertionError(f"no button {label!r} on message {message_id}: {message.get('reply_markup')}")


def sent_to(chat_id: int, needle: str) -> Any:
    def predicate(call: ApiCall) -> bool:
        return str(call.chat_id) == str(chat_id) and needle in (call.text or "")

    return predicate


@pytest.fixture
async def server() -> AsyncIterator[FakeBotAPI]:
    async with FakeBotAPI() as api:
        yield api


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def start_bot(server: FakeBotAPI, tmp_path: Path, **extra: str) -> asyncio.subprocess.Process:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("BOT_", "DEADLINE_", "WORK_", "WEB_", "WEBHOOK_", "RUN_", "LOG_", "HEALTH_",
                                 "DATABASE_"))}
    env.update(BOT_TOKEN=TOKEN, TELEGRAM_API_URL=server.url, DATABASE_PATH=str(tmp_path / "bot.sqlite3"),
               CALENDAR_PATH=str(tmp_path / "calendar.json"), ADMIN_IDS=str(ADMIN), OPERATOR_IDS=str(OPERATOR),
               WORK_HOURS="00:00-24:00", WORK_DAYS="mon,tue,wed,thu,fri,sat,sun", LOG_LEVEL="INFO",
               WEB_HOST="127.0.0.1", WEB_PORT=str(free_port()), PYTHONPATH=str(ROOT))
    target = await db_target(tmp_path / "bot.sqlite3")
    if isinstance(target, str):                                  # --db=postgresql: the test's own database
        env["DATABASE_URL"] = target
    env.update(extra)
    return await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", cwd=tmp_path, env=env,
                                                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)


async def stop_bot(proc: asyncio.subprocess.Process) -> str:
    """SIGTERM, wait for a clean exit (code 0) and return what the bot wrote on stderr."""
    if proc.returncode is None:
        proc.send_signal(signal.SIGTERM)
    try:
        _, err = await asyncio.wait_for(proc.communicate(), timeout=30)
    except TimeoutError:
        proc.kill()
        raise
    assert proc.returncode == 0, err.decode()[-2000:]
    return err.decode()


async def press(server: FakeBotAPI, user: int, chat: int, message_id: int, label: str) -> None:
    """Press the button labelled ``label`` under a message, as Telegram would deliver it, and wait for the answer."""
    server.push_update(server.callback(user, chat, button(server, chat, message_id, label), message_id))
    await server.wait_for_call("answerCallbackQuery", timeout=20)


async def play_until_draft_for_approval(server: FakeBotAPI) -> ApiCall:
    """Bind the department, forward a post, route, accept, write the answer and send it for approval;
    return the operator's «Согласуйте» message."""
    await server.wait_for_call("deleteWebhook", timeout=60)
    server.push_update(server.group_message(DEPT_CHAT, ADMIN, "/bind Отдел ЖКХ"))
    await server.wait_for_call("sendMessage", sent_to(DEPT_CHAT, "подключена"), timeout=20)
    server.push_update(server.user_message(
        OPERATOR, "Не вывозят мусор на ул. Ленина", forward_from_chat=(-100555, "Подслушано", "zelen"),
        forward_message_id=7))
    card = await server.wait_for_call("sendMessage", sent_to(OPERATOR, "Сообщение"), timeout=20)
    await press(server, OPERATOR, OPERATOR, card.result["message_id"], "Отдел ЖКХ")
    await press(server, OPERATOR, OPERATOR, card.result["message_id"], "Направить")
    dept_card = await server.wait_for_call("sendMessage", sent_to(DEPT_CHAT, "Вам направлено"), timeout=20)
    await press(server, EXECUTOR, DEPT_CHAT, dept_card.result["message_id"], "Принять в работу")
    await server.wait_for_call("editMessageText", sent_to(DEPT_CHAT, "в работе"), timeout=20)
    await press(server, EXECUTOR, DEPT_CHAT, dept_card.result["message_id"], "Подготовить ответ")
    kinds = await server.wait_for_call("sendMessage", sent_to(DEPT_CHAT, "Что готовите"), timeout=20)
    await press(server, EXECUTOR, DEPT_CHAT, kinds.result["message_id"], "Ответ")
    await server.wait_for_call("sendMessage", sent_to(DEPT_CHAT, "Пришлите текст"), timeout=20)
    server.push_update(server.group_message(DEPT_CHAT, EXECUTOR, "Мусор вывезен, график восстановлен."))
    preview = await server.wait_for_call("sendMessage", sent_to(DEPT_CHAT, "Предпросмотр"), timeout=20)
    await press(server, EXECUTOR, DEPT_CHAT, preview.result["message_id"], "На согласование")
    return await server.wait_for_call("sendMessage", sent_to(OPERATOR, "Согласуйте"), timeout=20)


async def test_bot_process_plays_a_case_from_forward_to_screenshot(server: FakeBotAPI, tmp_path: Path) -> None:
    proc = await start_bot(server, tmp_path)
    try:
        draft = await play_until_draft_for_approval(server)
        await press(server, OPERATOR, OPERATOR, draft.result["message_id"], "Согласовать")
        approved = await server.wait_for_call("sendMessage", sent_to(DEPT_CHAT, "Опубликуйте ответ"), timeout=20)
        server.push_update(server.group_message(DEPT_CHAT, EXECUTOR, None, photo_file_ids=["shot-1"],
                                                reply_to_message_id=approved.result["message_id"]))
        shot = await server.wait_for_call("sendPhoto", lambda c: str(c.chat_id) == str(OPERATOR), timeout=20)
        assert "Скриншот" in (shot.text or "")
        await server.wait_for_call("editMessageText", sent_to(OPERATOR, "Закрыто"), timeout=20)
    finally:
        err = await stop_bot(proc)
    assert TOKEN not in err


async def test_missing_token_says_what_to_set(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "BOT_TOKEN"}
    env["PYTHONPATH"] = str(ROOT)
    proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", cwd=tmp_path, env=env,
                                                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    _, err = await asyncio.wait_for(proc.communicate(), timeout=60)
    assert proc.returncode == 2
    text = err.decode()
    assert "BOT_TOKEN" in text and "BotFather" in text and ".env.example" in text and "Traceback" not in text


async def test_wrong_setting_names_the_variable(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "BOT_TOKEN": TOKEN, "WORK_HOURS": "9-18", "ADMIN_IDS": "12,abc"}
    proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", cwd=tmp_path, env=env,
                                                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    _, err = await asyncio.wait_for(proc.communicate(), timeout=60)
    text = err.decode()
    assert proc.returncode == 2 and "WORK_HOURS" in text and "ADMIN_IDS" in text and "Traceback" not in text


# ---- running modes, health, graceful stop (docs/running.md) ------------------------------------------
WEBHOOK_SECRET = "e2e_Webhook-secret-42-0123456789abcdef"
ROUTED = "Вам направлено"


def completed(server: FakeBotAPI, chat_id: int, needle: str) -> list[str]:
    return [c.text or "" for c in server.calls_of("sendMessage")
            if str(c.chat_id) == str(chat_id) and c.error is None and needle in (c.text or "")]


async def stop(proc: asyncio.subprocess.Process, within: float) -> tuple[float, str]:
    """SIGTERM, then the seconds until the process ended and its stderr."""
    loop = asyncio.get_running_loop()
    started = loop.time()
    proc.send_signal(signal.SIGTERM)
    try:
        _, err = await asyncio.wait_for(proc.communicate(), timeout=within + 10)
    except TimeoutError:
        proc.kill()
        raise
    return loop.time() - started, err.decode()


@contextlib.asynccontextmanager
async def killed_if_failing(proc: asyncio.subprocess.Process) -> AsyncIterator[None]:
    """The block plays against the running bot; if it fails, the bot is killed, not stopped."""
    try:
        yield
    except BaseException:
        proc.kill()
        await proc.communicate()
        raise


async def test_sigterm_finishes_the_notice_in_flight_leaves_the_rest_queued_and_exits_0(
        server: FakeBotAPI, tmp_path: Path) -> None:
    port = free_port()
    proc = await start_bot(server, tmp_path, WEB_PORT=str(port), SURGE_MIN_POSTS="50")
    async with killed_if_failing(proc):
        await server.wait_for_call("deleteWebhook", timeout=60)
        async with aiohttp.ClientSession() as http, http.get(f"http://127.0.0.1:{port}/healthz") as response:
            assert response.status == 200
            body = await response.json()
        assert body["mode"] == "polling" and body["database"]["ok"] and body["sender"]["alive"]

        server.push_update(server.group_message(DEPT_CHAT, ADMIN, "/bind Отдел ЖКХ"))
        await server.wait_for_call("sendMessage", sent_to(DEPT_CHAT, "подключена"), timeout=20)
        cards = []
        for n in range(3):
            server.push_update(server.user_message(
                OPERATOR, f"Жалоба номер {n}: не работает фонарь у школы {n}",
                forward_from_chat=(-100555, "Подслушано", "zelen"), forward_message_id=10 + n))
            card = await server.wait_for_call("sendMessage", sent_to(OPERATOR, "Сообщение"), timeout=20)
            cards.append(card.result["message_id"])
        for card_id in cards:
            server.push_update(server.callback(OPERATOR, OPERATOR, button(server, OPERATOR, card_id, "Отдел ЖКХ"),
                                               card_id))
            await server.wait_for_call("answerCallbackQuery", timeout=20)

        server.slow("sendMessage", 3.0, chat_id=DEPT_CHAT)      # Telegram is slow for the department's chat
        for card_id in cards:
            server.push_update(server.callback(OPERATOR, OPERATOR, button(server, OPERATOR, card_id, "Направить"),
                                               card_id))
            await server.wait_for_call("answerCallbackQuery", timeout=20)
        await server.wait_for_start("sendMessage", sent_to(DEPT_CHAT, ROUTED), timeout=20)
        assert completed(server, DEPT_CHAT, ROUTED) == []          # the first routed card is still in flight
    elapsed, err = await stop(proc, within=8)
    assert proc.returncode == 0, err[-2000:]
    assert elapsed < 6, elapsed                                  # the 3 s send, then out: not the 8 s bound
    assert "SIGTERM received" in err and "bot stopped" in err and TOKEN not in err
    assert len(completed(server, DEPT_CHAT, ROUTED)) == 1         # the one in flight was finished

    db = await open_database(await db_target(tmp_path / "bot.sqlite3"))
    try:
        assert await OutboxRepository().pending_count(db.conn) >= 2    # the others wait in the outbox
    finally:
        await db.close()

    server.clear_slow()
    proc = await start_bot(server, tmp_path)                      # the next start delivers them
    try:
        for _ in range(3):
            await server.wait_for_call("sendMessage", sent_to(DEPT_CHAT, ROUTED), timeout=30)
    finally:
        _, err = await stop(proc, within=8)
    assert proc.returncode == 0, err[-2000:]
    numbers = sorted(re.findall(r"Сообщение (\d{4}-\d{4})", " ".join(completed(server, DEPT_CHAT, ROUTED))))
    assert len(numbers) == 3 and len(set(numbers)) == 3, numbers    # each once: none lost, none twice


async def test_webhook_mode_process_takes_updates_only_with_the_secret(server: FakeBotAPI, tmp_path: Path) -> None:
    port = free_port()
    proc = await start_bot(server, tmp_path, RUN_MODE="webhook", WEBHOOK_URL="https://bot.example.test",
                           WEBHOOK_SECRET=WEBHOOK_SECRET, WEB_PORT=str(port), LOG_FORMAT="json")
    hook = f"http://127.0.0.1:{port}/telegram/webhook"
    async with killed_if_failing(proc):
        call = await server.wait_for_call("setWebhook", timeout=60)
        assert call.params["url"] == "https://bot.example.test/telegram/webhook"
        assert server.core.webhook_secret == WEBHOOK_SECRET
        assert server.core.webhook_allowed_updates is not None
        assert {"message", "callback_query"} <= set(server.core.webhook_allowed_updates)
        # issue 13 §2: member updates are asked for, and Telegram opens at most UPDATES_CONCURRENCY connections
        assert "chat_member" in server.core.webhook_allowed_updates
        assert int(call.params["max_connections"]) == 16

        async with aiohttp.ClientSession() as http:
            other_chat = -1002
            refused = server.group_message(other_chat, ADMIN, "/bind Дорожный отдел")
            async with http.post(hook, json=refused, headers={SECRET_HEADER: "wrong"}) as response:
                assert response.status == 401
            async with http.post(hook, json=refused) as response:
                assert response.status == 401
            update = server.group_message(DEPT_CHAT, ADMIN, "/bind Отдел ЖКХ")
            async with http.post(hook, json=update, headers={SECRET_HEADER: WEBHOOK_SECRET}) as response:
                assert response.status == 200
            await server.wait_for_call("sendMessage", sent_to(DEPT_CHAT, "подключена"), timeout=20)
            async with http.get(f"http://127.0.0.1:{port}/healthz") as response:
                assert response.status == 200
                assert (await response.json())["mode"] == "webhook"
        assert server.sent_texts(other_chat) == []
        assert server.get_updates_count == 0 and server.calls_of("deleteWebhook") == []
    elapsed, err = await stop(proc, within=8)
    assert proc.returncode == 0, err[-2000:]
    assert elapsed < 8
    assert server.calls_of("deleteWebhook") == [] and server.core.webhook_url    # nothing deleted on stop
    lines = [json.loads(line) for line in err.splitlines() if line.strip()]     # LOG_FORMAT=json: every line
    assert any(line["msg"] == "bot stopped" for line in lines)
    assert TOKEN not in err and WEBHOOK_SECRET not in err


async def test_sigint_stops_too_and_a_taken_port_only_turns_healthz_off_in_polling_mode(
        server: FakeBotAPI, tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        proc = await start_bot(server, tmp_path, WEB_PORT=str(port))
        try:
            await server.wait_for_call("deleteWebhook", timeout=60)
            server.push_update(server.group_message(DEPT_CHAT, ADMIN, "/bind Отдел ЖКХ"))
            await server.wait_for_call("sendMessage", sent_to(DEPT_CHAT, "подключена"), timeout=20)
        finally:
            if proc.returncode is None:
                proc.send_signal(signal.SIGINT)
            _, raw = await asyncio.wait_for(proc.communicate(), timeout=20)
    err = raw.decode()
    assert proc.returncode == 0, err[-2000:]
    assert "/healthz is off (polling goes on)" in err
    assert "SIGINT received" in err and "bot stopped" in err and "KeyboardInterrupt" not in err


async def test_webhook_mode_exits_1_when_its_port_is_taken(server: FakeBotAPI, tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        proc = await start_bot(server, tmp_path, RUN_MODE="webhook", WEBHOOK_URL="https://bot.example.test",
                               WEBHOOK_SECRET=WEBHOOK_SECRET, WEB_PORT=str(taken.getsockname()[1]))
        _, raw = await asyncio.wait_for(proc.communicate(), timeout=60)
    err = raw.decode()
    assert proc.returncode == 1, err[-2000:]
    assert "cannot listen on" in err and "level=CRITICAL" in err and "bot stopped" in err
    assert server.calls_of("setWebhook") == []                  # never told Telegram to call a dead port
    assert TOKEN not in err and WEBHOOK_SECRET not in err
