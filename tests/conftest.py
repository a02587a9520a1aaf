"""Shared fixtures: the calendar, a moving clock, a real SQLite database and the services."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.domain.model import Actor, Role
from bot.runtime.clock import FakeClock
from bot.services.access import AccessService
from bot.services.cases import CaseService
from deadlines.calendar import WorkCalendar
from deadlines.rules import Deadlines
from deadlines.schedule import DEFAULT_SCHEDULE
from storage.db import Database

MSK = ZoneInfo("Europe/Moscow")
ADMIN_ID = 1
OPERATOR_ID = 100


def msk(*args: int) -> datetime:
    return datetime(*args, tzinfo=MSK)  # type: ignore[misc]


@pytest.fixture
def calendar() -> WorkCalendar:
    return WorkCalendar(DEFAULT_SCHEDULE, MSK)


@pytest.fixture
def deadlines(calendar: WorkCalendar) -> Deadlines:
    return Deadlines(calendar)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(msk(2026, 12, 1, 10, 0))   # Tuesday, a working day


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await Database.open(tmp_path / "bot.sqlite3")
    yield database
    await database.close()


@pytest.fixture
def cases(db: Database, deadlines: Deadlines, clock: FakeClock) -> CaseService:
    return CaseService(db, deadlines, clock)


@pytest.fixture
def access(db: Database, clock: FakeClock) -> AccessService:
    return AccessService(db, clock, admin_ids=[ADMIN_ID], operator_ids=[OPERATOR_ID], head_chat_id=-900)


@pytest.fixture
def operator() -> Actor:
    return Actor(OPERATOR_ID, Role.OPERATOR, "Оператор Ольга")
