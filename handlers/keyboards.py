"""Inline keyboards built from the case's state: buttons that no longer apply are not shown."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot import texts
from bot.domain.actions import available_actions
from bot.domain.model import Actor, Case, Department, Role
from bot.domain.transitions import Action, allowed
from bot.services.place_index import AddressMatch
from handlers import render
from handlers.callbacks import KINDS, AdminCb, AdminOp, CaseCb, MemberCb, Op, StrayCb, SurgeCb, SurgeOp


class InlineKeyboardBuilder:
    """The layout rules of aiogram's ``InlineKeyboardBuilder`` (rows of up to 8 buttons; ``adjust``
    with the last size repeated; ``attach`` appends rows) without its deep copy of every button at
    each addition, which made a card's keyboard cost milliseconds (docs/benchmarks.md)."""

    MAX_WIDTH = 8

    def __init__(self) -> None:
        self._rows: list[list[InlineKeyboardButton]] = []

    def button(self, *, text: str, callback_data: str) -> InlineKeyboardBuilder:
        item = InlineKeyboardButton(text=text, callback_data=callback_data)
        if self._rows and len(self._rows[-1]) < self.MAX_WIDTH:
            self._rows[-1].append(item)
        else:
            self._rows.append([item])
        return self

    def adjust(self, *sizes: int) -> InlineKeyboardBuilder:
        buttons = [b for row in self._rows for b in row]
        widths = list(sizes) or [self.MAX_WIDTH]
        rows: list[list[InlineKeyboardButton]] = []
        while buttons:
            width = widths[min(len(rows), len(widths) - 1)]
            rows.append(buttons[:width])
            buttons = buttons[width:]
        self._rows = rows
        return self

    def attach(self, other: InlineKeyboardBuilder) -> InlineKeyboardBuilder:
        self._rows.extend(list(row) for row in other._rows)
        return self

    def as_markup(self) -> InlineKeyboardMarkup:
        return InlineKeyboardMarkup(inline_keyboard=[list(row) for row in self._rows])


def _cb(op: Op, case: Case, arg: int = 0) -> str:
    assert case.id is not None
    return CaseCb(op=op, case_id=case.id, arg=arg).pack()


def _case_keyboard(case: Case, buttons: Iterable[tuple[str, Op, int]], *sizes: int) -> InlineKeyboardMarkup:
    """Buttons of one case, (label, operation, argument) each; ``sizes`` as ``adjust`` takes them."""
    kb = InlineKeyboardBuilder()
    for text, op, arg in buttons:
        kb.button(text=text, callback_data=_cb(op, case, arg))
    if sizes:
        kb.adjust(*sizes)
    return kb.as_markup()


#: The operator's buttons in the order the card shows them: (action, callback operation, label).
_OPERATOR_BUTTONS = (
    (Action.COMPOSE, Op.COMPOSE, texts.BTN_COMPOSE),
    (Action.AUTHOR_REPLY, Op.AUTHOR, texts.BTN_AUTHOR_REPLY),
    (Action.SET_ANSWER_TERM, Op.TERM, texts.BTN_ANSWER_TERM),
    (Action.MARK_SIGNIFICANT, Op.SIGNIFICANT, texts.BTN_SIGNIFICANT),
    (Action.EXCLUDE, Op.FZ59, texts.BTN_59FZ),
    (Action.DISMISS, Op.DISMISS, texts.BTN_DISMISS),
    (Action.REOPEN, Op.REOPEN, texts.BTN_REOPEN),
)


def operator_card(case: Case, departments: list[Department], selected: set[int],
                  same_address: Sequence[AddressMatch] = (), *, transfer: bool = False) -> InlineKeyboardMarkup | None:
    """What the case's operator may do now (bot.domain.actions); a new case also shows its routing; a case
    about an address with an open case offers to join it; ``transfer`` (more than one organisation): the
    button that gives the case to another organisation, while the table allows it (issue 14 §5)."""
    kb = _with_transfer(_operator_card(case, departments, selected), case, Role.OPERATOR, transfer)
    joins = [[InlineKeyboardButton(text=texts.BTN_JOIN_ADDRESS.format(number=m.number),
                                   callback_data=_cb(Op.JOIN, case, m.case_id))]
             for m in same_address[:render.MAX_SAME_ADDRESS]]
    if not joins:
        return kb
    return InlineKeyboardMarkup(inline_keyboard=[*joins, *(kb.inline_keyboard if kb is not None else [])])


def _operator_card(case: Case, departments: list[Department], selected: set[int]) -> InlineKeyboardMarkup | None:
    actions = available_actions(case, Actor(case.operator_id, Role.OPERATOR))
    kb = InlineKeyboardBuilder()
    if Action.ROUTE in actions:
        for dept in departments:
            mark = texts.CHECK if dept.id in selected else ""
            kb.button(text=f"{mark}{dept.name}", callback_data=_cb(Op.TOGGLE, case, dept.id))
        kb.adjust(2)
        row = InlineKeyboardBuilder()
        row.button(text=(texts.CHECK if case.urgent else "") + texts.BTN_URGENT, callback_data=_cb(Op.URGENT, case))
        _buttons(row, case, actions, _OPERATOR_BUTTONS)
        row.button(text=texts.BTN_DETECTED, callback_data=_cb(Op.DETECTED, case))
        row.button(text=texts.BTN_ROUTE, callback_data=_cb(Op.ROUTE, case))
        row.adjust(2, 2, 2, 1)
        kb.attach(row)
        kb.attach(_reroute_row(case, actions))
        return kb.as_markup()
    _buttons(kb, case, actions, _OPERATOR_BUTTONS)
    kb.button(text=texts.BTN_HISTORY, callback_data=_cb(Op.HISTORY, case))
    kb.adjust(1, 2, 2)
    kb.attach(_reroute_row(case, actions))
    return kb.as_markup()


def _buttons(kb: InlineKeyboardBuilder, case: Case, actions: frozenset[Action],
             buttons: tuple[tuple[Action, Op, str], ...]) -> None:
    for action, op, label in buttons:
        if action in actions:
            kb.button(text=label, callback_data=_cb(op, case))


def _reroute_row(case: Case, actions: frozenset[Action]) -> InlineKeyboardBuilder:
    """➕ Добавить отдел while the table allows it; ➖ Убрать for each department that declined (cl. 12, 17)."""
    kb = InlineKeyboardBuilder()
    if Action.ADD_DEPARTMENT in actions:
        kb.button(text=texts.BTN_ADD_DEPARTMENT, callback_data=_cb(Op.ADD, case))
    if Action.WITHDRAW in actions:
        for a in case.assignments:
            if not a.active:
                kb.button(text=texts.BTN_WITHDRAW.format(name=a.department_name),
                          callback_data=_cb(Op.WITHDRAW, case, a.department_id))
    kb.adjust(1)
    return kb


def add_department(case: Case, departments: list[Department]) -> InlineKeyboardMarkup:
    """The departments that may still be added to the case (not those already working on it)."""
    busy = {a.department_id for a in case.active_assignments}
    return _case_keyboard(case, [(dept.name, Op.ADD_DEPT, dept.id) for dept in departments
                                 if dept.id not in busy and dept.chat_id is not None and not dept.archived], 2)


#: A department's buttons in the order its card shows them.
_DEPARTMENT_BUTTONS = (
    (Action.ACCEPT, Op.ACCEPT, texts.BTN_ACCEPT),
    (Action.SUBMIT_INFO, Op.INFO, texts.BTN_INFO),
    (Action.SUBMIT_DRAFT, Op.PREPARE, texts.BTN_PREPARE),
    (Action.DECLINE, Op.DECLINE, texts.BTN_DECLINE),
)


def department_card(case: Case, department_id: int) -> InlineKeyboardMarkup | None:
    """What the department's members may do now (bot.domain.actions); none once it is off the case."""
    a = case.assignment(department_id)
    if a is None or not a.active or not case.is_open:
        return None
    kb = InlineKeyboardBuilder()
    member = Actor(0, Role.EXECUTOR, department_id=department_id)
    _buttons(kb, case, available_actions(case, member), _DEPARTMENT_BUTTONS)
    kb.button(text=texts.BTN_FULL_TEXT, callback_data=_cb(Op.FULL, case))
    kb.adjust(1)
    return kb.as_markup()


def draft_kinds(case: Case, *, final_only: bool = False, compose: bool = False) -> InlineKeyboardMarkup:
    op = Op.COMPOSE_KIND if compose else Op.KIND
    kinds = [(texts.KIND[kind], op, index) for index, kind in enumerate(KINDS)
             if not final_only or kind == "answer"]
    return _case_keyboard(case, [*kinds, (texts.BTN_CANCEL, Op.CANCEL, 0)], 1)


def draft_preview(case: Case) -> InlineKeyboardMarkup:
    return _case_keyboard(case, [(texts.BTN_SEND_FOR_APPROVAL, Op.SEND, 0), (texts.BTN_CANCEL, Op.CANCEL, 0)])


def approval(case: Case, draft_id: int) -> InlineKeyboardMarkup:
    return _case_keyboard(case, [(texts.BTN_APPROVE, Op.APPROVE, draft_id), (texts.BTN_RETURN, Op.RETURN, draft_id)])


def cancel(case: Case) -> InlineKeyboardMarkup:
    return _case_keyboard(case, [(texts.BTN_CANCEL, Op.CANCEL, 0)])


def operators(items: list[tuple[int, str]], op: AdminOp = AdminOp.REMOVE_OPERATOR) -> InlineKeyboardMarkup | None:
    """A "remove" button per person: operators, or (``AdminOp.REMOVE_OFFICIAL``) responsible officials."""
    if not items:
        return None
    kb = InlineKeyboardBuilder()
    for user_id, name in items:
        kb.button(text=f"{texts.BTN_REMOVE}: {name or user_id}",
                  callback_data=AdminCb(op=op, target=user_id).pack())
    kb.adjust(1)
    return kb.as_markup()


def departments(items: list[Department]) -> InlineKeyboardMarkup | None:
    if not items:
        return None
    kb = InlineKeyboardBuilder()
    for d in items:
        kb.button(text=f"{texts.BTN_RENAME}: {d.name}", callback_data=AdminCb(op=AdminOp.RENAME, target=d.id).pack())
        kb.button(text=texts.BTN_KEYWORDS, callback_data=AdminCb(op=AdminOp.KEYWORDS, target=d.id).pack())
        if d.archived:
            kb.button(text=texts.BTN_RESTORE, callback_data=AdminCb(op=AdminOp.RESTORE, target=d.id).pack())
        else:
            kb.button(text=texts.BTN_ARCHIVE, callback_data=AdminCb(op=AdminOp.ARCHIVE, target=d.id).pack())
    kb.adjust(3)
    return kb.as_markup()


def surge_merge(surge_id: int) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    kb.button(text=texts.BTN_MERGE_INCIDENT, callback_data=SurgeCb(op=SurgeOp.MERGE, surge_id=surge_id).pack())
    return kb.as_markup()


def register_stray(message_id: int) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    kb.button(text=texts.BTN_REGISTER_STRAY, callback_data=StrayCb(message_id=message_id).pack())
    return kb.as_markup()


# ---- terms of one case (cl. 8 per case, cl. 9) --------------------------------------------------

def answer_terms(case: Case) -> InlineKeyboardMarkup:
    """cl. 9: a shorter answer term — 1 h, 2 h or the operator's number of minutes."""
    return _case_keyboard(case, [(texts.BTN_TERM_1H, Op.TERM, 60), (texts.BTN_TERM_2H, Op.TERM, 120),
                                 (texts.BTN_TERM_MINUTES, Op.TERM_MINUTES, 0)], 2, 1)


def off_hours(case: Case, role: Role, now: datetime | None = None) -> InlineKeyboardMarkup | None:
    """cl. 8 per case: «Работать в нерабочее время» for whoever the transition table lets decide it; while
    the decision is in force at ``now``, «Вернуть рабочее время» instead."""
    kb = InlineKeyboardBuilder()
    actions = available_actions(case, Actor(0, role))
    if now is not None and case.on_calendar_time(now):
        if Action.END_OFF_HOURS not in actions:
            return None
        kb.button(text=texts.BTN_END_OFF_HOURS, callback_data=_cb(Op.WORKING_HOURS, case))
        return kb.as_markup()
    if case.calendar_since is not None or Action.WORK_OFF_HOURS not in actions:
        return None
    kb.button(text=texts.BTN_OFF_HOURS, callback_data=_cb(Op.OFF_HOURS, case))
    return kb.as_markup()


def off_hours_choices(case: Case) -> InlineKeyboardMarkup:
    return _case_keyboard(case, [(texts.BTN_OFF_HOURS_CLOSED, Op.OFF_HOURS, 1),
                                 (texts.BTN_OFF_HOURS_OPENING, Op.OFF_HOURS, 2)], 1)


def clarification_overdue(case: Case) -> InlineKeyboardMarkup:
    """The author did not answer the clarification: close the case, or answer without it."""
    return _case_keyboard(case, [(texts.BTN_CLOSE_NO_REPLY, Op.NO_REPLY, 0), (texts.BTN_ANSWER_ANYWAY, Op.ANYWAY, 0)], 1)


def invites(keys: list[tuple[int, str]]) -> InlineKeyboardMarkup | None:
    """A "revoke" button per unused invite: (its key, a label)."""
    if not keys:
        return None
    kb = InlineKeyboardBuilder()
    for key, label in keys:
        kb.button(text=f"{texts.BTN_REVOKE_INVITE}: {label}", callback_data=AdminCb(op=AdminOp.REVOKE_INVITE,
                                                                                   target=key).pack())
    kb.adjust(1)
    return kb.as_markup()


def confirm_member(chat_id: int, user_id: int) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    kb.button(text=texts.BTN_CONFIRM_MEMBER, callback_data=MemberCb(chat_id=chat_id, user_id=user_id).pack())
    return kb.as_markup()


# ---- transfers between organisations (issue 14 §5) ------------------------------------------------

def _with_transfer(kb: InlineKeyboardMarkup | None, case: Case, role: Role, offer: bool) -> InlineKeyboardMarkup | None:
    if not offer or not allowed(Action.TRANSFER, case.status, role):
        return kb
    row = [InlineKeyboardButton(text=texts.BTN_TRANSFER, callback_data=_cb(Op.TRANSFER, case))]
    return InlineKeyboardMarkup(inline_keyboard=[*(kb.inline_keyboard if kb is not None else []), row])


def transfer_button(case: Case, role: Role = Role.COORDINATOR) -> InlineKeyboardMarkup | None:
    """«Передать в другую организацию» alone, for a card without the operator's buttons (the coordinator's
    read-only card); None when the case may not be transferred now."""
    return _with_transfer(None, case, role, True)


def transfer_orgs(case: Case, orgs: Sequence[tuple[int, str]]) -> InlineKeyboardMarkup:
    """The organisations the case may go to: (id, name) each."""
    return _case_keyboard(case, [(name, Op.TRANSFER_TO, org_id) for org_id, name in orgs], 1)


def refuse_transfer(case: Case) -> InlineKeyboardMarkup | None:
    """«Вернуть (не наша компетенция)» under the notice of a case received by transfer, while the table allows it."""
    if not allowed(Action.REFUSE_TRANSFER, case.status, Role.OPERATOR):
        return None
    return _case_keyboard(case, [(texts.BTN_REFUSE_TRANSFER, Op.REFUSE_TRANSFER, 0)])
