"""Shared fixtures: the calendar, a moving clock, a real database (SQLite, or PostgreSQL with
``--db=postgresql``: tests/support/backend.py) and the services."""

from __future__ import annotations

import asyncio
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
from storage.connect import open_database
from storage.db import Database
from tests.support import backend
from tests.support.pg_server import HINT

MSK = ZoneInfo("Europe/Moscow")
ADMIN_ID = 1
OPERATOR_ID = 100


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--db", choices=[backend.SQLITE, backend.POSTGRESQL], default=backend.SQLITE,
                     help="the database the storage, integration and process tests run on "
                          "(postgresql: the server of TEST_DATABASE_URL)")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "sqlite_only: tests of what only a SQLite file has (skipped on --db=postgresql)")
    backend.CURRENT.name = config.getoption("--db")
    backend.CURRENT.server_url = backend.server_url()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if backend.CURRENT.is_postgresql:
        skip = pytest.mark.skip(reason="SQLite only (a file of its own: backup, restore, schema check)")
        no_server = pytest.mark.skip(reason=HINT)
        for item in items:
            if "sqlite_only" in item.keywords:
                item.add_marker(skip)
            elif backend.CURRENT.server_url is None:
                item.add_marker(no_server)


def pytest_sessionfinish(session: pytest.Session) -> None:
    if backend.CURRENT.template is not None:
        asyncio.run(backend.drop_template())


@pytest.fixture(autouse=True)
async def _drop_test_databases() -> AsyncIterator[None]:
    yield
    if backend.CURRENT.created:
        await backend.drop_created()


@pytest.fixture
def pg_url() -> str:
    """The test server's URL for tests of what only PostgreSQL has (skipped, with the hint, without one)."""
    url = backend.server_url()
    if url is None:
        pytest.skip(HINT)
    return url


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
    database = await open_database(await backend.db_target(tmp_path / "bot.sqlite3"))
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
