"""A Dispatcher with a small router fed with updates from tests.support.updates, on FakeSession."""

from __future__ import annotations

import pytest
from aiogram import Bot, Dispatcher, F, Router
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError, TelegramRetryAfter
from aiogram.filters import Command
from aiogram.methods import (
    AnswerCallbackQuery,
    CopyMessage,
    EditMessageText,
    GetChatMember,
    SendMediaGroup,
    SendMessage,
    SendPhoto,
)
from aiogram.types import (
    BufferedInputFile,
    CallbackQuery,
    ChatMemberUpdated,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputMediaPhoto,
    Message,
    MessageOriginChannel,
    MessageOriginHiddenUser,
    MessageOriginUser,
)

from bot.fake_telegram import FakeSession, Screen, make_bot
from tests.support.updates import (
    album,
    callback,
    group_message,
    my_chat_member,
    private_message,
)

KEYBOARD = InlineKeyboardMarkup(
    inline_keyboard=[[InlineKeyboardButton(text="Принять", callback_data="acc:1")]]
)


def build() -> tuple[Dispatcher, list[object]]:
    seen: list[object] = []
    router = Router()

    @router.message(Command("start"))
    async def start(message: Message) -> None:
        sent = await message.answer("<b>Здравствуйте</b>, &lt;гражданин&gt;", reply_markup=KEYBOARD)
        seen.append(sent)

    @router.message(F.forward_origin)
    async def forwarded(message: Message) -> None:
        seen.append(message.forward_origin)
        await message.copy_to(-1001)

    @router.message(F.photo)
    async def photo(message: Message) -> None:
        seen.append((message.photo[-1].file_id if message.photo else None, message.media_group_id))

    @router.message(F.chat.type.in_({"group", "supergroup"}), F.reply_to_message)
    async def group_reply(message: Message) -> None:
        seen.append(message.reply_to_message)
        await message.reply("Ответ принят")

    @router.callback_query(F.data.startswith("acc:"))
    async def accept(query: CallbackQuery) -> None:
        await query.answer("Принято")
        assert isinstance(query.message, Message)
        edited = await query.message.edit_text("Принято ✅")
        seen.append(edited)

    @router.my_chat_member()
    async def added(event: ChatMemberUpdated, bot: Bot) -> None:
        seen.append(event.new_chat_member.status)
        member = await bot.get_chat_member(event.chat.id, bot.id)
        seen.append(member.status)

    dp = Dispatcher()
    dp.include_router(router)
    return dp, seen


async def test_commands_callbacks_and_edits_are_recorded() -> None:
    session = FakeSession()
    bot = make_bot(session)
    dp, seen = build()

    await dp.feed_update(bot, private_message(100, "/start"))
    send = session.last(SendMessage)
    assert send.chat_id == 100
    assert send.reply_markup == KEYBOARD
    assert session.params[-1]["parse_mode"] == "HTML"  # default resolved
    sent = seen[-1]
    assert isinstance(sent, Message)
    assert sent.message_id == 1 and sent.chat.id == 100
    assert sent.text == "Здравствуйте, <гражданин>"  # Telegram strips markup, unescapes
    assert sent.reply_markup is not None
    assert sent.reply_markup.inline_keyboard[0][0].callback_data == "acc:1"
    assert sent.from_user is not None and sent.from_user.is_bot

    await dp.feed_update(bot, callback(100, 100, "acc:1", sent.message_id, message_text=sent.text or ""))
    assert session.last(AnswerCallbackQuery).text == "Принято"
    edit = session.last(EditMessageText)
    assert (edit.chat_id, edit.message_id, edit.text) == (100, 1, "Принято ✅")
    edited = seen[-1]
    assert isinstance(edited, Message)
    assert edited.text == "Принято ✅" and edited.reply_markup is None  # keyboard removed by the edit
    assert session.method_names() == ["sendMessage", "answerCallbackQuery", "editMessageText"]

    await dp.feed_update(bot, private_message(100, "/start"))
    assert session.sent_texts(100) == ["<b>Здравствуйте</b>, &lt;гражданин&gt;"] * 2
    assert session.sent_texts(200) == []
    last_sent = seen[-1]
    assert isinstance(last_sent, Message) and last_sent.message_id == 2  # ids increase per chat


async def test_forwards_albums_group_replies_and_membership() -> None:
    session = FakeSession()
    bot = make_bot(session)
    dp, seen = build()

    await dp.feed_update(
        bot,
        private_message(
            100,
            "Новость",
            forward_from_chat=(-100777, "Черкесск сегодня", "cherkessk"),
            forward_message_id=55,
        ),
    )
    origin = seen[-1]
    assert isinstance(origin, MessageOriginChannel)
    assert (origin.chat.id, origin.chat.username, origin.message_id) == (-100777, "cherkessk", 55)
    copy = session.last(CopyMessage)
    assert (copy.chat_id, copy.from_chat_id) == (-1001, 100)

    await dp.feed_update(bot, private_message(100, "x", forward_from_user=(5, "Пётр Сидоров")))
    assert isinstance(seen[-1], MessageOriginUser)
    await dp.feed_update(bot, private_message(100, "x", forward_sender_name="Скрытый"))
    assert isinstance(seen[-1], MessageOriginHiddenUser)

    for update in album(100, ["p1", "p2"], "Яма", media_group_id="g1"):
        await dp.feed_update(bot, update)
    assert seen[-2:] == [("p1", "g1"), ("p2", "g1")]

    await dp.feed_update(bot, group_message(-1001, 300, "Сделаем", reply_to_message_id=12))
    reply_to = seen[-1]
    assert isinstance(reply_to, Message) and reply_to.message_id == 12
    reply = session.last(SendMessage)
    assert reply.chat_id == -1001 and reply.text == "Ответ принят"

    await dp.feed_update(bot, my_chat_member(-1002, 300, new_status="administrator"))
    assert seen[-2:] == ["administrator", "administrator"]
    assert session.last(GetChatMember).user_id == 42


async def test_media_uploads_and_results() -> None:
    session = FakeSession()
    bot = make_bot(session)
    me = await bot.get_me()
    assert (me.id, me.username, me.is_bot) == (42, "test_bot", True)

    photo = await bot.send_photo(100, BufferedInputFile(b"\x89PNG...", "a.png"), caption="<i>фото</i>")
    assert photo.photo and photo.caption == "фото"
    assert session.last(SendPhoto).caption == "<i>фото</i>"
    by_id = await bot.send_photo(100, photo.photo[-1].file_id)
    assert by_id.photo and by_id.photo[-1].file_id == photo.photo[-1].file_id

    group = await bot.send_media_group(
        -1001, [InputMediaPhoto(media="f1", caption="1"), InputMediaPhoto(media="f2")]
    )
    assert [m.message_id for m in group] == [1, 2]
    assert group[0].media_group_id == group[1].media_group_id
    assert len(session.calls(SendMediaGroup)) == 1
    assert len(session.calls("sendPhoto")) == 2

    file = await bot.get_file(photo.photo[-1].file_id)
    assert file.file_path
    chat = await bot.get_chat(-1001)
    assert chat.type == "supergroup"
    assert await bot.delete_message(100, photo.message_id) is True
    assert await bot.set_my_commands([]) is True
    copied = await bot.copy_message(-1001, 100, by_id.message_id)
    assert copied.message_id == 3

    session.clear()
    assert session.requests == []


async def test_queued_failures_raise_aiogram_exceptions() -> None:
    session = FakeSession()
    bot = make_bot(session)

    session.fail_next("sendMessage", TelegramForbiddenError)
    with pytest.raises(TelegramForbiddenError, match="blocked"):
        await bot.send_message(100, "x")
    assert (await bot.send_message(100, "y")).text == "y"  # only the next call failed

    session.fail_next(SendMessage, status=429, retry_after=7, chat_id=200)
    assert (await bot.send_message(100, "z")).text == "z"  # other chat unaffected
    with pytest.raises(TelegramRetryAfter) as info:
        await bot.send_message(200, "z")
    assert info.value.retry_after == 7

    with pytest.raises(TelegramBadRequest, match="can't parse entities"):
        await bot.send_message(100, "a < b")
    with pytest.raises(TelegramBadRequest, match="too long"):
        await bot.send_message(100, "я" * 4097)
    sent = await bot.send_message(100, "same", reply_markup=KEYBOARD)
    with pytest.raises(TelegramBadRequest, match="not modified"):
        await bot.edit_message_text("same", chat_id=100, message_id=sent.message_id, reply_markup=KEYBOARD)

    session.fail_next("answerCallbackQuery", TimeoutError())
    with pytest.raises(TimeoutError):
        await bot.answer_callback_query("q1")


async def test_the_lean_session_answers_alike_and_keeps_nothing_but_counts() -> None:
    session = FakeSession.lean()
    bot = make_bot(session)
    first = await bot.send_message(100, "<b>как есть", reply_markup=KEYBOARD)   # the lean fake checks no HTML
    edited = await bot.edit_message_text("другой", chat_id=100, message_id=first.message_id)
    second = await bot.send_message(100, "ещё")
    assert (first.message_id, second.message_id) == (1, 2)
    assert first.reply_markup is not None and first.reply_markup.inline_keyboard[0][0].callback_data == "acc:1"
    assert isinstance(edited, Message) and edited.text == "другой"
    assert session.requests == [] and session.core.messages == {}
    assert session.core.counts == {"sendMessage": 2, "editMessageText": 1}
    assert session.core.last_message_id[100] == 2


async def test_the_screen_shows_what_a_person_reads() -> None:
    session = FakeSession()
    screen = Screen(session.core)
    bot = make_bot(session)
    sent = await bot.send_message(-1001, '<b>Карточка</b> <a href="https://vk.com/x">пост</a>', reply_markup=KEYBOARD)
    await bot.edit_message_reply_markup(chat_id=-1001, message_id=sent.message_id)
    await bot.send_photo(-1001, BufferedInputFile(b"PNG", "yard.png"), caption="<i>двор</i>")
    shown = [(c.kind, c.shown.text, c.shown.buttons, c.shown.file_label) for c in screen.changes]
    assert shown == [("new", "Карточка пост (https://vk.com/x)", [[("Принять", "acc:1")]], None),
                     ("buttons", "Карточка пост (https://vk.com/x)", [], None),
                     ("new", "двор", [], "yard.png")]
