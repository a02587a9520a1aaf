"""Russian morphology for the place parser and the surge rule: pymorphy3, loaded once, cached by word.

The analyser is built by :func:`default_morphology` (a cached factory: the first call loads the dictionary,
every later call returns the same object) or injected by the caller; nothing is loaded at import time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Any

CASES = frozenset({"nomn", "gent", "datv", "accs", "ablt", "loct", "loc2", "gen2"})


@dataclass(frozen=True)
class Parse:
    """One reading of a word: its dictionary form, part of speech and grammemes."""

    lemma: str
    pos: str
    grammemes: frozenset[str]
    score: float

    @property
    def gender(self) -> str | None:
        for g in ("masc", "femn", "neut"):
            if g in self.grammemes:
                return g
        return "plur" if "plur" in self.grammemes else None


@dataclass
class Morphology:
    """Word -> readings, each word analysed once (the cache grows with the vocabulary of the posts)."""

    analyzer: Any
    _cache: dict[str, tuple[Parse, ...]] = field(default_factory=dict)
    _inflected: dict[tuple[str, frozenset[str]], str] = field(default_factory=dict)
    _known: dict[str, bool] = field(default_factory=dict)

    def parses(self, word: str) -> tuple[Parse, ...]:
        word = word.lower().replace("ё", "е")
        found = self._cache.get(word)
        if found is None:
            found = tuple(Parse(p.normal_form, str(p.tag.POS or ""),
                                frozenset(p.tag.grammemes), float(p.score))
                          for p in self.analyzer.parse(word))
            if len(self._cache) > 200_000:          # a bound for a bot that runs for months
                self._cache.clear()
            self._cache[word] = found
        return found

    def lemma(self, word: str) -> str:
        """The most likely dictionary form."""
        parses = self.parses(word)
        return parses[0].lemma if parses else word.lower()

    def name_lemma(self, word: str) -> str:
        """The dictionary form of a word of a place name: the likeliest reading's (Школьной -> школьный,
        Ленина -> ленин, Мира -> мир, Карла -> карла)."""
        return self.lemma(word)

    def agree(self, adjective: str, noun: str, cases: frozenset[str] = CASES) -> bool:
        """An adjective and a noun in one gender (or the plural), number and case (one of ``cases``):
        «Исправная работа»."""
        for a in self.parses(adjective):
            if a.pos != "ADJF":
                continue
            for n in self.parses(noun):
                if n.pos == "NOUN" and a.gender == n.gender and a.grammemes & cases & n.grammemes:
                    return True
        return False

    def inflect(self, word: str, grammemes: frozenset[str]) -> str:
        """An adjective of a name put in the form a label needs («Школьной» -> «школьная»), or the word itself."""
        key = (word.lower(), grammemes)
        found = self._inflected.get(key)
        if found is None:
            found = word.lower()
            for p in self.analyzer.parse(word.lower()):
                if p.tag.POS == "ADJF" and (form := p.inflect(set(grammemes))) is not None:
                    found = str(form.word)
                    break
            self._inflected[key] = found
        return found

    def known(self, word: str) -> bool:
        """The word is in the dictionary (not a guess from its ending, like «Кардоникская»)."""
        low = word.lower()
        found = self._known.get(low)
        if found is None:
            found = self._known[low] = bool(self.analyzer.word_is_known(low))
        return found

    def has(self, word: str, pos: str, *grammemes: str) -> bool:
        return any(p.pos == pos and all(g in p.grammemes for g in grammemes) for p in self.parses(word))


@cache
def default_morphology() -> Morphology:
    """The one analyser of the process (pymorphy3 with its Russian dictionary), built on first use."""
    import pymorphy3

    return Morphology(pymorphy3.MorphAnalyzer())

