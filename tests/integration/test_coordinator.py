"""The coordinator (cl. 2, issue 14 §3): /bind_coordinator, its read-only /open and /case across organisations,
/rating — all through a real Dispatcher on the fake Telegram."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiogram.methods import SendDocument, SendPhoto

from bot import texts
from bot.fake_telegram.updates import migration_dicts
from bot.runtime.clock import FakeClock
from handlers.coordinator import CoordCaseCb
from tests.conftest import msk
from tests.integration.test_ratings import ADM, MIN, ZEL, Data, answer
from tests.support import updates
from tests.support.harness import ADMIN, DEPT_A_CHAT, EXEC_A, HEAD_CHAT, OPERATOR, Harness, bound_harness
from tests.support.members import in_public_group

COORD = 700           # a person of the directorate (COORDINATOR_IDS), private chat
COORD_CHAT = -7000    # the directorate's group
NOW = msk(2026, 12, 10, 12, 0)


@pytest.fixture
async def h(tmp_path: Path) -> AsyncIterator[Harness]:
    async with bound_harness(tmp_path, FakeClock(NOW), coordinator_ids=[COORD]) as harness:
        yield harness


async def seed_cases(h: Harness) -> dict[str, int]:
    """No. 1's 2026-0001 (overdue now), ZEL's ZEL-2026-0001 (answered) and ZEL-2026-0002 (open, not due),
    the ministry's MIN-2026-0001 (overdue now)."""
    d = Data(h.app.db)
    await d.orgs(department=False)
    ids = {}
    for key, org, seq, status, due in (("adm", ADM, 1, "in_work", msk(2026, 12, 10, 11)),
                                       ("zel1", ZEL, 1, "closed", msk(2026, 12, 9, 12)),
                                       ("zel2", ZEL, 2, "in_work", msk(2026, 12, 10, 15)),
                                       ("min", MIN, 1, "in_work", msk(2026, 12, 10, 9, 30))):
        prefix = {ADM: "", ZEL: "ZEL-", MIN: "MIN-"}[org]          # the numbers the organisations give
        ids[key] = await d.case(org, detected=due.replace(hour=9), status=status, number=f"{prefix}2026-{seq:04d}",
                                deadlines=(answer(due, due if status == "closed" else None,
                                                  "met" if status == "closed" else None),))
    return ids


async def bind(h: Harness) -> None:
    await h.say_in(COORD_CHAT, ADMIN, "/bind_coordinator", chat_title="Дирекция")


async def test_admin_binds_the_directorates_group_and_it_gets_its_menu(h: Harness) -> None:
    await bind(h)
    assert h.session.sent_texts(COORD_CHAT) == [texts.BOUND_COORDINATOR]
    assert await h.app.access.coordinator_chat_id() == COORD_CHAT
    menu = h.session.core.commands[
        '[{"chat_id": -7000, "type": "chat"}, ""]']
    assert [c["command"] for c in menu] == ["open", "case", "rating", "help"]
    await h.say_in(COORD_CHAT, 555, "/help")            # anyone of the group is the coordinator
    assert h.session.sent_texts(COORD_CHAT)[-1] == texts.GROUP_COORDINATOR_HELP


@pytest.mark.parametrize(("chat", "user", "answer_text"), [
    (DEPT_A_CHAT, ADMIN, texts.BIND_COORDINATOR_IS_DEPARTMENT.format(name="Отдел ЖКХ")),
    (HEAD_CHAT, ADMIN, texts.BIND_COORDINATOR_IS_HEAD),
    (COORD_CHAT, EXEC_A, texts.ADMIN_ONLY),
    (ADMIN, ADMIN, texts.BIND_IN_GROUP),
])
async def test_bind_coordinator_refused_in_a_bound_group_a_private_chat_or_for_a_non_admin(
        h: Harness, chat: int, user: int, answer_text: str) -> None:
    if chat > 0:
        await h.say(user, "/bind_coordinator")
    else:
        await h.say_in(chat, user, "/bind_coordinator")
    assert h.session.sent_texts(chat)[-1] == answer_text
    assert await h.app.access.coordinator_chat_id() is None


async def test_bind_coordinator_refused_in_a_public_group(h: Harness) -> None:
    await h.feed(in_public_group(-1005, ADMIN, "/bind_coordinator"))
    assert h.session.sent_texts(-1005) == [texts.BIND_PUBLIC_GROUP]
    assert await h.app.access.coordinator_chat_id() is None


async def test_coordinators_group_upgraded_to_a_supergroup_stays_the_coordinators(h: Harness) -> None:
    await bind(h)
    await h.feed([updates.to_update(u) for u in migration_dicts(COORD_CHAT, -100_7000, ADMIN, chat_title="Дирекция")])
    assert await h.app.access.coordinator_chat_id() == -100_7000
    assert any("чат координатора" in t for t in h.session.sent_texts(ADMIN))


async def test_coordinator_private_start_lists_its_commands(h: Harness) -> None:
    await h.say(COORD, "/start")
    assert h.session.sent_texts(COORD)[-1] == texts.START_COORDINATOR.format(name="Иван Петров")


async def test_coordinator_open_lists_every_organisation_grouped_overdue_first(h: Harness) -> None:
    await seed_cases(h)
    await h.say(COORD, "/open")
    text = h.session.sent_texts(COORD)[-1]
    # Администрация and Минстрой each have one overdue, Зеленчукский none: the overdue ones first, by name.
    assert text.index("<b>Администрация</b> — открыто 1, просрочено 1") < text.index("<b>Минстрой КЧР</b>") \
        < text.index("<b>Зеленчукский район</b> — открыто 1, просрочено 0")
    assert "<b>MIN-2026-0001</b> · Минстрой КЧР" in text and "<b>2026-0001</b> · Администрация" in text
    assert "ZEL-2026-0001" not in text                  # closed


async def test_coordinator_case_by_prefixed_number_shows_card_and_history_with_the_transfer_alone(h: Harness) -> None:
    await seed_cases(h)
    await h.say(COORD, "/case zel-2026-0002")
    card = h.session.sent_texts(COORD)[0]
    assert card.startswith("🏛 <b>Зеленчукский район</b> · только просмотр\n\n")
    assert "ZEL-2026-0002" in card and "История" in "".join(h.session.sent_texts(COORD))
    first, *rest = h.chat(COORD)
    # read-only: the one button is the directorate's own step, moving the post to another organisation
    assert [b.text for row in (first.markup.inline_keyboard if first.markup else []) for b in row] == [
        "Передать в другую организацию"]
    assert all(m.markup is None for m in rest)


async def test_coordinator_bare_number_of_several_organisations_asks_which_with_buttons(h: Harness) -> None:
    ids = await seed_cases(h)
    await h.say(COORD, "/case 2026-0001")
    question = h.last(COORD)
    assert question.text == texts.COORD_CASE_WHICH.format(number="2026-0001")
    assert h.labels(COORD, question.message_id) == ["Администрация · 2026-0001", "Зеленчукский район · ZEL-2026-0001",
                                                    "Минстрой КЧР · MIN-2026-0001"]
    await h.press(COORD, COORD, "Минстрой КЧР")
    assert any("Минстрой КЧР" in t and "MIN-2026-0001" in t for t in h.texts(COORD))
    # the same button forged by an operator shows nothing
    before = len(h.session.sent_texts(OPERATOR))
    await h.feed(updates.callback(OPERATOR, OPERATOR, CoordCaseCb(case_id=ids["min"]).pack(), 1))
    assert h.alerts()[-1] == texts.COORD_ONLY
    assert len(h.session.sent_texts(OPERATOR)) == before


async def test_coordinator_case_missing_or_malformed(h: Harness) -> None:
    await seed_cases(h)
    await h.say(COORD, "/case ZEL-2026-0099")
    assert h.session.sent_texts(COORD)[-1] == texts.error_text("case_not_found")
    await h.say(COORD, "/case что-то")
    assert h.session.sent_texts(COORD)[-1] == texts.COORD_CASE_USAGE
    await h.say(COORD, "/case")
    assert h.session.sent_texts(COORD)[-1] == texts.COORD_CASE_USAGE


async def test_rating_in_the_coordinators_group_sends_text_xlsx_and_chart(h: Harness) -> None:
    await seed_cases(h)
    await bind(h)
    await h.say_in(COORD_CHAT, 555, "/rating 2026-12")
    assert "Рейтинг организаций" in h.session.sent_texts(COORD_CHAT)[-1]
    assert h.session.last(SendDocument).document.filename == "rating_2026-12-01_2026-12-31.xlsx"  # type: ignore[union-attr]
    assert h.session.last(SendPhoto).caption == texts.RATING_PNG_CAPTION.format(period="01.12.2026 — 31.12.2026")


async def test_rating_bad_period_and_not_the_coordinator(h: Harness) -> None:
    await h.say(COORD, "/rating позавчера-вчера")
    assert h.session.sent_texts(COORD)[-1] == texts.RATING_USAGE.format(value="позавчера-вчера")
    await h.say(OPERATOR, "/rating month")
    assert h.session.sent_texts(OPERATOR)[-1] == texts.RATING_ONLY_COORDINATOR


async def test_start_sets_the_coordinators_menu_in_its_chats_and_skips_one_telegram_refuses() -> None:
    from aiogram.exceptions import TelegramBadRequest
    from aiogram.methods import SetMyCommands

    from bot.app.container import set_commands
    from bot.fake_telegram import FakeSession, make_bot

    class Refusing(FakeSession):
        async def make_request(self, bot, method, timeout=None):  # type: ignore[no-untyped-def, override]  # noqa: ASYNC109
            scope = getattr(method, "scope", None)
            if isinstance(method, SetMyCommands) and getattr(scope, "chat_id", None) == 666:
                raise TelegramBadRequest(method, "Bad Request: chat not found")
            return await super().make_request(bot, method, timeout)

    session = Refusing()
    await set_commands(make_bot(session), [COORD, 666, COORD_CHAT])
    chats = [r.scope.chat_id for r in session.requests if isinstance(r, SetMyCommands)   # type: ignore[union-attr]
             and getattr(r.scope, "chat_id", None) is not None]
    assert chats == [COORD, COORD_CHAT]
    assert [c["command"] for c in session.core.commands['[{"chat_id": 700, "type": "chat"}, ""]']] == [
        "open", "case", "rating", "help"]


@pytest.mark.parametrize("command", ["/bind Отдел благоустройства", "/bind_head"])
async def test_the_coordinators_group_is_not_bound_as_a_department_or_the_heads(h: Harness, command: str) -> None:
    await bind(h)
    await h.say_in(COORD_CHAT, ADMIN, command)
    assert h.session.sent_texts(COORD_CHAT)[-1] == texts.error_text("chat_is_coordinator")
    assert await h.app.access.department_for_chat(COORD_CHAT) is None
    assert await h.app.access.head_org(COORD_CHAT) is None
    assert await h.app.access.coordinator_chat_id() == COORD_CHAT


async def test_open_in_the_coordinators_group_names_every_organisation(h: Harness) -> None:
    await seed_cases(h)
    await bind(h)
    await h.say_in(COORD_CHAT, 555, "/open")
    text = h.session.sent_texts(COORD_CHAT)[-1]
    assert text.startswith(texts.COORD_OPEN_TITLE)
    assert all(name in text for name in ("Администрация", "Минстрой КЧР", "Зеленчукский район"))
