"""Clause 19: the language check, measured on a labelled set of phrases written before the lexicon was tuned."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.domain.profanity import find_profanity

DATA = Path(__file__).parents[1] / "data" / "profanity_labelled.tsv"


def labelled() -> list[tuple[bool, str]]:
    rows = DATA.read_text(encoding="utf-8").splitlines()[1:]
    return [(label == "1", phrase) for label, phrase in (r.split("\t", 1) for r in rows if r.strip())]


def test_cl19_labelled_set_precision_and_recall_at_least_095() -> None:
    rows = labelled()
    assert len(rows) >= 150 and sum(1 for bad, _ in rows if bad) >= 60
    tp = sum(1 for bad, text in rows if bad and find_profanity(text))
    fp = sum(1 for bad, text in rows if not bad and find_profanity(text))
    fn = sum(1 for bad, text in rows if bad and not find_profanity(text))
    precision, recall = tp / (tp + fp), tp / (tp + fn)
    assert precision >= 0.95, precision
    assert recall >= 0.95, recall


@pytest.mark.parametrize("text", ["х.у.й", "Хуууй", "п**дец", "б@#ть", "бляяяя", "XУЙНЯ", "д е б и л",
                                  "ЗАЕБАЛИ", "Пи3дец"])
def test_cl19_obfuscation_is_seen_through(text: str) -> None:
    assert find_profanity(text)


@pytest.mark.parametrize("word", ["страховка", "оскорбление", "употребление", "хлебный", "команда", "рубль",
                                  "мандат", "небо", "колебание", "застрахуйте", "корабля", "учебный"])
def test_cl19_ordinary_words_are_not_flagged(word: str) -> None:
    assert find_profanity(f"Это {word} и ничего больше") == []


def test_finding_points_at_the_original_text() -> None:
    text = "Ответ: вы Д.Е.Б.И.Л, и всё"
    (f,) = find_profanity(text)
    assert text[f.start:f.end] == f.word == "Д.Е.Б.И.Л" and f.category == "insult"


def test_empty_and_long_text() -> None:
    assert find_profanity("") == []
    assert find_profanity("Яма заделана. " * 5000) == []


@pytest.mark.parametrize(("text", "flagged"), [
    ("Заменим тупую иглу в автомате", False),
    ("Тупой нож для резки плёнки заменён", False),
    ("Жители жалуются на тупую боль", False),
    ("Вы тупой, раз не поняли", True),
    ("Тупые жители опять всё перепутали", True),
    ("Тупая администрация", True),
])
def test_cl19_literal_use_of_an_ambiguous_adjective_passes(text: str, flagged: bool) -> None:
    assert bool(find_profanity(text)) is flagged
