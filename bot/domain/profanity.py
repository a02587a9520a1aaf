"""Obscene and offensive language in answer drafts (cl. 19): a normaliser and a curated Russian lexicon.

Evaluated first: `glin-profanity` 4.1 (languages=["russian"]) caught under a quarter of obscene Russian
phrases and flagged ordinary words ("мандат", "команда", "небо"); `check-swear` downloads nltk data at
run time and fails offline. So the detection is ours: tokens are normalised against obfuscation
(look-alike Latin letters and digits, separators between single letters, masking characters, repeated
letters, mixed case, ё) and matched against roots with Russian prefixes in mind, with a whitelist.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources


@dataclass(frozen=True)
class Finding:
    word: str        # the token exactly as written
    start: int
    end: int
    category: str    # "obscene" | "insult"


LOOKALIKE = str.maketrans({
    "a": "а", "e": "е", "o": "о", "p": "р", "c": "с", "x": "х", "y": "у", "k": "к", "m": "м", "t": "т",
    "h": "н", "b": "в", "u": "и", "0": "о", "3": "з", "6": "б", "4": "ч", "ё": "е", "@": "а",
})
MASK = set("*#$%")
LETTERS = re.compile(r"[0-9a-zа-яё@*#$%]", re.IGNORECASE)
WORD = re.compile(r"[0-9a-zа-яё@*#$%]+(?:[.\-_|/\\,][0-9a-zа-яё@*#$%]+)*", re.IGNORECASE)
CANONICAL_MASKED = ("хуй", "хуйня", "хуево", "хуета", "нахуй", "похуй", "пизда", "пиздец", "пиздеть", "блядь",
                    "блять", "бля", "ебать", "ебаный", "ебал", "ебло", "сука", "суки", "мудак", "пидор", "херня")


class ProfanityChecker:
    def __init__(self, lexicon: dict[str, object]) -> None:
        prefixes = str(lexicon["prefixes"])

        def compile_all(key: str) -> list[re.Pattern[str]]:
            items = lexicon[key]
            assert isinstance(items, list)
            return [re.compile(str(p).replace("PREFIX", prefixes)) for p in items]

        self.obscene = compile_all("obscene")
        self.insult = compile_all("insult")
        self.latin = compile_all("obscene_latin")
        whitelist = lexicon["whitelist"]
        assert isinstance(whitelist, list)
        self.whitelist = {_collapse(str(w)) for w in whitelist}
        literal = lexicon.get("literal_before", {})
        assert isinstance(literal, dict)
        self.literal_before = [(re.compile(k), tuple(_collapse(v) for v in roots))
                               for k, roots in literal.items() if k != "comment" and isinstance(roots, list)]

    def find(self, text: str) -> list[Finding]:
        found: list[Finding] = []
        spans = _tokens(text)
        for i, (start, end) in enumerate(spans):
            raw = text[start:end]
            category = self.classify(raw)
            if category == "insult" and i + 1 < len(spans) and self._literal(raw, text[slice(*spans[i + 1])]):
                continue
            if category:
                found.append(Finding(raw, start, end, category))
        return found

    def _literal(self, raw: str, following: str) -> bool:
        """"тупой нож": an ambiguous adjective before a thing it describes literally."""
        token, nxt = _collapse(raw), _collapse(following)
        return any(key.search(token) and nxt.startswith(roots) for key, roots in self.literal_before)

    def classify(self, raw: str) -> str | None:
        lowered = raw.lower()
        compact = re.sub(r"[.\-_|/\\,\s]", "", lowered)
        latin = re.sub(r"[^a-z]", "", compact)
        if latin == compact and any(p.search(latin) for p in self.latin):
            return "obscene"
        has_mask = any(ch in MASK for ch in compact)
        token = compact.translate(LOOKALIKE) if not has_mask else compact.replace("@", "*").translate(LOOKALIKE)
        token = "".join("*" if ch in MASK else ch for ch in token)
        token = _collapse(token)
        if has_mask:
            if not re.search(r"[а-я]", token):
                return None
            pattern = re.compile("^" + "".join("[а-я]{1,3}" if ch == "*" else re.escape(ch) for ch in token) + "$")
            return "obscene" if any(pattern.match(_collapse(w)) for w in CANONICAL_MASKED) else None
        if not re.fullmatch(r"[а-я]+", token) or token in self.whitelist:
            return None
        if any(p.search(token) for p in self.obscene):
            return "obscene"
        if any(p.search(token) for p in self.insult):
            return "insult"
        return None


def _collapse(token: str) -> str:
    token = token.lower().replace("ё", "е")
    return re.sub(r"(.)\1+", r"\1", token)


def _tokens(text: str) -> list[tuple[int, int]]:
    """Word spans; runs of single letters split by spaces ("д е б и л") count as one word."""
    spans = [(m.start(), m.end()) for m in WORD.finditer(text)]
    out: list[tuple[int, int]] = []
    i = 0
    while i < len(spans):
        j = i
        while (j + 1 < len(spans) and spans[j][1] - spans[j][0] == 1 and spans[j + 1][1] - spans[j + 1][0] == 1
               and text[spans[j][1]:spans[j + 1][0]].strip() == ""):
            j += 1
        if j - i >= 2:
            out.append((spans[i][0], spans[j][1]))
        else:
            for k in range(i, j + 1):
                out.extend(_split_joined(text, *spans[k]))
        i = j + 1
    return out


def _split_joined(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """A token with separators: one word when the separators split single letters (х.у.й), else its parts."""
    token = text[start:end]
    parts = re.split(r"[.\-_|/\\,]", token)
    if len(parts) > 2 and all(len(p) <= 2 for p in parts):
        return [(start, end)]
    spans, pos = [], start
    for part in parts:
        if part:
            spans.append((pos, pos + len(part)))
        pos += len(part) + 1
    return spans


@lru_cache(maxsize=1)
def default_checker() -> ProfanityChecker:
    raw = (resources.files("bot") / "data" / "profanity_ru.json").read_text(encoding="utf-8")
    return ProfanityChecker(json.loads(raw))


def find_profanity(text: str) -> list[Finding]:
    return default_checker().find(text)
