"""Issue 14 §1, §2: a case belongs to the organisation of the operator who registered it — numbered in its
own sequence per year, found as a duplicate and joined into incidents only within it — and the coordinator
(cl. 2) reads every organisation's cases but takes no action on any."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.domain.errors import DomainError
from bot.domain.model import Actor, Role
from bot.domain.orgs import Scope
from bot.domain.transitions import TRANSITIONS, Action
from bot.runtime.clock import FakeClock
from bot.services.cases import NewPost
from handlers.callbacks import Op
from tests.conftest import msk
from tests.integration.test_org_isolation import A_PEOPLE, MISSING_ID, World, _leaks, _press
from tests.support.harness import OPERATOR, Harness, bound_harness
from tests.support.orgs import B_SECRETS, OP_B, OrgB, add_org_b, b_day, b_post, rows_of

LINK_POST = "Опять прорвало трубу на ул. Школьной, 12"


@pytest.fixture
async def two(tmp_path: Path, clock: FakeClock) -> AsyncIterator[tuple[Harness, OrgB]]:
    async with bound_harness(tmp_path, clock) as h:
        yield h, await add_org_b(h)


def _post(operator: int, text: str = "Пост", when: FakeClock | None = None) -> NewPost:
    assert when is not None
    return NewPost(platform="vk", text=text, operator_id=operator, detected_at=when.now())


async def test_each_organisation_numbers_its_cases_from_one_each_year_with_its_prefix(
        two: tuple[Harness, OrgB], clock: FakeClock) -> None:
    h, b = two
    a_op, b_op = Actor(OPERATOR, Role.OPERATOR, org_id=1), Actor(OP_B, Role.OPERATOR, org_id=b.org_id)
    numbers = [(await h.app.cases.register(_post(who.user_id, f"Пост {i}", clock), who)).case.number
               for i, who in enumerate((a_op, b_op, a_op, b_op, b_op))]
    assert numbers == ["2026-0001", "MSTR-2026-0001", "2026-0002", "MSTR-2026-0002", "MSTR-2026-0003"]
    clock.set(msk(2027, 1, 11, 10, 0))
    assert (await h.app.cases.register(_post(OP_B, "Новый год", clock), b_op)).case.number == "MSTR-2027-0001"
    assert (await h.app.cases.register(_post(OPERATOR, "Новый год", clock), a_op)).case.number == "2027-0001"
    org_of = {c.number: c.org_id for c in await h.app.cases.open_cases(scope=Scope.all())}
    assert org_of["MSTR-2026-0003"] == b.org_id and org_of["2026-0002"] == 1


async def test_a_post_open_in_another_organisation_is_not_revealed_to_an_operator_as_a_duplicate(
        two: tuple[Harness, OrgB]) -> None:
    h, b = two
    forward = {"forward_from_chat": (-100888, "Новости района", "news_kchr"), "forward_message_id": 5}
    await h.say(OP_B, LINK_POST, **forward)                             # open in B first
    start = len(h.session.requests)
    await h.say(OPERATOR, LINK_POST, **forward)                         # the same post reaches A
    shown = json.dumps(h.session.params[start:], ensure_ascii=False)
    assert "MSTR" not in shown and "уже есть в открытом сообщении" not in shown
    assert "Сообщение 2026-0001" in shown                               # A's own case, a new one
    cases = await h.app.cases.open_cases(scope=Scope.all())
    assert sorted((c.org_id, c.link_norm == cases[0].link_norm) for c in cases) == [(1, True), (b.org_id, True)]
    await h.say(OPERATOR, LINK_POST, **forward)                         # within A it is a duplicate
    assert "уже есть в открытом сообщении 2026-0001" in h.last(OPERATOR).text
    assert len(await h.app.cases.open_cases(scope=Scope.one(1))) == 1


async def test_joining_a_case_to_another_organisations_case_answers_like_a_missing_case(
        two: tuple[Harness, OrgB]) -> None:
    """«Присоединить к …» (cl. 21) forged with B's case as the one to join: an incident is one organisation's."""
    h, b = two
    await b_post(h, b)
    await h.say(OPERATOR, "Прорыв трубы на ул. Ленина, 5")
    [a_case] = await h.app.cases.open_cases(scope=Scope.one(1))
    assert a_case.id is not None
    w = World(h, b, a_case.id, 0)
    before = await rows_of(h, b.case_ids + [a_case.id])
    foreign = await _press(w, A_PEOPLE[0], Op.JOIN, a_case.id, b.case_ids[0])
    missing = await _press(w, A_PEOPLE[0], Op.JOIN, a_case.id, MISSING_ID)
    assert foreign == missing and foreign
    assert _leaks(foreign, B_SECRETS) == []
    assert await rows_of(h, b.case_ids + [a_case.id]) == before


def test_the_coordinator_only_transfers_a_case_and_takes_no_other_step_of_the_workflow() -> None:
    """cl. 2: the directorate watches and moves a post to the competent organisation (issue 14 §5); the steps
    of the process stay with the organisations' own people."""
    assert [a for a, t in TRANSITIONS.items() if Role.COORDINATOR in t.roles] == [Action.TRANSFER]


async def test_the_coordinator_reads_every_organisations_case_and_every_action_is_refused(
        two: tuple[Harness, OrgB]) -> None:
    h, b = two
    await b_day(h, b)
    coordinator = Actor(4242, Role.COORDINATOR, "Дирекция", org_id=None)
    cases = h.app.cases
    assert {c.number for c in await cases.open_cases(scope=coordinator.scope)} == set(b.numbers)
    new, on_approval = b.case_ids
    assert (await cases.get(new, scope=coordinator.scope)).number == "MSTR-2026-0001"
    assert (await cases.get_by_number("MSTR-2026-0002", scope=coordinator.scope)).id == on_approval
    before = await rows_of(h, b.case_ids)
    attempts = [
        cases.route(new, coordinator, [b.department_id]), cases.toggle_selection(new, coordinator, b.department_id),
        cases.set_urgent(new, coordinator, True), cases.mark_significant(new, coordinator),
        cases.exclude(new, coordinator),
        cases.approve(on_approval, coordinator), cases.accept(on_approval, coordinator),
        cases.decline(on_approval, coordinator, "не наше"),
    ]
    for attempt in attempts:
        with pytest.raises(DomainError):
            await attempt
    after = await rows_of(h, b.case_ids)
    assert {k: v for k, v in after.items() if k != "events"} == {k: v for k, v in before.items() if k != "events"}
    new_events = [r for r in after["events"] if r not in before["events"]]
    # each use case's attempt audited as a refusal; ticking a department is refused before anything is written
    assert len(new_events) == len(attempts) - 1
    assert all(r[3] == 4242 and r[4] == "coordinator" and str(r[5]).startswith("refused:") for r in new_events)
