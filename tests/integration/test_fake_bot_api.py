"""A real aiogram Bot (aiohttp session) and a real polling Dispatcher against the fake Bot API server."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiogram import Bot, Dispatcher, F, Router
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError, TelegramRetryAfter
from aiogram.filters import CommandStart
from aiogram.types import (
    BotCommand,
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputMediaPhoto,
    Message,
)

from bot.fake_telegram import FakeBotAPI, RateLimiter, RateLimits

TOKEN = "42:TEST"
KEYBOARD = InlineKeyboardMarkup(
    inline_keyboard=[[InlineKeyboardButton(text="Принять", callback_data="acc:7")]]
)


@pytest.fixture
async def server() -> AsyncIterator[FakeBotAPI]:
    async with FakeBotAPI() as api:
        yield api


def make_http_bot(url: str) -> Bot:
    session = AiohttpSession(api=TelegramAPIServer.from_base(url))
    return Bot(TOKEN, session=session, default=DefaultBotProperties(parse_mode="HTML"))


async def test_bot_methods_over_http(server: FakeBotAPI) -> None:
    bot = make_http_bot(server.url)
    try:
        me = await bot.get_me()
        assert (me.id, me.is_bot, me.username, me.can_join_groups) == (42, True, "test_bot", True)

        sent = await bot.send_message(100, "<b>Новое</b> обращение", reply_markup=KEYBOARD)
        assert (sent.message_id, sent.chat.id, sent.text) == (1, 100, "Новое обращение")
        assert sent.reply_markup is not None
        call = server.calls_of("sendMessage")[-1]
        assert call.params["chat_id"] == 100 and call.params["parse_mode"] == "HTML"
        assert call.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "acc:7"

        photo = await bot.send_photo(100, BufferedInputFile(b"PNGDATA", "pit.png"), caption="Яма")
        assert photo.message_id == 2 and photo.photo and photo.caption == "Яма"
        upload = server.calls_of("sendPhoto")[-1].files
        assert [(u.filename, u.content) for u in upload.values()] == [("pit.png", b"PNGDATA")]
        file = await bot.get_file(photo.photo[-1].file_id)
        assert file.file_path is not None
        downloaded = await bot.download_file(file.file_path)
        assert downloaded is not None and downloaded.read() == b"PNGDATA"

        again = await bot.send_photo(-1001, photo.photo[-1].file_id)  # by file_id, no upload
        assert again.photo and again.photo[-1].file_id == photo.photo[-1].file_id
        album = await bot.send_media_group(
            -1001,
            [
                InputMediaPhoto(media=BufferedInputFile(b"1", "1.jpg"), caption="один"),
                InputMediaPhoto(media=photo.photo[-1].file_id),
            ],
        )
        assert [m.message_id for m in album] == [2, 3] and album[0].media_group_id

        edited = await bot.edit_message_text("Принято", chat_id=100, message_id=sent.message_id)
        assert isinstance(edited, Message) and edited.text == "Принято" and edited.reply_markup is None
        with pytest.raises(TelegramBadRequest, match="not modified"):
            await bot.edit_message_text("Принято", chat_id=100, message_id=sent.message_id)
        assert await bot.answer_callback_query("cbq-1", text="Готово") is True
        copied = await bot.copy_message(-1001, 100, photo.message_id)
        assert copied.message_id == 4
        forwarded = await bot.forward_message(-1001, 100, sent.message_id)
        assert forwarded.forward_origin is not None and forwarded.text == "Принято"

        await bot.set_my_commands([BotCommand(command="start", description="Начать")])
        assert [c.command for c in await bot.get_my_commands()] == ["start"]
        assert await bot.delete_webhook(drop_pending_updates=True) is True
        assert (await bot.get_chat(-1001)).type == "supergroup"
        assert (await bot.get_chat_member(-1001, 42)).status == "administrator"
        assert await bot.pin_chat_message(-1001, 1) is True
        assert await bot.send_chat_action(100, "typing") is True  # generic fallback

        server.fail_next("sendMessage", status=403, chat_id=100)
        with pytest.raises(TelegramForbiddenError):
            await bot.send_message(100, "x")
    finally:
        await bot.session.close()


async def test_json_urlencoded_and_query_bodies(server: FakeBotAPI) -> None:
    async with aiohttp.ClientSession() as http:
        base = f"{server.url}/bot{TOKEN}"
        async with http.post(f"{base}/sendMessage", json={"chat_id": 5, "text": "json"}) as resp:
            body = await resp.json()
        assert body["ok"] and body["result"]["text"] == "json"
        async with http.post(f"{base}/SENDMESSAGE", data={"chat_id": "5", "text": "123"}) as resp:
            body = await resp.json()
        assert body["result"]["text"] == "123" and body["result"]["message_id"] == 2
        async with http.get(f"{base}/getMe") as resp:
            assert (await resp.json())["result"]["is_bot"] is True
        async with http.get(f"{base}/getUpdates", params={"timeout": "0"}) as resp:
            assert (await resp.json()) == {"ok": True, "result": []}
        async with http.post(f"{base}/someFutureMethod", data={"x": "1"}) as resp:
            assert (await resp.json()) == {"ok": True, "result": True}
    assert [c.method for c in server.calls] == ["sendMessage", "sendMessage", "getMe", "someFutureMethod"]
    assert server.calls[1].params == {"chat_id": 5, "text": "123"}


async def test_polling_dispatcher_plays_a_conversation(server: FakeBotAPI) -> None:
    router = Router()

    @router.message(CommandStart())
    async def start(message: Message) -> None:
        await message.answer(
            f"Привет, {message.from_user.first_name if message.from_user else ''}", reply_markup=KEYBOARD
        )

    @router.message(F.forward_origin)
    async def forwarded(message: Message) -> None:
        await message.reply("Пересланное принято")

    @router.callback_query(F.data == "acc:7")
    async def accept(query: CallbackQuery) -> None:
        await query.answer("Принято")
        assert isinstance(query.message, Message)
        await query.message.edit_text("Принято ✅")

    dp = Dispatcher()
    dp.include_router(router)
    bot = make_http_bot(server.url)
    polling = asyncio.create_task(dp.start_polling(bot, handle_signals=False, polling_timeout=5))
    try:
        server.push_update(server.user_message(100, "/start"))
        greeting = await server.wait_for_call("sendMessage", timeout=10)
        assert greeting.params["text"] == "Привет, Иван" and greeting.params["chat_id"] == 100
        greeting_id = greeting.result["message_id"]

        server.push_update(server.callback(100, 100, "acc:7", greeting_id))
        answer = await server.wait_for_call("answerCallbackQuery")
        assert answer.params["text"] == "Принято"
        edit = await server.wait_for_call("editMessageText")
        assert (edit.params["message_id"], edit.params["text"]) == (greeting_id, "Принято ✅")

        server.push_update(
            server.user_message(
                100, "Новость", forward_from_chat=(-100777, "Канал", "chan"), forward_message_id=9
            )
        )
        reply = await server.wait_for_call(
            "sendMessage", lambda c: c.params.get("text") == "Пересланное принято"
        )
        assert (
            reply.params["reply_parameters"]["message_id"] == reply.result["reply_to_message"]["message_id"]
        )
        assert [c.method for c in server.calls[:1]] == ["getMe"]  # start_polling identifies the bot first
    finally:
        await dp.stop_polling()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(polling, 10)
    assert polling.done() and polling.exception() is None


async def test_rate_limits_answer_429() -> None:
    api = FakeBotAPI(enforce_limits=True)
    await api.start()
    bot = make_http_bot(api.url)
    try:
        await bot.send_message(100, "first")
        with pytest.raises(TelegramRetryAfter) as info:
            await bot.send_message(100, "second")  # 1 message/s per private chat
        assert info.value.retry_after == 1
        await bot.send_message(200, "other chat is fine")
        await bot.edit_message_text("edits are not counted", chat_id=100, message_id=1)
        assert [(v.scope, v.chat_id) for v in api.violations] == [("private", 100)]
        assert api.calls_of("sendMessage")[1].status == 429
    finally:
        await bot.session.close()
        await api.stop()


def test_rate_limiter_windows() -> None:
    now = [0.0]
    limiter = RateLimiter(
        RateLimits(global_per_second=3, private_per_second=1, group_per_minute=2), lambda: now[0]
    )
    limiter.check("sendMessage", -5)
    limiter.check("sendPhoto", "-5")
    with pytest.raises(Exception, match="retry after 60") as info:
        limiter.check("copyMessage", -5)  # third in a minute for a group
    assert getattr(info.value, "retry_after", None) == 60
    limiter.check("sendMessage", 1)
    with pytest.raises(Exception, match="retry after 1"):
        limiter.check("sendMessage", 2)  # fourth in a second overall
    limiter.check("editMessageText", 1)  # not a send
    now[0] = 30.5
    limiter.check("sendMessage", 2)
    with pytest.raises(Exception, match="retry after 30"):
        limiter.check("sendMessage", -5)
    now[0] = 60.1
    limiter.check("sendMessage", -5)
    assert [v.scope for v in limiter.violations] == ["group", "global", "group"]
    assert limiter.accepted == 5
