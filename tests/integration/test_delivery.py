"""The outbox sender under Telegram's limits and failures, on the recording session (no real sleeping)."""

from __future__ import annotations

from pathlib import Path

import pytest
from aiogram.exceptions import TelegramForbiddenError, TelegramRetryAfter, TelegramServerError
from aiogram.methods import SendMessage

from bot.delivery.sender import Notifier, RateLimiter
from bot.domain.model import Actor, Role
from bot.domain.notices import Notice, NoticeKind, Payload, Words
from bot.fake_telegram import FakeSession, make_bot
from bot.jobs.reminders import ReminderService
from bot.runtime.clock import FakeClock
from bot.services.access import AccessService
from bot.services.cases import CaseService, NewPost
from deadlines.rules import Deadlines
from handlers.notices import NoticeRenderer
from storage.connect import open_database
from storage.db import Database
from storage.outbox import OutboxRepository
from tests.conftest import ADMIN_ID, MSK, msk
from tests.support.backend import db_target


class FakeTime:
    """Monotonic time for the rate limiter: sleeping moves it, nothing really waits."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept = 0.0

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds
        self.slept += seconds


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


@pytest.fixture
def session() -> FakeSession:
    return FakeSession()


@pytest.fixture
def notifier(session: FakeSession, db: Database, cases: CaseService, access: AccessService, clock: FakeClock,
             fake_time: FakeTime) -> Notifier:
    limiter = RateLimiter(monotonic=fake_time.monotonic, sleep=fake_time.sleep)
    return Notifier(make_bot(session), db, clock, NoticeRenderer(cases, access, clock, MSK), limiter)


async def queue(db: Database, *notices: Notice[Payload], now: object = None) -> None:
    async with db.transaction() as conn:
        for n in notices:
            await OutboxRepository().add(conn, n, msk(2026, 12, 1, 10, 0))


def text(chat: int, body: str) -> Notice[Payload]:
    return Notice(NoticeKind.CHAT_TEXT, "chat", chat, None, Words(body), dedup_key=f"t:{chat}:{body}")


async def states(db: Database) -> list[tuple[str, bool, bool, int]]:
    rows = await db.fetchall("SELECT dedup_key, sent_at, failed_at, attempts FROM outbox ORDER BY id")
    return [(r[0], r[1] is not None, r[2] is not None, r[3]) for r in rows]


async def test_429_storm_honours_retry_after_and_loses_nothing(db: Database, notifier: Notifier,
                                                               session: FakeSession, clock: FakeClock) -> None:
    await queue(db, *(text(500 + i, f"сообщение {i}") for i in range(5)))
    session.fail_next("sendMessage", TelegramRetryAfter, retry_after=7, times=3)
    for _ in range(3):
        assert await notifier.flush() == 0
        # one refused call, then nobody else is tried before retry_after
        assert await notifier.flush() == 0
        clock.advance(seconds=6)
        assert await notifier.flush() == 0
        clock.advance(seconds=1)
    assert len(session.calls(SendMessage)) == 3
    assert await notifier.flush() == 5
    sent = [r for r in session.results if not isinstance(r, Exception)]
    assert len(sent) == 5
    assert sorted(session.sent_texts()[3:]) == sorted(f"сообщение {i}" for i in range(5))
    assert all(sent_ and not failed for _, sent_, failed, _ in await states(db))
    # a 429 is Telegram's pacing, not a failed attempt
    assert [a for *_, a in await states(db)] == [1] * 5


async def test_403_chat_is_failed_and_admins_alerted_not_retried(db: Database, notifier: Notifier,
                                                                 session: FakeSession,
                                                                 clock: FakeClock) -> None:
    await queue(db, text(777, "вам сообщение"))
    session.fail_next("sendMessage", TelegramForbiddenError, description="Forbidden: bot was blocked by the user",
                      chat_id=777)
    await notifier.flush()
    assert (await states(db))[0][1:3] == (False, True)          # failed for good
    alert = await db.fetchone("SELECT * FROM outbox WHERE kind = 'admin_alert'")
    assert alert is not None and alert["dedup_key"] == "unreachable:1"   # queued in the same transaction
    await notifier.flush()
    assert any("Не удаётся доставить" in t for t in session.sent_texts(ADMIN_ID))
    calls = len(session.calls(SendMessage))
    clock.advance(hours=2)
    await notifier.flush()
    assert len(session.calls(SendMessage)) == calls               # nothing retried


async def test_chat_not_found_is_failed_and_reported(db: Database, notifier: Notifier,
                                                     session: FakeSession) -> None:
    await queue(db, text(778, "вам сообщение"))
    session.fail_next("sendMessage", status=400, description="Bad Request: chat not found")
    await notifier.flush()
    assert (await states(db))[0][1:3] == (False, True)
    await notifier.flush()
    assert any("Не удаётся доставить" in t for t in session.sent_texts(ADMIN_ID))


async def test_network_errors_and_5xx_are_retried_with_backoff(db: Database, notifier: Notifier,
                                                               session: FakeSession, clock: FakeClock) -> None:
    from aiogram.exceptions import TelegramNetworkError
    from aiogram.methods import SendMessage as SM

    await queue(db, text(501, "привет"))
    session.fail_next("sendMessage", TelegramNetworkError(SM(chat_id=501, text="x"), "connection reset"))
    session.fail_next("sendMessage", TelegramServerError, description="Internal Server Error", times=1)
    assert await notifier.flush() == 0                     # network error: try again in 2 s
    assert await notifier.flush() == 0                     # not before
    clock.advance(seconds=2)
    assert await notifier.flush() == 0                     # 500: again, in 4 s
    clock.advance(seconds=3)
    assert await notifier.flush() == 0
    clock.advance(seconds=1)
    assert await notifier.flush() == 1
    assert session.sent_texts(501) == ["привет", "привет", "привет"]   # two refused tries, one delivery
    assert (await states(db))[0][1:] == (True, False, 3)


async def test_sender_killed_between_commit_and_send_delivers_once(tmp_path: Path, deadlines: Deadlines,
                                                                   clock: FakeClock, fake_time: FakeTime) -> None:
    path = tmp_path / "kill.sqlite3"
    db = await open_database(await db_target(path))
    access = AccessService(db, clock, admin_ids=[ADMIN_ID], operator_ids=[100], head_chat_id=-900)
    cases = CaseService(db, deadlines, clock)
    dept = await access.bind_department(ADMIN_ID, -1001, "Отдел ЖКХ", org_id=1)
    operator = Actor(100, Role.OPERATOR, "Оператор")
    post = NewPost(platform="vk", text="Яма", operator_id=100, detected_at=clock.now())
    case = (await cases.register(post, operator)).case
    assert case.id is not None
    await cases.route(case.id, operator, [dept.id])      # committed: the routed card is owed
    await db.close()                                     # … and the process is killed before sending

    db = await open_database(await db_target(path))
    access = AccessService(db, clock, admin_ids=[ADMIN_ID], operator_ids=[100], head_chat_id=-900)
    cases = CaseService(db, deadlines, clock)
    session = FakeSession()
    limiter = RateLimiter(monotonic=fake_time.monotonic, sleep=fake_time.sleep)
    sender = Notifier(make_bot(session), db, clock, NoticeRenderer(cases, access, clock, MSK), limiter)
    await sender.flush()
    await sender.flush()
    cards = [t for t in session.sent_texts(-1001) if "Вам направлено сообщение" in t]
    assert len(cards) == 1
    assert await OutboxRepository().pending_count(db.conn) == 0
    await db.close()


async def test_the_one_window_accepted_but_not_recorded(db: Database, notifier: Notifier,
                                                        session: FakeSession,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """Documented window (docs/delivery.md): Telegram accepted, the process died before `sent_at`."""
    await queue(db, text(502, "один раз?"))

    async def die(*_: object) -> None:
        raise SystemExit("killed")

    monkeypatch.setattr(notifier.outbox, "mark_sent", die)
    with pytest.raises(SystemExit):
        await notifier.flush()
    monkeypatch.undo()
    if db.is_postgresql:       # the dead sender's claim: the next leader's sender takes it over (CLAIM_GRACE)
        async with db.transaction() as conn:
            assert await notifier.outbox.expire_claims(conn, notifier.clock.now()) == 1
    await notifier.flush()
    assert session.sent_texts(502) == ["один раз?", "один раз?"]


async def test_group_limit_defers_instead_of_blocking_other_chats(db: Database, notifier: Notifier,
                                                                  session: FakeSession,
                                                                  fake_time: FakeTime, clock: FakeClock) -> None:
    await queue(db, *(text(-2001, f"в группу {i}") for i in range(21)), text(503, "в личку"))
    await notifier.flush()
    assert len(session.sent_texts(-2001)) == 20          # 20 a minute per group
    assert session.sent_texts(503) == ["в личку"]         # not held up by the group's minute
    assert fake_time.slept < 60
    fake_time.now += 60
    clock.advance(seconds=60)
    await notifier.flush()
    assert len(session.sent_texts(-2001)) == 21
    assert session.sent_texts(-2001)[-1] == "в группу 20"


async def test_rate_limiter_keeps_telegrams_limits(fake_time: FakeTime) -> None:
    limiter = RateLimiter(monotonic=fake_time.monotonic, sleep=fake_time.sleep)
    for i in range(90):
        await limiter.acquire(10_000 + i)
    assert 90 / 29 - 1 <= fake_time.slept <= 90 / 29 + 0.1   # ~29 a second overall
    start = fake_time.now
    await limiter.acquire(42)
    await limiter.acquire(42)
    assert fake_time.now - start >= 1.0                   # 1 a second per chat


# ---- rendering of reminders and escalations ------------------------------------------------------

async def _planned_case(db: Database, cases: CaseService, access: AccessService, operator: Actor, clock: FakeClock,
                        deadlines: Deadlines, text: str) -> tuple[int, int, ReminderService]:
    """A department bound, a post registered, its reminders planned."""
    dept = (await access.bind_department(ADMIN_ID, -1001, "Отдел ЖКХ", org_id=1)).id
    post = NewPost(platform="vk", text=text, operator_id=operator.user_id, detected_at=clock.now())
    case_id = (await cases.register(post, operator)).case.id
    assert case_id is not None
    svc = ReminderService(db, deadlines, clock)
    await svc.plan()
    return dept, case_id, svc

async def test_reminder_escalation_texts(db: Database, notifier: Notifier, session: FakeSession,
                                         cases: CaseService, access: AccessService, operator: Actor,
                                         clock: FakeClock, deadlines: Deadlines) -> None:
    dept, case_id, svc = await _planned_case(db, cases, access, operator, clock, deadlines, "Яма у школы")
    clock.set(msk(2026, 12, 1, 10, 20))
    assert (await svc.run_due()).reminders == 1           # route: to the operator
    await notifier.flush()
    assert any("Напоминание" in t and "направить" in t for t in session.sent_texts(operator.user_id))
    await cases.route(case_id, operator, [dept])
    await cases.accept(case_id, Actor(201, Role.EXECUTOR, "И", department_id=dept))
    await svc.plan()
    clock.set(msk(2026, 12, 1, 12, 0))
    await svc.run_due()
    await notifier.flush()
    dept_texts = session.sent_texts(-1001)
    assert any("Напоминание" in t and "«ответ»" in t for t in dept_texts)   # answer owed by the department
    clock.set(msk(2026, 12, 1, 13, 0))
    await svc.run_due()
    await notifier.flush()
    head = session.sent_texts(-900)
    assert len(head) == 1 and "Просрочка" in head[0] and "Отдел ЖКХ" in head[0] and "Яма у школы" in head[0]
    assert any("Срок истёк" in t for t in session.sent_texts(-1001))


async def test_reminder_for_a_step_done_meanwhile_is_not_sent(db: Database, notifier: Notifier,
                                                               session: FakeSession, cases: CaseService,
                                                               access: AccessService, operator: Actor,
                                                               clock: FakeClock, deadlines: Deadlines) -> None:
    dept, case_id, svc = await _planned_case(db, cases, access, operator, clock, deadlines, "Яма")
    clock.set(msk(2026, 12, 1, 10, 20))
    await svc.run_due()                                   # queued …
    await cases.route(case_id, operator, [dept])          # … but the operator routed before it went out
    session.clear()
    await notifier.flush()
    assert not any("Напоминание" in t for t in session.sent_texts(operator.user_id))
