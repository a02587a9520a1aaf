"""/places (issue 16): admins list, add and remove settlements and streets; bad input is answered and changes
nothing; the merged places survive a restart; strangers and operators are refused."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot import texts
from bot.domain.place_data import SETTLEMENT, STREET, PlaceRow
from bot.runtime.clock import FakeClock
from bot.services.places import load_places, read_seed
from storage.db import INTEGRITY_ERRORS, Database
from storage.places import PlacesRepository
from tests.support.harness import ADMIN, OPERATOR, STRANGER, Harness, make_harness


@pytest.fixture
async def h(tmp_path: Path, clock: FakeClock) -> AsyncIterator[Harness]:
    harness = await make_harness(tmp_path, clock)
    try:
        yield harness
    finally:
        await harness.app.close()


async def places(h: Harness, args: str = "") -> str:
    await h.say(ADMIN, f"/places {args}".strip())
    return h.last(ADMIN).text


def settlement_names(data: object) -> list[str]:
    return [s.name for s in data.settlements]  # type: ignore[attr-defined]


async def test_the_list_shows_the_seeded_settlements_with_their_type_and_how_to_add(h: Harness) -> None:
    shown = await places(h)
    for s in read_seed().settlements:
        assert f"• {s.type} {s.name}" in shown
    assert "/places add ул. Школьная" in shown
    assert "добавленных нет" in shown


async def test_admin_adds_a_settlement_and_a_street_the_parser_data_has_them(h: Harness) -> None:
    assert await places(h, "add хутор Кобу-Баши") == "Добавлено: хутор Кобу-Баши. Бот узнаёт это место в новых публикациях."
    assert await places(h, "add ул.Школьная") == "Добавлено: улица Школьная. Бот узнаёт это место в новых публикациях."
    assert (await places(h, "добавить пер. Мира")).startswith("Добавлено: переулок Мира")
    data = await h.app.dp["places"].data(1)
    assert "Кобу-Баши" in settlement_names(data)
    assert [(s.type, s.name) for s in data.streets] == [("улица", "Школьная"), ("переулок", "Мира")]
    shown = await places(h)
    assert "• хутор Кобу-Баши (добавлен)" in shown and "• улица Школьная" in shown and "• переулок Мира" in shown
    kinds = [r[0] for r in await h.app.db.conn.execute_fetchall(
        "SELECT kind FROM events WHERE kind LIKE 'place_%' ORDER BY id")]
    assert kinds == ["place_added", "place_added", "place_added"]


async def test_adding_a_known_place_again_is_refused_in_any_case_and_spelling(h: Harness) -> None:
    assert await places(h, "add станица ЗЕЛЕНЧУКСКАЯ") == "Это место уже есть в списке: станица Зеленчукская."
    await places(h, "add ул. Школьная")
    assert await places(h, "add улица школьная") == "Это место уже есть в списке: улица школьная."
    assert len((await h.app.dp["places"].data(1)).streets) == 1


async def test_removing_a_seeded_settlement_hides_it_and_adding_it_back_restores_it(h: Harness) -> None:
    assert await places(h, "remove Даусуз") == "Убрано: аул Даусуз. Бот больше не узнаёт это место."
    assert "Даусуз" not in settlement_names(await h.app.dp["places"].data(1))
    assert "Даусуз" not in await places(h)
    assert await places(h, "add аул Даусуз") == "Добавлено: аул Даусуз. Бот узнаёт это место в новых публикациях."
    data = await h.app.dp["places"].data(1)
    assert settlement_names(data) == settlement_names(read_seed())      # back in its seeded place and type


async def test_removing_streets_by_name_asks_for_the_type_when_two_streets_share_it(h: Harness) -> None:
    await places(h, "add ул. Мира")
    await places(h, "add пер. Мира")
    assert await places(h, "remove Мира") == (
        "Так называются несколько мест: улица Мира, переулок Мира. Напишите тип, например «/places remove пер. Мира».")
    assert await places(h, "удалить пер Мира") == "Убрано: переулок Мира. Бот больше не узнаёт это место."
    assert await places(h, "remove мира") == "Убрано: улица Мира. Бот больше не узнаёт это место."
    assert (await h.app.dp["places"].data(1)).streets == ()


@pytest.mark.parametrize(("args", "answer"), [
    ("add", "Напишите, что добавить или убрать."),
    ("add Школьная", "Не знаю тип «Школьная»."),
    ("add улица", "После «улица» нужно название"),
    ("add ул. 123", "«123» не похоже на название"),
    ("add ул. <b>Мира</b>", "не похоже на название"),
    ("add ст. " + "Я" * 65, "Название длиннее 64 знаков"),
    ("remove Атлантида", "В списке нет «Атлантида»."),
    ("remove станица Школьная", "В списке нет «станица Школьная»."),
    ("rename ул. Мира", "Не понял «rename»"),
])
async def test_bad_input_is_answered_and_changes_nothing(h: Harness, args: str, answer: str) -> None:
    before = await h.app.dp["places"].data(1)
    assert answer in await places(h, args)
    assert await h.app.dp["places"].data(1) == before
    assert await h.app.db.conn.execute_fetchall("SELECT * FROM places") == []


async def test_operators_and_strangers_are_refused_and_nothing_changes(h: Harness) -> None:
    await h.say(OPERATOR, "/places add ул. Школьная")
    assert h.last(OPERATOR).text == texts.ADMIN_ONLY
    await h.say(STRANGER, "/places")
    assert h.last(STRANGER).text == texts.ADMIN_ONLY
    assert await h.app.db.conn.execute_fetchall("SELECT * FROM places") == []


async def test_the_admins_list_survives_a_restart(tmp_path: Path, clock: FakeClock) -> None:
    first = await make_harness(tmp_path, clock)
    try:
        await places(first, "add пос. Загедан")
        await places(first, "remove Ильич")
        await places(first, "add мкр. Северный")
    finally:
        await first.app.close()
    second = await make_harness(tmp_path, clock)
    try:
        data = await load_places(second.app.db, org_id=1)
        assert "Загедан" in settlement_names(data) and "Ильич" not in settlement_names(data)
        assert [(s.type, s.name) for s in data.streets] == [("микрорайон", "Северный")]
        assert data == await second.app.dp["places"].data(1)
    finally:
        await second.app.close()


async def test_repository_keeps_one_row_per_kind_and_key_and_the_table_refuses_an_unknown_kind(
        db: Database, clock: FakeClock) -> None:
    repo = PlacesRepository()
    async with db.transaction() as conn:
        await repo.put(conn, PlaceRow(SETTLEMENT, "аул", "Даусуз", hidden=True), ADMIN, clock.now(), org_id=1)
        await repo.put(conn, PlaceRow(SETTLEMENT, "аул", "даусуз"), ADMIN, clock.now(), org_id=1)     # same key: replaced
        await repo.put(conn, PlaceRow(STREET, "улица", "Мира"), ADMIN, clock.now(), org_id=1)
        await repo.put(conn, PlaceRow(STREET, "переулок", "Мира"), ADMIN, clock.now(), org_id=1)    # another street
    assert await repo.rows(db.conn, org_id=1) == [PlaceRow(SETTLEMENT, "аул", "даусуз"), PlaceRow(STREET, "улица", "Мира"),
                                        PlaceRow(STREET, "переулок", "Мира")]
    async with db.transaction() as conn:
        assert await repo.delete(conn, STREET, "переулок:мира", org_id=1)
        assert not await repo.delete(conn, STREET, "переулок:мира", org_id=1)
    with pytest.raises(INTEGRITY_ERRORS):
        async with db.transaction() as conn:
            await conn.execute("INSERT INTO places (kind, type, name, place_key, added_at) "
                               "VALUES ('river', 'река', 'Кяфар', 'кяфар', '2026-12-01')")
    assert len(await repo.rows(db.conn, org_id=1)) == 2
