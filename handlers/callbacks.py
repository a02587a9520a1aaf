"""Typed callback data: parsed and validated by aiogram, never split by hand."""

from __future__ import annotations

from enum import StrEnum

from aiogram import F
from aiogram.filters.callback_data import CallbackData, CallbackQueryFilter

from bot.domain.errors import DomainError
from bot.domain.model import DraftKind


class Op(StrEnum):
    TOGGLE = "tg"        # toggle a department (arg = department id)
    ROUTE = "rt"         # Направить
    URGENT = "ur"        # Срочно
    SIGNIFICANT = "sg"   # Общественно значимое
    FZ59 = "fz"          # 59-ФЗ
    DISMISS = "ds"       # Не требует реакции
    DETECTED = "dt"      # correct the detection time
    ACCEPT = "ac"        # Принять в работу
    DECLINE = "dc"       # Не наша компетенция
    PREPARE = "pr"       # Подготовить ответ
    KIND = "kd"          # chosen kind (arg = index in KINDS)
    SEND = "sd"          # На согласование
    CANCEL = "cn"
    APPROVE = "ap"       # Согласовать
    RETURN = "rn"        # На доработку
    INFO = "in"          # Отправить информацию
    COMPOSE = "cp"       # Составить ответ
    COMPOSE_KIND = "ck"
    AUTHOR = "au"        # Ответ автора
    FULL = "fl"          # Полный текст
    HISTORY = "hs"
    REOPEN = "ro"
    ADD = "ad"           # ➕ Добавить отдел: choose the department
    ADD_DEPT = "ae"      # the chosen department (arg = department id)
    WITHDRAW = "wd"      # ➖ Убрать отдел, который отказался (arg = department id)
    TERM = "tm"          # Срок ответа (cl. 9): arg 0 = the choices, arg > 0 = that many working minutes
    TERM_MINUTES = "tn"  # Срок ответа: the operator types the minutes
    OFF_HOURS = "oh"     # Работать в нерабочее время (cl. 8): arg 0 = the choices, 1 = until closed,
    #                      2 = until the next working opening
    WORKING_HOURS = "wh"  # ☀️ Вернуть рабочее время: the cl. 8 decision ends now
    NO_REPLY = "nr"      # Закрыть: автор не ответил
    ANYWAY = "aw"        # Ответить без уточнения
    JOIN = "jn"          # Присоединить к открытому сообщению по этому адресу (arg = its case id)
    TRANSFER = "tr"      # Передать в другую организацию: the choice of organisation (issue 14 §5)
    TRANSFER_TO = "tt"   # the chosen organisation (arg = its id): the reason is asked next
    REFUSE_TRANSFER = "rf"  # Вернуть (не наша компетенция): a case received by transfer goes back


KINDS = tuple(k for k in DraftKind if k is not DraftKind.INFO)     # what a department or operator drafts


def kind_at(index: int) -> str:
    """The kind a «kind» button stands for (its arg); a forged index is refused."""
    if not 0 <= index < len(KINDS):
        raise DomainError("bad_kind")
    return KINDS[index]


class CaseCb(CallbackData, prefix="c"):
    op: Op
    case_id: int
    arg: int = 0

    @classmethod
    def on(cls, op: Op) -> CallbackQueryFilter:
        """The presses of one action's buttons."""
        return cls.filter(F.op == op)


class AdminOp(StrEnum):
    REMOVE_OPERATOR = "rmop"
    RENAME = "ren"
    ARCHIVE = "arc"
    RESTORE = "res"
    KEYWORDS = "kw"
    REMOVE_OFFICIAL = "rmof"
    REVOKE_INVITE = "rvin"


class AdminCb(CallbackData, prefix="a"):
    op: AdminOp
    target: int


class SurgeOp(StrEnum):
    MERGE = "mg"         # Объединить в инцидент


class SurgeCb(CallbackData, prefix="s"):
    op: SurgeOp
    surge_id: int


class StrayCb(CallbackData, prefix="p"):
    """«Зарегистрировать» under the question about a short text (the operator's message id)."""
    message_id: int


class MemberCb(CallbackData, prefix="m"):
    """«Допустить к работе» under the admins' notice of a new member of a department's group."""
    chat_id: int
    user_id: int
