"""Clause 19: the language check, measured on a labelled set of phrases (tests/data/profanity_labelled.tsv)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.domain.profanity import default_checker, find_profanity

DATA = Path(__file__).parents[1] / "data" / "profanity_labelled.tsv"
LEXICON = Path(__file__).parents[2] / "bot" / "data" / "profanity_ru.json"


def labelled() -> list[tuple[bool, str]]:
    rows = DATA.read_text(encoding="utf-8").splitlines()[1:]
    return [(label == "1", phrase) for label, phrase in (r.split("\t", 1) for r in rows if r.strip())]


def test_cl19_labelled_set_precision_and_recall_at_least_098() -> None:
    """Measured on 2026-12-01: 478 phrases (204 offensive, 274 ordinary), precision 1.000, recall 1.000.

    The 314 phrases added with the slurs caught four misses before the lexicon was fixed (козлина, шалава,
    пи*дёж, уебки) and no false positive; the hard negatives are ordinary words with obscene-looking parts.
    """
    rows = labelled()
    assert len(rows) >= 400 and sum(1 for bad, _ in rows if bad) >= 150
    assert len({text for _, text in rows}) == len(rows), "a phrase is in the set twice"
    tp = sum(1 for bad, text in rows if bad and find_profanity(text))
    fp = sum(1 for bad, text in rows if not bad and find_profanity(text))
    fn = sum(1 for bad, text in rows if bad and not find_profanity(text))
    precision, recall = tp / (tp + fp), tp / (tp + fn)
    print(f"cl. 19 labelled set: {len(rows)} phrases, precision {precision:.3f}, recall {recall:.3f}")
    assert precision >= 0.98, precision
    assert recall >= 0.98, recall


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


# Masked spellings, generated for every canonical form of every obscene root in the lexicon: a root added
# without forms, or with forms the masking logic cannot see through, fails here.
LATIN = {"а": "a", "е": "e", "о": "o", "р": "p", "с": "c", "х": "x", "у": "y", "к": "k", "м": "m", "т": "t",
         "н": "h", "в": "b", "и": "u", "з": "3", "б": "6", "ч": "4"}


def masked_spellings(form: str) -> list[str]:
    inner = range(1, len(form) - 1)
    out = [form[:i] + mask + form[i + 1:] for i in inner for mask in "*#"]
    out += [form[:i] + "**" + form[i + 2:] for i in range(1, len(form) - 2)]
    if len(form) >= 4:
        out += [form[0] + "*" * (len(form) - 2) + form[-1], form[:2] + "@" * (len(form) - 3) + form[-1]]
    out += [form[:1] + "@" + form[2:], ".".join(form), " ".join(form), "-".join(form)]
    out += ["".join(LATIN.get(ch, ch) for ch in form), form.upper(), form[0].upper() + form[1:]]
    out += [form[:i] + LATIN[ch] + form[i + 1:] for i, ch in enumerate(form) if ch in LATIN]
    out += [form[:i] + ch * 4 + form[i + 1:] for i, ch in enumerate(form)]
    return list(dict.fromkeys(out))


ROOTS = [(str(item["root"]), [str(f) for f in item["forms"]]) for item in json.loads(LEXICON.read_text("utf-8"))["obscene"]]


@pytest.mark.parametrize(("root", "forms"), ROOTS, ids=[r for r, _ in ROOTS])
def test_cl19_every_obscene_root_has_canonical_forms_it_matches(root: str, forms: list[str]) -> None:
    checker = default_checker()
    assert len(forms) >= 3, f"{root}: give at least three canonical forms"
    for form in forms:
        assert checker.classify(form) == "obscene", form


@pytest.mark.parametrize(("root", "forms"), ROOTS, ids=[r for r, _ in ROOTS])
def test_cl19_masked_spellings_of_every_obscene_root_are_caught(root: str, forms: list[str]) -> None:
    missed = [s for form in forms for s in masked_spellings(form) if not find_profanity(f"Ответ: {s} и всё")]
    assert not missed, missed


@pytest.mark.parametrize("text", ["х*й", "п**да", "е*ать", "б**дь", "с*ка", "м*дак", "п****ц", "за*бали", "н@хуй",
                                  "x у й", "п.и.з.д.е.ц", "6лядь", "cyka", "мyдак", "xуйня", "Х#ЙНЯ", "сучара",
                                  "пидрила", "на х*р"])
def test_cl19_common_masked_spellings(text: str) -> None:
    assert find_profanity(text), text


@pytest.mark.parametrize("text", ["**Важно:** приём с 9:00", "Оценка 5*, спасибо", "Корпус #3, кв. 5",
                                  "пишите на adm@mail.ru", "Ст. 5.1 КоАП", "Ул. Мира, д. 5-а", "с у т к и",
                                  "м*сто", "к*манда"])
def test_cl19_masks_and_separators_in_ordinary_text_pass(text: str) -> None:
    assert find_profanity(text) == []
