"""Telegram's HTML (``parse_mode=HTML``) and inline keyboards, checked as the Bot API checks them.

:func:`parse_html` refuses what Telegram refuses (unknown or unbalanced tags: ``400 Bad Request: can't
parse entities``) and gives the text twice: as Telegram stores it (tags removed, entities decoded) and
as a person reads it (a quote marked with ``┃``, a link followed by its address).
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from typing import Any

from bot.fake_telegram.protocol import bad_request

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA = 64

#: Tags Telegram accepts with parse_mode=HTML (https://core.telegram.org/bots/api#html-style).
ALLOWED_TAGS = frozenset(
    "b strong i em u ins s strike del span tg-spoiler a tg-emoji code pre blockquote tg-time".split()
)
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[^<>]*?)?)\s*(/?)>")
_HREF = re.compile(r"""href\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""")


def _unclosed(tag: str) -> Exception:
    return bad_request(f"can't parse entities: Can't find end tag corresponding to start tag \"{tag}\"")


def parse_html(text: str) -> tuple[str, str]:
    """``(stored, shown)``: the plain text Telegram keeps and the text a person sees."""
    stack: list[tuple[str, int, str | None]] = []     # tag, where its text starts in ``shown``, href
    stored: list[str] = []
    shown: list[str] = []
    pos = 0
    while True:
        lt = text.find("<", pos)
        chunk = html.unescape(text[pos:] if lt < 0 else text[pos:lt])
        stored.append(chunk)
        shown.append(chunk)
        if lt < 0:
            break
        match = _TAG.match(text, lt)
        offset = len(text[:lt].encode("utf-8"))
        if match is None:
            raise bad_request(f"can't parse entities: Unexpected end of name token at byte offset {offset}")
        closing, name, attrs, _ = match.groups()
        name = name.lower()
        if name not in ALLOWED_TAGS:
            kind = "end" if closing else "start"
            raise bad_request(f'can\'t parse entities: Unsupported {kind} tag "{name}" at byte offset {offset}')
        if not closing:
            href = _HREF.search(attrs) if name == "a" else None
            stack.append((name, len(shown), html.unescape(next(g for g in href.groups() if g is not None))
                          if href else None))
        elif not stack:
            raise bad_request(f"can't parse entities: Unmatched end tag at byte offset {offset}, "
                              f'expected "</>", found "</{name}>"')
        elif stack[-1][0] != name:
            raise _unclosed(stack[-1][0])
        else:
            _, start, link = stack.pop()
            inner = "".join(shown[start:])
            if name == "blockquote":
                shown[start:] = ["\n".join("┃ " + line for line in inner.strip("\n").split("\n"))]
            elif name == "a" and link and link != inner:
                shown[start:] = [f"{inner} ({link})"]
        pos = match.end()
    if stack:
        raise _unclosed(stack[-1][0])
    return "".join(stored), "".join(shown)


def check_html(text: str) -> str:
    """Validate Telegram HTML like the Bot API does; return the plain text Telegram stores."""
    return parse_html(text)[0]


def is_html(parse_mode: Any) -> bool:
    """``parse_mode`` as a string or aiogram's ``ParseMode``."""
    return str(getattr(parse_mode, "value", parse_mode) or "").lower() == "html"


def plain_text(text: str, parse_mode: Any) -> str:
    """The text a person sees: HTML applied, entities decoded; ``400`` where Telegram would refuse."""
    if not is_html(parse_mode):
        return text
    return parse_html(text)[1]


def check_callback_data(markup: Any) -> None:
    if not isinstance(markup, Mapping):
        return
    for row in markup.get("inline_keyboard", []) or []:
        for button in row:
            data = button.get("callback_data") if isinstance(button, Mapping) else None
            if data is not None and len(str(data).encode("utf-8")) > MAX_CALLBACK_DATA:
                raise bad_request("BUTTON_DATA_INVALID")


Buttons = list[list[tuple[str, str]]]      # rows of (label, callback data or url)


def buttons(markup: Any) -> Buttons:
    """An inline keyboard as rows of ``(label, callback data or url)``."""
    if not isinstance(markup, Mapping):
        return []
    return [[(str(b.get("text", "")), str(b.get("callback_data") or b.get("url") or "")) for b in row]
            for row in markup.get("inline_keyboard", [])]
