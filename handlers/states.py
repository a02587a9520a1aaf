"""Prompts that wait for the next message; stored in SQLite, so they survive a restart."""

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
