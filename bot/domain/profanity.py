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
MASK_RUN = re.compile(r"\*+")


@dataclass(frozen=True)
class Root:
    pattern: re.Pattern[str]
    forms: tuple[str, ...]   # canonical spellings: a masked token (х*й, п**дец) is matched against them


class ProfanityChecker:
    def __init__(self, lexicon: dict[str, object], dictionary_whitelist: frozenset[str] = frozenset()) -> None:
        prefixes = str(lexicon["prefixes"])

        def compile_one(pattern: object) -> re.Pattern[str]:
            return re.compile(str(pattern).replace("PREFIX", prefixes))

        def items(key: str) -> list[object]:
            found = lexicon[key]
            assert isinstance(found, list)
            return found

        self.roots: list[Root] = []
        for item in items("obscene"):
            assert isinstance(item, dict) and item.get("forms"), item
            self.roots.append(Root(compile_one(item["root"]), tuple(_collapse(str(f)) for f in item["forms"])))
        self.obscene = [r.pattern for r in self.roots]
        self.insult = [compile_one(p) for p in items("insult")]
        self.latin = [compile_one(p) for p in items("obscene_latin")]
        self._obscene_any = _union(self.obscene)
        self._insult_any = _union(self.insult)
        self.masked_forms = tuple(dict.fromkeys(f for r in self.roots for f in r.forms))
        self.prefixes = tuple(sorted(prefixes.strip("(?:)").split("|"), key=len, reverse=True))
        self.whitelist = {_collapse(str(w)) for w in items("whitelist")} | set(dictionary_whitelist)
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
            if not category and " " in raw.strip():   # "с у к а и всё": a one-letter word next to the spelled word
                start, end, category = self._spelled(text, start, end)
                raw = text[start:end]
            if category == "insult" and i + 1 < len(spans) and self._literal(raw, text[slice(*spans[i + 1])]):
                continue
            if category:
                found.append(Finding(raw, start, end, category))
        return found

    def _spelled(self, text: str, start: int, end: int) -> tuple[int, int, str | None]:
        """A run of single letters split by spaces, its first or last letter being a word of its own."""
        letters = [m.start() + start for m in re.finditer(r"\S", text[start:end])]
        for first, last in ((1, 0), (0, 1), (1, 1)):
            if len(letters) - first - last >= 3:
                s, e = letters[first], letters[len(letters) - 1 - last] + 1
                category = self.classify(text[s:e])
                if category:
                    return s, e, category
        return start, end, None

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
        if any(ch in MASK for ch in compact):
            return self._masked(compact.replace("@", "*"))
        token = _collapse(compact.translate(LOOKALIKE))
        if re.fullmatch(r"[а-я]+", token):
            category = self.category(token)
            if category:
                return category
        if "@" in compact:   # "х@й": the @ masks a letter rather than standing for "а"
            return self._masked(compact.replace("@", "*"))
        return None

    def category(self, token: str) -> str | None:
        """The category of a normalised token (see _collapse), the whitelists applied."""
        if token in self.whitelist:
            return None
        return self.raw_category(token)

    def raw_category(self, token: str) -> str | None:
        """The category the roots give a normalised token before any whitelist (the generator uses it)."""
        if self._obscene_any.search(token):
            return "obscene"
        if self._insult_any.search(token):
            return "insult"
        return None

    def _masked(self, compact: str) -> str | None:
        """A token with masking characters: obscene when it spells a canonical form of an obscene root.

        A run of k masking characters stands for 1..k+2 letters ("п**да", "п****ц"); the letters around are
        read like any token (look-alikes, repeats), and a verbal prefix may stand before the form ("за*бали").
        """
        token = "".join("*" if ch in MASK else ch for ch in compact).translate(LOOKALIKE)
        if not re.search(r"[а-я]", token) or re.search(r"[^а-я*]", token):
            return None
        parts = [_collapse(part) for part in MASK_RUN.split(token)]
        runs = [len(m) for m in MASK_RUN.findall(token)]
        heads = [""] + [p for p in self.prefixes if parts[0].startswith(p)]
        for head in heads:
            body = "".join(re.escape(part[len(head):] if i == 0 else part)
                           + (f"[а-я]{{1,{runs[i] + 2}}}" if i < len(runs) else "") for i, part in enumerate(parts))
            pattern = re.compile(f"^{body}$")
            if any(pattern.match(form) for form in self.masked_forms):
                return "obscene"
        return None


def _union(patterns: list[re.Pattern[str]]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p.pattern})" for p in patterns))


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
    data = resources.files("bot") / "data"
    raw = (data / "profanity_ru.json").read_text(encoding="utf-8")
    return ProfanityChecker(json.loads(raw), load_whitelist((data / WHITELIST_FILE).read_text(encoding="utf-8")))


WHITELIST_FILE = "profanity_whitelist.txt"


def load_whitelist(text: str) -> frozenset[str]:
    """The generated dictionary whitelist: one normalised word a line; lines starting with # are comments."""
    return frozenset(line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#"))


def find_profanity(text: str) -> list[Finding]:
    return default_checker().find(text)
