"""How the demo prints a step: each chat's changes as a person sees them, edits as what changed."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TextIO

from bot import texts
from bot.fake_telegram import Change, Shown

RULE_WIDTH = 96
MEDIA_NAME = {"photo": "фото", "video": "видео", "document": "документ", "animation": "анимация"}


@dataclass
class Step:
    at: datetime
    heading: str
    failures: list[str] = field(default_factory=list)


def first_line(text: str, limit: int = 48) -> str:
    line = text.strip().split("\n", 1)[0] if text.strip() else "…"
    return texts.excerpt(line, limit)


def _media(shown: Shown) -> str:
    return f"[{MEDIA_NAME.get(shown.media, shown.media)}: {shown.file_label}]" if shown.media else ""


def visible(change: Change) -> str:
    s = change.shown
    labels = " ".join(label for row in s.buttons for label, _ in row)
    return "\n".join(p for p in (_media(s), s.text, labels) if p)


def render_buttons(shown: Shown) -> list[str]:
    return [" ".join(f"[ {label} ]" for label, _ in row) for row in shown.buttons]


def render_change(change: Change) -> list[str]:
    s = change.shown
    if change.kind == "person":
        first, *rest = s.text.split("\n")
        return [first] + ["   " + line for line in rest]
    if change.kind == "toast":
        return [f"💬 всплывающая подсказка: «{s.text}»"]
    if change.kind == "alert":
        return [f"⚠️ окно с предупреждением: «{s.text}»"]
    if change.kind == "deleted":
        return [f"🗑 бот удалил сообщение «{first_line(s.text)}»"]
    if change.kind == "buttons":
        title = f"✏️ бот сменил кнопки под сообщением «{first_line(s.text)}»:"
        return [title] + (["   " + line for line in render_buttons(s)] or ["   (кнопок больше нет)"])
    if change.kind == "edit" and change.before is not None:
        return render_edit(change.before, s)
    body = [_media(s)] if s.media else []
    if change.kind in ("new", "edit"):
        body.extend(s.text.split("\n") if s.text else [])
        body.extend(render_buttons(s))
    return ["🤖 бот:"] + ["   " + line for line in body]


def render_edit(before: Shown, after: Shown) -> list[str]:
    """An edited message: its first line, then only what changed (a card is edited many times a day)."""
    old_lines = [line for line in before.text.split("\n") if line.strip()]
    new_lines = [line for line in after.text.split("\n") if line.strip()]
    out = [f"✏️ бот обновил сообщение «{first_line(after.text)}»:"]
    out.extend("   " + line for line in new_lines if line not in old_lines)
    out.extend(f"   (убрана строка: {line})" for line in old_lines if line not in new_lines)
    if after.buttons != before.buttons:
        out.append("   кнопки теперь:" if after.buttons else "   (кнопок больше нет)")
        out.extend("   " + line for line in render_buttons(after))
    return out


def print_step(out: TextIO, chats: dict[int, str], step: Step, changes: list[Change]) -> None:
    """The step's heading, then each chat that changed (in the order they changed) with its changes."""
    lines = ["━" * RULE_WIDTH, f"{step.at:%H:%M}  {step.heading}"]
    order = list(dict.fromkeys(c.chat_id for c in changes))
    for chat_id in order:
        lines.extend(["", f"  ▌ {chats.get(chat_id, str(chat_id))}"])
        lines.extend("    " + line for c in changes if c.chat_id == chat_id for line in render_change(c))
    lines.append("")
    out.write("".join(line + "\n" for line in lines))


def automatic_heading(changes: list[Change]) -> str:
    """The heading of a step nobody acted in: what the bot sent by itself."""
    text = " ".join(c.shown.text for c in changes)
    parts = []
    if "Сводка на утро" in text:
        parts.append("Бот присылает главе утреннюю сводку")
    if "Сводка за день" in text:
        parts.append("Бот присылает главе вечернюю сводку за день")
    if "Напоминание" in text:
        parts.append("срок подходит — бот напоминает ответственному")
    if "Срок истёк" in text:
        parts.append("срок истёк — бот сообщает ответственному")
    if "Просрочка" in text:
        parts.append("просрочка уходит в чат главы")
    heading = "; ".join(parts) or "Бот сам отправляет уведомления"
    return heading[0].upper() + heading[1:] + " (никто ничего не нажимал)"
