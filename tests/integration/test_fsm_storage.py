"""SQLiteStorage against a real temporary SQLite file, alone and under a real Dispatcher."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiogram import Dispatcher, F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.fsm.storage.base import StorageKey
from aiogram.types import Message

from bot.fake_telegram import FakeSession, make_bot
from storage.connect import open_database
from storage.db import Database
from storage.fsm import SQLiteStorage
from tests.support.backend import db_target
from tests.support.updates import private_message


class Report(StatesGroup):
    waiting_link = State()
    waiting_text = State()


KEY = StorageKey(bot_id=42, chat_id=100, user_id=100)


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await open_database(await db_target(tmp_path / "db.sqlite3"))
    yield database
    await database.close()


async def count_rows(db: Database) -> int:
    row = await db.fetchone("SELECT count(*) FROM fsm_state")
    assert row is not None
    return int(row[0])


async def test_state_and_data_round_trip(db: Database) -> None:
    storage = SQLiteStorage(db)
    assert await storage.get_state(KEY) is None
    assert await storage.get_data(KEY) == {}

    await storage.set_state(KEY, Report.waiting_link)
    assert await storage.get_state(KEY) == "Report:waiting_link"
    await storage.set_state(KEY, "custom:state")
    assert await storage.get_state(KEY) == "custom:state"

    data = {"link": "https://vk.com/wall-1_2", "ids": [1, 2], "nested": {"ключ": "значение"}, "n": None}
    await storage.set_data(KEY, data)
    assert await storage.get_data(KEY) == data
    assert await storage.get_state(KEY) == "custom:state"  # data does not touch the state
    assert await storage.get_value(KEY, "ids") == [1, 2]

    row = await db.fetchone("SELECT key, data FROM fsm_state")
    assert row is not None
    assert row["key"] == "fsm:42:100:100:default"
    assert "значение" in row["data"]  # stored readable, not \u-escaped


async def test_update_data_merges_and_returns_copy(db: Database) -> None:
    storage = SQLiteStorage(db)
    await storage.set_data(KEY, {"a": 1, "b": 2})
    merged = await storage.update_data(KEY, {"b": 3, "c": 4})
    assert merged == {"a": 1, "b": 3, "c": 4}
    merged["a"] = 99
    assert await storage.get_data(KEY) == {"a": 1, "b": 3, "c": 4}
    # update_data on an empty key creates the row without a state
    other = StorageKey(bot_id=42, chat_id=7, user_id=7)
    assert await storage.update_data(other, {"x": 1}) == {"x": 1}
    assert await storage.get_state(other) is None


async def test_clearing_deletes_the_row(db: Database) -> None:
    storage = SQLiteStorage(db)
    await storage.set_state(KEY, Report.waiting_text)
    await storage.set_data(KEY, {"link": "x"})
    assert await count_rows(db) == 1

    await storage.set_state(KEY, None)
    assert await count_rows(db) == 1  # data still there
    assert await storage.get_data(KEY) == {"link": "x"}
    await storage.set_data(KEY, {})
    assert await count_rows(db) == 0

    # the other order: data cleared first, then state
    await storage.set_state(KEY, Report.waiting_link)
    await storage.set_data(KEY, {"k": 1})
    await storage.set_data(KEY, {})
    assert await storage.get_state(KEY) == "Report:waiting_link"
    await storage.set_state(KEY, None)
    assert await count_rows(db) == 0

    # clearing what does not exist is harmless and creates nothing
    await storage.set_state(KEY, None)
    await storage.set_data(KEY, {})
    assert await count_rows(db) == 0


async def test_non_json_data_raises_clear_type_error(db: Database) -> None:
    storage = SQLiteStorage(db)
    with pytest.raises(TypeError, match=r"JSON-serialisable.*'when'"):
        await storage.set_data(KEY, {"when": object(), "ok": 1})
    with pytest.raises(TypeError, match="JSON-serialisable"):
        await storage.update_data(KEY, {"s": {1, 2}})
    with pytest.raises(TypeError):
        await storage.set_state(KEY, 42)  # type: ignore[arg-type]
    assert await count_rows(db) == 0


async def test_survives_reopening_the_database(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    first = await open_database(await db_target(path))
    storage = SQLiteStorage(first)
    await storage.set_state(KEY, Report.waiting_text)
    await storage.set_data(KEY, {"link": "https://ok.ru/x"})
    await storage.close()  # must not close the shared database
    assert await first.fetchone("SELECT 1") is not None
    await first.close()

    second = await open_database(await db_target(path))
    try:
        restored = SQLiteStorage(second)
        assert await restored.get_state(KEY) == "Report:waiting_text"
        assert await restored.get_data(KEY) == {"link": "https://ok.ru/x"}
    finally:
        await second.close()


async def test_isolation_between_chats_users_bots_and_destinies(db: Database) -> None:
    storage = SQLiteStorage(db)
    keys = [
        StorageKey(bot_id=42, chat_id=100, user_id=100),
        StorageKey(bot_id=42, chat_id=-500, user_id=100),  # same user in a group
        StorageKey(bot_id=42, chat_id=-500, user_id=200),  # another user in that group
        StorageKey(bot_id=43, chat_id=100, user_id=100),  # another bot
        StorageKey(bot_id=42, chat_id=-500, user_id=100, thread_id=7),  # a forum topic
        StorageKey(bot_id=42, chat_id=100, user_id=100, destiny="other"),
    ]
    for index, key in enumerate(keys):
        await storage.set_state(key, f"s{index}")
        await storage.set_data(key, {"i": index})
    for index, key in enumerate(keys):
        assert await storage.get_state(key) == f"s{index}"
        assert await storage.get_data(key) == {"i": index}
    assert await count_rows(db) == len(keys)
    await storage.set_state(keys[0], None)
    await storage.set_data(keys[0], {})
    assert await storage.get_state(keys[1]) == "s1"
    assert await count_rows(db) == len(keys) - 1


def build_dispatcher(db: Database) -> Dispatcher:
    router = Router()

    @router.message(Command("report"))
    async def start(message: Message, state: FSMContext) -> None:
        await state.set_state(Report.waiting_link)
        await message.answer("Пришлите ссылку")

    @router.message(StateFilter(Report.waiting_link), F.text)
    async def got_link(message: Message, state: FSMContext) -> None:
        await state.update_data(link=message.text)
        await state.set_state(Report.waiting_text)
        await message.answer("Теперь текст")

    @router.message(StateFilter(Report.waiting_text), F.text)
    async def got_text(message: Message, state: FSMContext) -> None:
        data = await state.get_data()
        await state.clear()
        await message.answer(f"Готово: {data['link']} / {message.text}")

    @router.message()
    async def fallback(message: Message) -> None:
        await message.answer("Не понимаю")

    dp = Dispatcher(storage=SQLiteStorage(db))
    dp.include_router(router)
    return dp


async def test_dispatcher_keeps_state_across_restart(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    user = 555

    db = await open_database(await db_target(path))
    session = FakeSession()
    bot = make_bot(session)
    dp = build_dispatcher(db)
    await dp.feed_update(bot, private_message(user, "/report"))
    await dp.feed_update(bot, private_message(user, "https://vk.com/wall-1_2"))
    assert session.sent_texts(user) == ["Пришлите ссылку", "Теперь текст"]
    await dp.storage.close()
    await db.close()

    # "restart": a new process would build everything anew on the same file
    db = await open_database(await db_target(path))
    try:
        session = FakeSession()
        bot = make_bot(session)
        dp = build_dispatcher(db)
        await dp.feed_update(bot, private_message(user, "Во дворе яма"))
        assert session.sent_texts(user) == ["Готово: https://vk.com/wall-1_2 / Во дворе яма"]
        assert await count_rows(db) == 0  # state.clear() removed the row
        await dp.feed_update(bot, private_message(user, "ещё"))
        assert session.sent_texts(user)[-1] == "Не понимаю"
    finally:
        await db.close()
