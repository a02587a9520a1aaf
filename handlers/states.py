"""Prompts that wait for the next message; stored in SQLite, so they survive a restart."""

from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup


class Prompt(StatesGroup):
    decline_reason = State()
    draft = State()
    draft_preview = State()
    return_comment = State()
    info = State()
    compose = State()
    author_reply = State()
    detected = State()
    answer_minutes = State()          # cl. 9: the operator's own answer term
    rename_department = State()
    department_keywords = State()
    transfer_reason = State()         # issue 14 §5: why the case goes to the chosen organisation
    transfer_refusal = State()        # why a case received by transfer goes back


async def ask(state: FSMContext, prompt: State, case_id: int, **data: str) -> None:
    """The next message of this person answers `prompt` about the case."""
    await state.set_state(prompt)
    await state.update_data({"case_id": case_id, **data})


async def answered(state: FSMContext) -> int:
    """The prompt is answered: it ends, and the case it asked about is returned."""
    data = await state.get_data()
    await state.clear()
    return int(data["case_id"])
