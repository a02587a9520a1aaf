"""`python -m bot` as a process against a local fake Bot API server: a case from forward to screenshot."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.fake_bot_api import ApiCall, FakeBotAPI

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "123456:TEST-token-for-the-fake-server-abcdef"
ADMIN, OPERATOR, EXECUTOR = 1, 100, 201
DEPT_CHAT = -1001


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
    api = FakeBotAPI()
    await api.start()
    yield api
    await api.stop()


async def start_bot(server: FakeBotAPI, tmp_path: Path) -> asyncio.subprocess.Process:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "DEADLINE_", "WORK_"))}
    env.update(BOT_TOKEN=TOKEN, TELEGRAM_API_URL=server.url, DATABASE_PATH=str(tmp_path / "bot.sqlite3"),
               CALENDAR_PATH=str(tmp_path / "calendar.json"), ADMIN_IDS=str(ADMIN), OPERATOR_IDS=str(OPERATOR),
               WORK_HOURS="00:00-24:00", WORK_DAYS="mon,tue,wed,thu,fri,sat,sun", LOG_LEVEL="INFO",
               PYTHONPATH=str(ROOT))
    return await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", cwd=tmp_path, env=env,
                                                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)


async def test_bot_process_plays_a_case_from_forward_to_screenshot(server: FakeBotAPI, tmp_path: Path) -> None:
    proc = await start_bot(server, tmp_path)
    try:
        await server.wait_for_call("deleteWebhook", timeout=60)
        server.push_update(server.group_message(DEPT_CHAT, ADMIN, "/bind Отдел ЖКХ"))
        await server.wait_for_call("sendMessage", sent_to(DEPT_CHAT, "подключена"), timeout=20)

        server.push_update(server.user_message(
            OPERATOR, "Не вывозят мусор на ул. Ленина", forward_from_chat=(-100555, "Подслушано", "zelen"),
            forward_message_id=7))
        card = await server.wait_for_call("sendMessage", sent_to(OPERATOR, "Сообщение"), timeout=20)
        card_id = card.result["message_id"]

        async def press(user: int, chat: int, message_id: int, label: str) -> None:
            data = button(server, chat, message_id, label)
            server.push_update(server.callback(user, chat, data, message_id))
            await server.wait_for_call("answerCallbackQuery", timeout=20)

        await press(OPERATOR, OPERATOR, card_id, "Отдел ЖКХ")
        await press(OPERATOR, OPERATOR, card_id, "Направить")
        dept_card = await server.wait_for_call("sendMessage", sent_to(DEPT_CHAT, "Вам направлено"), timeout=20)
        dept_card_id = dept_card.result["message_id"]
        await press(EXECUTOR, DEPT_CHAT, dept_card_id, "Принять в работу")
        await server.wait_for_call("editMessageText", sent_to(DEPT_CHAT, "в работе"), timeout=20)
        await press(EXECUTOR, DEPT_CHAT, dept_card_id, "Подготовить ответ")
        kinds = await server.wait_for_call("sendMessage", sent_to(DEPT_CHAT, "Что готовите"), timeout=20)
        await press(EXECUTOR, DEPT_CHAT, kinds.result["message_id"], "Ответ")
        await server.wait_for_call("sendMessage", sent_to(DEPT_CHAT, "Пришлите текст"), timeout=20)
        server.push_update(server.group_message(DEPT_CHAT, EXECUTOR, "Мусор вывезен, график восстановлен."))
        preview = await server.wait_for_call("sendMessage", sent_to(DEPT_CHAT, "Предпросмотр"), timeout=20)
        await press(EXECUTOR, DEPT_CHAT, preview.result["message_id"], "На согласование")
        draft = await server.wait_for_call("sendMessage", sent_to(OPERATOR, "Согласуйте"), timeout=20)
        await press(OPERATOR, OPERATOR, draft.result["message_id"], "Согласовать")
        approved = await server.wait_for_call("sendMessage", sent_to(DEPT_CHAT, "Опубликуйте ответ"), timeout=20)
        server.push_update(server.group_message(DEPT_CHAT, EXECUTOR, None, photo_file_ids=["shot-1"],
                                                reply_to_message_id=approved.result["message_id"]))
        shot = await server.wait_for_call("sendPhoto", lambda c: str(c.chat_id) == str(OPERATOR), timeout=20)
        assert "Скриншот" in (shot.text or "")
        await server.wait_for_call("editMessageText", sent_to(OPERATOR, "Закрыто"), timeout=20)
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
        try:
            _, err = await asyncio.wait_for(proc.communicate(), timeout=30)
        except TimeoutError:
            proc.kill()
            raise
    assert proc.returncode == 0, err.decode()[-2000:]
    assert TOKEN not in err.decode()


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
