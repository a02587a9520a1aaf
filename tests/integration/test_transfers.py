"""Transfers between organisations (issue 14 §5) through a real Dispatcher with the recording fake Telegram:
«Передать в другую организацию», the receiving organisation's card, «Вернуть (не наша компетенция)», a
duplicate joined on transfer, the coordinator transferring, forged buttons; and who owns which clock."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot import texts
from bot.domain import workflow
from bot.domain.model import Case, Outcome, Status
from bot.domain.orgs import OrgKind, Scope
from bot.runtime.clock import FakeClock
from bot.services.retention import RetentionService
from handlers import keyboards
from handlers.callbacks import CaseCb, Op
from storage.cases import CaseRepository
from storage.orgs import OrganisationRepository
from storage.reports import ReportRepository
from storage.transfers import TransferRepository
from tests.conftest import MSK, msk
from tests.integration.test_handlers import forward_post
from tests.support import updates
from tests.support.harness import ADMIN, DEPT_A_CHAT, EXEC_A, OPERATOR, Harness, bound_harness

OP_B = 400                  # an operator of the ministry (organisation B)
COORD = 700                 # a person of the republic's directorate (COORDINATOR_IDS)
DEPT_MIN_CHAT = -1003       # the ministry's department
EXEC_MIN = 401
MINISTRY, ARCHIVED = 2, 3
REASON = "Дорога республиканского значения"
INVALID = texts.ERRORS["invalid_transition"]


async def add_ministry(h: Harness) -> None:
    """Organisation B (the ministry) with its operator and a department; an archived organisation C."""
    await h.say_in(DEPT_MIN_CHAT, ADMIN, "/bind Отдел дорог Минстроя", chat_title="Отдел дорог Минстроя")
    orgs = OrganisationRepository()
    async with h.app.db.transaction() as conn:
        await orgs.add(conn, "Минстрой КЧР", "MIN", OrgKind.REPUBLIC, h.clock.now())
        await orgs.add(conn, "Упразднённый комитет", "OLD", OrgKind.REPUBLIC, h.clock.now())
        await orgs.archive(conn, ARCHIVED, True)
        await conn.execute("INSERT INTO operators (user_id, full_name, added_at, active, org_id) VALUES (?, ?, ?, 1, ?)",
                           (OP_B, "Оператор Минстроя", "2026-12-01T07:00:00.000000Z", MINISTRY))
        await conn.execute("UPDATE departments SET org_id = ? WHERE chat_id = ?", (MINISTRY, DEPT_MIN_CHAT))


@pytest.fixture
async def h(tmp_path: Path, clock: FakeClock) -> AsyncIterator[Harness]:
    async with bound_harness(tmp_path, clock, coordinator_ids=[COORD]) as harness:
        await add_ministry(harness)
        yield harness


async def transfer(h: Harness, user_id: int, reason: str = REASON, org: str = "Минстрой КЧР") -> str:
    await h.press(user_id, user_id, "Передать в другую организацию")
    ask = h.find(user_id, "В какую организацию передать")
    assert h.labels(user_id, ask.message_id) == ["Минстрой КЧР"]      # not its own, not the archived one
    await h.press(user_id, user_id, org, ask.message_id)
    assert "Напишите причину передачи" in h.texts(user_id)[-1]
    await h.say(user_id, reason)
    return h.texts(user_id)[-1]


def deadline(case: Case, rule: str):  # type: ignore[no-untyped-def]
    return [d for d in case.deadlines if d.rule == rule][-1]


async def received_case(h: Harness) -> Case:
    case = (await h.app.cases.get_by_number("MIN-2026-0001", scope=Scope.all()))
    assert case.org_id == MINISTRY
    return case


async def route_and_answer_in_b(h: Harness) -> None:
    """B's operator routes the received case to B's department, which answers; the screenshot closes it."""
    await h.press(OP_B, OP_B, "Отдел дорог Минстроя")
    await h.press(OP_B, OP_B, "Направить")
    assert "Сообщение MIN-2026-0001" in h.texts(DEPT_MIN_CHAT)[-1]
    await h.press(EXEC_MIN, DEPT_MIN_CHAT, "Принять в работу")
    await h.press(EXEC_MIN, DEPT_MIN_CHAT, "Подготовить ответ")
    await h.press(EXEC_MIN, DEPT_MIN_CHAT, "Ответ")
    await h.say_in(DEPT_MIN_CHAT, EXEC_MIN, "Ремонт дороги запланирован на весну.")
    await h.press(EXEC_MIN, DEPT_MIN_CHAT, "На согласование")
    await h.press(OP_B, OP_B, "Согласовать")
    shot = h.find(DEPT_MIN_CHAT, "скриншот")
    await h.say_in(DEPT_MIN_CHAT, EXEC_MIN, None, photo_file_ids=["shot-1"], reply_to_message_id=shot.message_id)


async def test_transfer_leaves_the_givers_miss_with_the_giver_and_keeps_the_answer_clock(h: Harness) -> None:
    case_id = await forward_post(h)                                   # 10:00: route by 10:30, answer by 13:00
    answer_due = deadline(await h.app.cases.get(case_id, scope=Scope.all()), "answer").due_at
    h.clock.set(msk(2026, 12, 1, 10, 45))                             # A's operator missed the routing
    done = await transfer(h, OPERATOR)
    assert "передано в «Минстрой КЧР»: там это MIN-2026-0001" in done
    given = await h.app.cases.get(case_id, scope=Scope.all())
    assert given.status == Status.TRANSFERRED and not given.is_open
    route = deadline(given, "route")
    assert route.outcome == Outcome.MISSED and route.blame == (f"operator:{OPERATOR}",)    # A's miss stays A's
    assert deadline(given, "answer").outcome == Outcome.CANCELLED                         # not A's miss
    got = await received_case(h)
    assert got.detected_at == given.detected_at and got.status == Status.NEW
    assert deadline(got, "answer").due_at == answer_due and deadline(got, "answer").is_open  # cl. 6 unchanged
    assert deadline(got, "route").started_at == msk(2026, 12, 1, 10, 45)                  # B routes from receipt
    # B's operator has the card and the transfer with its reason and the button to give it back
    note = h.find(OP_B, "Из организации «Администрация» передано сообщение 2026-0001")
    assert REASON in note.text and "13:00" in note.text
    assert h.labels(OP_B, note.message_id) == ["Вернуть (не наша компетенция)"]
    h.find(OP_B, "Сообщение MIN-2026-0001")
    # A's card says where it went; A's /open no longer lists it
    card = h.find(OPERATOR, "📤 Передано в «Минстрой КЧР»")
    assert card.method == "editMessageText" and "Сообщение 2026-0001" in card.text
    assert not any("Передать" in label for label in h.labels(OPERATOR, card.message_id))
    await h.say(OPERATOR, "/open")
    assert not re.search(r"(?<![A-Z]-)2026-0001", h.texts(OPERATOR)[-1])
    # B routes it and answers in time: the answer is B's, met
    await route_and_answer_in_b(h)
    got = await received_case(h)
    assert got.status == Status.CLOSED
    assert deadline(got, "answer").outcome == Outcome.MET
    assert all(d.outcome != Outcome.MISSED for d in got.deadlines)                       # nothing of A's on B
    history_at = h.button(OP_B, "История")[0]
    await h.press(OP_B, OP_B, "История", history_at)
    history = "\n".join(h.texts(OP_B)[-2:])
    assert "В организации «Администрация» (сообщение 2026-0001)" in history and "заведено" in history


async def test_receiver_refuses_back_and_the_givers_case_is_open_again_with_its_due_time(h: Harness) -> None:
    case_id = await forward_post(h)
    answer_due = deadline(await h.app.cases.get(case_id, scope=Scope.all()), "answer").due_at
    h.clock.set(msk(2026, 12, 1, 10, 10))
    await transfer(h, OPERATOR)
    h.clock.set(msk(2026, 12, 1, 10, 20))
    await h.press(OP_B, OP_B, "Вернуть (не наша компетенция)")
    assert "Почему сообщение MIN-2026-0001 не ваша компетенция" in h.texts(OP_B)[-1]
    await h.say(OP_B, "Дорога муниципальная, не республиканская")
    assert "возвращено в «Администрация»" in h.texts(OP_B)[-1]
    back = await h.app.cases.get(case_id, scope=Scope.all())
    assert back.status == Status.NEW and back.is_open
    assert back.open_deadline("answer").due_at == answer_due                             # type: ignore[union-attr]
    assert back.open_deadline("route").started_at == msk(2026, 12, 1, 10, 20)          # type: ignore[union-attr]
    told = h.find(OPERATOR, "вернула сообщение 2026-0001")
    assert "Дорога муниципальная, не республиканская" in told.text
    assert (await received_case(h)).status == Status.TRANSFERRED
    row = await h.app.db.conn.execute_fetchall("SELECT state, refused_reason FROM transfers")
    assert [tuple(r) for r in row] == [("refused", "Дорога муниципальная, не республиканская")]
    # the giver's card routes again
    card = h.find(OPERATOR, "Новое — ждёт направления")
    assert card.method == "editMessageText" and "Сообщение 2026-0001" in card.text
    assert "Направить" in h.labels(OPERATOR, card.message_id)


async def test_refusal_back_is_refused_once_the_receiver_routed_the_case(h: Harness) -> None:
    await forward_post(h)
    await transfer(h, OPERATOR)
    refuse_at, data = h.button(OP_B, "Вернуть (не наша компетенция)")
    await h.press(OP_B, OP_B, "Отдел дорог Минстроя")
    await h.press(OP_B, OP_B, "Направить")
    await h.feed(updates.callback(OP_B, OP_B, data, refuse_at))
    assert h.alerts()[-1] == INVALID
    assert (await received_case(h)).status == Status.ROUTED


async def test_transfer_joins_the_receivers_open_case_of_the_same_post(h: Harness) -> None:
    case_id = await forward_post(h)
    given = await h.app.cases.get(case_id, scope=Scope.all())
    own = Case(number="", status=Status.NEW, platform=given.platform, text=given.text, detected_at=given.detected_at,
               operator_id=OP_B, link=given.link, link_norm=given.link_norm, org_id=MINISTRY)
    workflow.register(own, h.app.deadlines)
    async with h.app.db.transaction() as conn:                      # B registered the same post itself
        await CaseRepository().add(conn, own, h.clock.now())
    done = await transfer(h, OPERATOR)
    assert "у неё уже есть эта публикация (MIN-2026-0001), присоединено" in done
    assert (await h.app.cases.get(case_id, scope=Scope.all())).status == Status.TRANSFERRED
    rows = await h.app.db.conn.execute_fetchall("SELECT state, to_case_id FROM transfers")
    assert [tuple(r) for r in rows] == [("joined", own.id)]
    count = await h.app.db.conn.execute_fetchall("SELECT COUNT(*) FROM cases WHERE org_id = ?", (MINISTRY,))
    assert count[0][0] == 1                                           # no second case in B
    note = h.find(OP_B, "та же публикация уже у вас — MIN-2026-0001")
    assert REASON in note.text and not h.labels(OP_B, note.message_id)                 # nothing to give back


async def test_coordinator_transfers_a_case_between_organisations(h: Harness) -> None:
    case_id = await forward_post(h)
    # the button the coordinator's read-only card carries (handlers/keyboards.transfer_button)
    markup = keyboards.transfer_button(await h.app.cases.get(case_id, scope=Scope.all()))
    assert markup is not None and markup.inline_keyboard[0][0].text == "Передать в другую организацию"
    data = markup.inline_keyboard[0][0].callback_data
    assert data == CaseCb(op=Op.TRANSFER, case_id=case_id).pack()
    await h.feed(updates.callback(COORD, COORD, data, 1))
    ask = h.find(COORD, "В какую организацию передать сообщение 2026-0001")
    await h.press(COORD, COORD, "Минстрой КЧР", ask.message_id)
    await h.say(COORD, "Решение дирекции: вопрос министерства")
    assert "там это MIN-2026-0001" in h.texts(COORD)[-1]
    rows = await h.app.db.conn.execute_fetchall("SELECT by_id, by_role, from_org, to_org FROM transfers")
    assert [tuple(r) for r in rows] == [(COORD, "coordinator", 1, MINISTRY)]
    assert (await h.app.cases.get(case_id, scope=Scope.all())).status == Status.TRANSFERRED
    assert keyboards.transfer_button(await h.app.cases.get(case_id, scope=Scope.all())) is None           # not twice


async def test_forged_transfer_buttons_are_answered_not_found_and_change_nothing(h: Harness) -> None:
    case_id = await forward_post(h)
    card = h.find(OPERATOR, "Сообщение 2026-0001")
    for org in (1, ARCHIVED, 999):                                  # own, archived, missing organisation
        await h.feed(updates.callback(OPERATOR, OPERATOR, CaseCb(op=Op.TRANSFER_TO, case_id=case_id, arg=org).pack(),
                                      card.message_id))
        assert h.alerts()[-1] == "Не нашёл такую организацию."
    # B's operator forging a transfer of A's case: the same answer as a missing case
    await h.feed(updates.callback(OP_B, OP_B, CaseCb(op=Op.TRANSFER, case_id=case_id).pack(), 1))
    assert h.alerts()[-1] == "Не нашёл такое сообщение."
    await h.feed(updates.callback(OP_B, OP_B, CaseCb(op=Op.TRANSFER, case_id=9999).pack(), 1))
    assert h.alerts()[-1] == "Не нашёл такое сообщение."
    # giving back a case that was not received by transfer
    await h.feed(updates.callback(OPERATOR, OPERATOR, CaseCb(op=Op.REFUSE_TRANSFER, case_id=case_id).pack(),
                                  card.message_id))
    assert "только сообщение, полученное передачей" in h.alerts()[-1]
    assert (await h.app.cases.get(case_id, scope=Scope.all())).status == Status.NEW
    assert not await h.app.db.conn.execute_fetchall("SELECT 1 FROM transfers")


async def test_reason_must_be_text_and_the_prompt_waits(h: Harness) -> None:
    case_id = await forward_post(h)
    await h.press(OPERATOR, OPERATOR, "Передать в другую организацию")
    await h.press(OPERATOR, OPERATOR, "Минстрой КЧР")
    await h.say(OPERATOR, None, photo_file_ids=["photo-1"])
    assert "Нужна причина текстом" in h.texts(OPERATOR)[-1]
    assert (await h.app.cases.get(case_id, scope=Scope.all())).status == Status.NEW
    await h.say(OPERATOR, "х" * 501)
    assert "слишком длинная" in h.texts(OPERATOR)[-1]
    assert (await h.app.cases.get(case_id, scope=Scope.all())).status == Status.NEW
    await h.say(OPERATOR, REASON)                                   # the prompt still waits: the text transfers
    assert (await h.app.cases.get(case_id, scope=Scope.all())).status == Status.TRANSFERRED


async def test_one_organisation_shows_no_transfer_button(tmp_path: Path, clock: FakeClock) -> None:
    async with bound_harness(tmp_path, clock) as one:
        await forward_post(one)
        card = one.find(OPERATOR, "Сообщение 2026-0001")
        assert not any("Передать" in label for label in one.labels(OPERATOR, card.message_id))


async def test_kpis_count_the_post_where_it_went_and_the_givers_miss_as_the_givers(h: Harness) -> None:
    case_id = await forward_post(h)
    h.clock.set(msk(2026, 12, 1, 10, 45))                             # A's operator missed the routing (10:30)
    await transfer(h, OPERATOR)
    h.clock.set(msk(2026, 12, 1, 10, 50))
    await route_and_answer_in_b(h)
    start, end, now = msk(2026, 12, 1, 0, 0), msk(2026, 12, 2, 0, 0), h.clock.now()
    reports = ReportRepository()
    total = next(r for r in await reports.kpis(h.app.db.conn, start, end, now, scope=Scope.all()) if r.dim == "total")
    # one post, answered in time (B's); A's transferred copy is neither open nor a second post
    assert (total.received, total.answered, total.on_time, total.open, total.open_overdue) == (1, 1, 1, 0, 0)
    misses = {m.party: m for m in await reports.party_misses(h.app.db.conn, start, end, scope=Scope.all())}
    assert set(misses) == {f"operator:{OPERATOR}"} and misses[f"operator:{OPERATOR}"].steps == {"route": 1}
    # transfers out and in per organisation (the ratings' columns)
    moved = await TransferRepository().counts(h.app.db.conn, start, end, scope=Scope.all())
    assert moved == {1: (1, 0), MINISTRY: (0, 1)}
    assert (await h.app.cases.get(case_id, scope=Scope.all())).status == Status.TRANSFERRED


async def test_a_transferred_case_is_anonymised_after_the_retention_period_the_receivers_open_one_is_not(
        h: Harness) -> None:
    case_id = await forward_post(h)
    await transfer(h, OPERATOR)
    h.clock.advance(days=3 * 365 + 2)
    done = await RetentionService(h.app.db, h.clock, MSK, 36).run()
    assert done.cases == 1
    given = await h.app.cases.get(case_id, scope=Scope.all())
    assert given.text == texts.ANONYMISED and given.link is None
    assert (await received_case(h)).text != texts.ANONYMISED                            # still open in B


async def test_a_command_inside_the_reason_prompt_stays_a_command(h: Harness) -> None:
    case_id = await forward_post(h)
    await h.press(OPERATOR, OPERATOR, "Передать в другую организацию")
    await h.press(OPERATOR, OPERATOR, "Минстрой КЧР")
    await h.say(OPERATOR, "/open")
    assert any("Ввод отменён: вы отправили команду /open" in t for t in h.texts(OPERATOR)[-2:])
    await h.say(OPERATOR, REASON)                                   # no prompt any more: not a reason
    assert (await h.app.cases.get(case_id, scope=Scope.all())).status == Status.NEW
    # the coordinator cancels the prompt with /cancel
    await h.feed(updates.callback(COORD, COORD, CaseCb(op=Op.TRANSFER, case_id=case_id).pack(), 1))
    await h.press(COORD, COORD, "Минстрой КЧР")
    await h.say(COORD, "/cancel")
    assert h.texts(COORD)[-1] == texts.CANCELLED
    await h.say(COORD, REASON)
    assert (await h.app.cases.get(case_id, scope=Scope.all())).status == Status.NEW


async def test_a_routed_case_transferred_leaves_its_departments_cards_without_buttons(h: Harness) -> None:
    case_id = await forward_post(h)
    await h.press(OPERATOR, OPERATOR, "Отдел ЖКХ")
    await h.press(OPERATOR, OPERATOR, "Направить")
    await h.press(EXEC_A, DEPT_A_CHAT, "Принять в работу")
    await transfer(h, OPERATOR)
    dept_card = h.find(DEPT_A_CHAT, "Сообщение 2026-0001")
    assert "Передано в другую организацию" in dept_card.text and not h.labels(DEPT_A_CHAT, dept_card.message_id)
    assert (await h.app.cases.get(case_id, scope=Scope.all())).status == Status.TRANSFERRED


async def test_an_organisation_without_operators_is_told_to_the_admins(h: Harness) -> None:
    await forward_post(h)
    async with h.app.db.transaction() as conn:
        await conn.execute("UPDATE operators SET active = 0 WHERE user_id = ?", (OP_B,))
    await transfer(h, OPERATOR)
    assert "у этой организации нет операторов" in h.texts(ADMIN)[-1]
    got = await received_case(h)
    assert got.status == Status.NEW and got.open_deadline("route") is not None           # waits in B's /open
