"""Formats and names every audience shares: escaping, excerpts, dates, plurals, statuses, clock rules,
draft kinds, roles.

Platform names are data, not texts: bot/data/platforms.json (`bot.domain.sources.platform_by_code`).
"""

from __future__ import annotations

import html
from datetime import datetime

MESSAGE_LIMIT = 4096
CAPTION_LIMIT = 1024


def esc(text: object) -> str:
    return html.escape(str(text), quote=False)


def excerpt(text: str, limit: int) -> str:
    """Cut citizen text to `limit` characters (before escaping) on a word boundary, with an ellipsis."""
    text = text.strip()
    if len(text) <= limit:
        return text
    cut = text[: max(1, limit - 1)]
    space = cut.rfind(" ")
    if space > limit * 0.6:
        cut = cut[:space]
    return cut.rstrip() + "…"


def when(dt: datetime | None) -> str:
    return dt.strftime("%d.%m %H:%M") if dt else "—"


# ---- names ---------------------------------------------------------------------------------------
STATUS = {
    "new": "Новое — ждёт направления",
    "routed": "Направлено в отдел — ждёт принятия",
    "in_work": "В работе у отдела",
    "on_approval": "Проект ответа на согласовании",
    "rework": "Возвращено на доработку",
    "approved": "Согласовано — ждёт публикации и скриншота",
    "awaiting_final": "Опубликован промежуточный ответ — ждёт окончательного",
    "awaiting_author": "Опубликовано уточнение — ждёт ответа автора",
    "collecting": "Несколько отделов — сбор информации",
    "closed": "Закрыто: ответ опубликован",
    "excluded": "Исключено: обращение по 59-ФЗ",
    "dismissed": "Закрыто: не требует реакции",
    "transferred": "Передано в другую организацию",
}
RULE = {
    "route": "направить",
    "decline": "сообщить о неподведомственности",
    "answer": "ответ",
    "draft": "проект ответа",
    "approval": "согласовать",
    "rework": "доработать",
    "publish": "опубликовать",
    "info": "информация",
    "final": "окончательный ответ",
}
# Draft kinds (bot.domain.model.DraftKind): buttons, prompts and notices all name them from here.
KIND = {"answer": "Ответ", "intermediate": "Промежуточный ответ", "clarification": "Уточнение",
        "info": "Информация отдела"}
DEPT_STATE = {"routed": "ждёт принятия", "accepted": "в работе", "declined": "не наша компетенция",
              "info_sent": "информация отправлена"}
ROLE = {"operator": "оператор", "executor": "исполнитель", "head": "глава", "admin": "администратор",
        "system": "бот", "stranger": "посторонний"}


# ---- formats -------------------------------------------------------------------------------------
NO_VALUE = "—"


def plural(n: int, one: str, few: str, many: str) -> str:
    """Russian number agreement: 1 сообщение, 3 сообщения, 5 сообщений, 11 сообщений, 21 сообщение."""
    if n % 10 == 1 and n % 100 != 11:
        return one
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return few
    return many
