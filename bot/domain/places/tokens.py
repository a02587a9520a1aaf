"""Text to tokens for the place parser: links, mentions, hashtags and e-mail addresses removed first."""

from __future__ import annotations

import re
from dataclasses import dataclass

_NOISE = re.compile(
    r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"                          # e-mail
    r"|(?:https?://|www\.)\S+"                               # links with a scheme or www
    r"|\b(?:[a-z0-9-]+\.)+(?:ru|com|рф|su|net|org|me|io|info|online|site)(?:/\S*)?"  # bare domains
    r"|[@#][\w.]+",                                          # mentions and hashtags
    re.IGNORECASE)
_TOKEN = re.compile(
    r"(?P<other>\d+(?:[.:]\d+)+|\+?\d{5,})"                  # times, dates, phones: never a house
    r"|(?P<num>\d{1,4}(?:к\d{1,3}(?![а-яёa-z\d])|(?:\s*/\s*\d{1,3})?(?:-?[а-яa-z](?![а-яёa-z\d]))?))"
    r"|(?P<word>[а-яёa-z]+(?:-[а-яёa-z]+)*)"
    r"|(?P<punct>[.,;:!?()«»\"—–-]|\n)",
    re.IGNORECASE)


def clean(text: str) -> str:
    """The text without links, mentions, hashtags and e-mail addresses (each replaced by a full stop,
    so that no place runs across one)."""
    return _NOISE.sub(" . ", text)


@dataclass(frozen=True)
class Token:
    text: str                       # as written
    kind: str                       # word | num | other | punct
    start: int
    end: int

    @property
    def low(self) -> str:
        return self.text.lower().replace("ё", "е")

    @property
    def capital(self) -> bool:
        return self.kind == "word" and self.text[:1].isupper()

    def house(self) -> str:
        """A house number as the key writes it: lower case, no spaces or hyphens («3 / 1» -> «3/1», «12-А» -> «12а»)."""
        return re.sub(r"[\s-]", "", self.low)


def tokenize(text: str) -> list[Token]:
    out: list[Token] = []
    for m in _TOKEN.finditer(clean(text)):
        kind = m.lastgroup or "punct"
        out.append(Token(m.group(), kind, m.start(), m.end()))
    return out
