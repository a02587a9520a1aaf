"""Issue 16's data: the seed file bot/data/places.json and the labelled sets in tests/data are well formed
(columns, key syntax, the settlements named exist, the street keys are the lemmas of words of their text,
the counts reach the minimums); the seed file's checker and the admins' input parser refuse what is malformed."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pymorphy3
import pytest

from bot.domain.errors import ValidationFailed
from bot.domain.place_data import (
    REQUIRED_STREET_TYPES,
    SETTLEMENT,
    STREET,
    PlaceInput,
    PlaceRow,
    PlacesFileError,
    merge,
    name_key,
    parse_place,
    parse_seed,
)
from bot.services.places import read_seed

DATA = Path(__file__).parents[1] / "data"
SEED_PATH = Path(__file__).parents[2] / "bot" / "data" / "places.json"
MIN_LABELLED, MIN_PAIRS = 320, 110
#: street:<lemmas, lower case, single spaces>:<house: digits, a letter, /digits or кdigits; empty when none>
STREET_KEY = re.compile(r"street:(?P<name>[а-яё]+(?:-[а-яё]+)*(?: [а-яё]+(?:-[а-яё]+)*)*):"
                        r"(?P<house>(?:\d+[а-я]?(?:/\d+|к\d+)?)?)")
SETTLEMENT_KEY = re.compile(r"settlement:(?P<name>[а-яё]+(?:[ -][а-яё]+)*)")
WORD = re.compile(r"[А-Яа-яЁё]+(?:-[А-Яа-яЁё]+)*")


def lines(name: str) -> Iterator[tuple[int, list[str]]]:
    text = (DATA / name).read_text(encoding="utf-8")
    assert text.endswith("\n") and "\r" not in text, f"{name}: Unix line ends, a newline at the end"
    for number, line in enumerate(text.splitlines(), start=1):
        yield number, line.split("\t")


def labelled() -> list[tuple[str, list[str]]]:
    rows = []
    for number, cols in lines("places_labelled.tsv"):
        assert len(cols) == 2, f"places_labelled.tsv:{number}: expected text<TAB>keys, got {len(cols)} columns"
        text, keys = cols
        rows.append((text, keys.split(" | ") if keys else []))
    return rows


@pytest.fixture(scope="module")
def morph() -> pymorphy3.MorphAnalyzer:
    return pymorphy3.MorphAnalyzer()


def test_the_seed_names_the_districts_settlements_and_every_street_type() -> None:
    seed = read_seed()
    names = {s.name for s in seed.settlements}
    assert {"Зеленчукская", "Исправная", "Кардоникская", "Сторожевая", "Архыз", "Нижний Архыз"} <= names
    assert set(REQUIRED_STREET_TYPES) <= set(seed.street_types)
    assert {"ул.", "пр-т", "пер.", "мкр."} <= {w for words in seed.street_types.values() for w in words}
    assert read_seed(SEED_PATH) == seed


def test_labelled_rows_have_two_columns_unique_texts_and_keys_of_the_agreed_syntax(morph: pymorphy3.MorphAnalyzer) \
        -> None:
    settlements = {s.name.lower() for s in read_seed().settlements}
    texts = [text for text, _ in labelled()]
    assert len(texts) == len(set(texts)), "a text is labelled twice"
    for text, keys in labelled():
        assert text.strip() == text and text, f"blank or padded text: {text!r}"
        assert len(keys) == len(set(keys)), f"a key repeated: {text!r}"
        lemmas = {morph.parse(w)[0].normal_form for w in WORD.findall(text.lower())}
        for key in keys:
            if key.startswith("settlement:"):
                m = SETTLEMENT_KEY.fullmatch(key)
                assert m and m["name"] in settlements, f"{key!r} is no settlement of places.json ({text!r})"
            else:
                m = STREET_KEY.fullmatch(key)
                assert m, f"{key!r} breaks street:<lemmas>:<house> ({text!r})"
                missing = [w for w in m["name"].split() if w not in lemmas]
                assert not missing, f"{key!r}: {missing} are not lemmas of words of {text!r}"


def test_labelled_set_reaches_the_minimums_and_covers_every_kind_of_writing() -> None:
    rows = labelled()
    keys = [k for _, ks in rows for k in ks]
    assert len(rows) >= MIN_LABELLED
    assert sum(1 for _, ks in rows if not ks) >= 60                    # look-alikes and posts with no place
    assert sum(1 for _, ks in rows if len(ks) > 1) >= 30               # several places in one post
    assert sum(1 for k in keys if k.startswith("settlement:")) >= 60
    houses = {k.rsplit(":", 1)[1] for k in keys if k.startswith("street:")}
    assert any(re.fullmatch(r"\d+[а-я]", h) for h in houses)          # 3а
    assert any("/" in h for h in houses) and any("к" in h for h in houses)   # 3/1, 3к2
    assert "" in houses                                                 # a street without a house
    written = " ".join(t for t, _ in rows)
    for form in ("ул.", "д.", "пр-т", "пер.", "мкр.", "ст.", "корп.", "https://", "@", "#", "@mail.ru"):
        assert form in written, form


def test_pairs_have_three_columns_a_known_label_and_reach_the_minimums() -> None:
    labels = []
    for number, cols in lines("places_pairs.tsv"):
        assert len(cols) == 3, f"places_pairs.tsv:{number}: expected text_a<TAB>text_b<TAB>label"
        a, b, label = cols
        assert a and b and a != b, f"places_pairs.tsv:{number}: two different texts"
        assert label in ("same", "different"), f"places_pairs.tsv:{number}: label {label!r}"
        labels.append(label)
    assert len(labels) >= MIN_PAIRS
    assert labels.count("same") >= 40 and labels.count("different") >= 40


def test_no_row_starts_like_a_comment_so_every_loader_reads_every_row() -> None:
    for name in ("places_labelled.tsv", "places_pairs.tsv"):
        assert not [n for n, cols in lines(name) if cols[0].startswith("#")], name


# ---- the seed file's checker ---------------------------------------------------------------------

def seed_json(**changes: object) -> dict[str, object]:
    raw = json.loads(SEED_PATH.read_text(encoding="utf-8"))
    raw.update(changes)
    return raw


@pytest.mark.parametrize(("raw", "problem"), [
    ([], "expected an object"),
    (seed_json(settlements=[]), "'settlements' must be a non-empty list"),
    (seed_json(settlements=[{"name": "Зеленчукская"}]), "settlements[0]: expected"),
    (seed_json(settlements=[{"name": "Зеленчукская", "type": "город", "aliases": []}]), "unknown type 'город'"),
    (seed_json(settlements=[{"name": "123", "type": "аул", "aliases": []}]), "bad name '123'"),
    (seed_json(settlements=[{"name": "Даусуз", "type": "аул", "aliases": [""]}]), "aliases: expected a list"),
    (seed_json(settlements=[{"name": "Даусуз", "type": "аул"}, {"name": "даусуз ", "type": "аул"}]), "listed twice"),
    (seed_json(street_types={"улица": ["ул."]}), "street_types lacks проспект"),
    (seed_json(street_types=dict.fromkeys(REQUIRED_STREET_TYPES, "ул")), "expected a list of non-empty strings"),
])
def test_a_malformed_seed_is_refused_naming_the_problem(raw: object, problem: str) -> None:
    with pytest.raises(PlacesFileError, match=re.escape(problem)):
        parse_seed(raw)


def test_a_seed_file_that_is_not_json_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "places.json"
    path.write_text("{settlements:", encoding="utf-8")
    with pytest.raises(PlacesFileError, match="not JSON"):
        read_seed(path)


# ---- what an admin types ---------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "expected"), [
    ("станица Зеленчукская", PlaceInput(SETTLEMENT, "станица", "Зеленчукская")),
    ("ст.Исправная", PlaceInput(SETTLEMENT, "станица", "Исправная")),
    ("пос. Нижний Архыз", PlaceInput(SETTLEMENT, "посёлок", "Нижний Архыз")),
    ("поселок  Архыз", PlaceInput(SETTLEMENT, "посёлок", "Архыз")),
    ("х. Кобу-Баши", PlaceInput(SETTLEMENT, "хутор", "Кобу-Баши")),
    ("ул. Школьная", PlaceInput(STREET, "улица", "Школьная")),
    ("УЛ.Школьная", PlaceInput(STREET, "улица", "Школьная")),
    ("пр-т Ленина", PlaceInput(STREET, "проспект", "Ленина")),
    ("пер Мира", PlaceInput(STREET, "переулок", "Мира")),
    ("мкр. Северный", PlaceInput(STREET, "микрорайон", "Северный")),
    ("ул. 8 Марта", PlaceInput(STREET, "улица", "8 Марта")),
])
def test_admin_input_gives_the_kind_canonical_type_and_name(text: str, expected: PlaceInput) -> None:
    assert parse_place(text, read_seed().street_types) == expected


@pytest.mark.parametrize(("text", "code"), [
    ("", "place_empty"),
    ("   ", "place_empty"),
    ("Школьная", "place_type_unknown"),
    ("город Черкесск", "place_type_unknown"),
    ("ул.", "place_name_required"),
    ("станица", "place_name_required"),
    ("ул. 12", "place_name_bad"),
    ("ул. <script>", "place_name_bad"),
    ("ул. Мира; DROP TABLE places", "place_name_bad"),
    ("ст. " + "Я" * 65, "place_name_too_long"),
])
def test_malformed_admin_input_is_refused_with_its_reason(text: str, code: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        parse_place(text, read_seed().street_types)
    assert refused.value.code == code


def test_without_a_type_word_removal_finds_by_name() -> None:
    assert parse_place("Даусуз", read_seed().street_types, type_required=False) == PlaceInput(SETTLEMENT, "", "Даусуз")


def test_merge_hides_removed_seed_settlements_adds_the_admins_places_and_ignores_duplicates() -> None:
    seed = read_seed()
    merged = merge(seed, [PlaceRow(SETTLEMENT, "аул", "Даусуз", hidden=True),
                          PlaceRow(SETTLEMENT, "хутор", "Кобу-Баши"),
                          PlaceRow(SETTLEMENT, "станица", "ЗЕЛЕНЧУКСКАЯ"),       # already seeded: not twice
                          PlaceRow(STREET, "улица", "Школьная")])
    names = [s.name for s in merged.settlements]
    assert "Даусуз" not in names and names.count("Зеленчукская") == 1 and "ЗЕЛЕНЧУКСКАЯ" not in names
    assert names[-1] == "Кобу-Баши" and merged.settlements[-1].added
    assert [(s.type, s.name) for s in merged.streets] == [("улица", "Школьная")]
    assert merged.street_types == seed.street_types
    assert merged.settlement("нижний  АРХЫЗ") is not None and name_key("Посёлок") == name_key("поселок")
