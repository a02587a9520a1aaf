"""Issue 16, item 5: the place parser and the pair rule measured on the labelled sets of tests/data.

places_labelled.tsv: ``text<TAB>keys`` (keys joined by `` | ``, empty for no place); places_pairs.tsv:
``text_a<TAB>text_b<TAB>same|different``. Each test fails when its measure drops below 0.95.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.domain import surge as rule
from bot.domain.places import find_places, seed_gazetteer
from tests.conftest import msk

DATA = Path(__file__).parents[1] / "data"
THRESHOLD = 0.95
T0 = msk(2026, 12, 1, 10, 0)


def _rows(name: str) -> list[list[str]]:
    rows = []
    for line in (DATA / name).read_text(encoding="utf-8").splitlines():
        if line.strip():
            rows.append(line.split("\t"))
    return rows


def _labelled() -> list[tuple[str, set[str]]]:
    return [(r[0], {k.strip() for k in (r[1] if len(r) > 1 else "").split("|") if k.strip()})
            for r in _rows("places_labelled.tsv")]


def precision_recall(results: list[tuple[set[str], set[str]]]) -> tuple[float, float]:
    """Micro-averaged over places: (expected, found) per text."""
    tp = sum(len(e & f) for e, f in results)
    fp = sum(len(f - e) for e, f in results)
    fn = sum(len(e - f) for e, f in results)
    return tp / max(tp + fp, 1), tp / max(tp + fn, 1)


def test_precision_recall_counts_every_wrong_and_missed_place() -> None:
    assert precision_recall([({"a"}, {"a"}), (set(), {"b"})]) == (0.5, 1.0)
    assert precision_recall([({"a", "c"}, {"a"})]) == (1.0, 0.5)


def test_the_labelled_set_is_large_and_varied_enough() -> None:
    rows = _labelled()
    assert len(rows) >= 300
    assert sum(1 for _, keys in rows if not keys) >= 30                 # look-alikes without a place
    assert sum(1 for _, keys in rows if len(keys) > 1) >= 15            # several places in one post
    assert sum(1 for _, keys in rows if any(k.startswith("settlement:") for k in keys)) >= 30


def test_place_extraction_precision_and_recall_at_least_095() -> None:
    gazetteer = seed_gazetteer()
    results = [(expected, {p.key for p in find_places(text, gazetteer)}) for text, expected in _labelled()]
    precision, recall = precision_recall(results)
    misses = [(t, sorted(e), sorted(f)) for (t, _), (e, f) in zip(_labelled(), results, strict=True) if e != f]
    assert precision >= THRESHOLD and recall >= THRESHOLD, (precision, recall, misses[:20])


def test_pair_rule_at_least_095_both_ways() -> None:
    gazetteer = seed_gazetteer()
    rows = _rows("places_pairs.tsv")
    assert len(rows) >= 100
    judged: dict[str, list[bool]] = {"same": [], "different": []}
    wrong = []
    for a, b, label in ((r[0], r[1], r[2].strip()) for r in rows):
        same = rule.same_topic(rule.read_post(1, T0, a, gazetteer), rule.read_post(2, T0, b, gazetteer))
        judged[label].append(same == (label == "same"))
        if same != (label == "same"):
            wrong.append((a, b, label))
    assert judged["same"] and judged["different"]
    same_ok = sum(judged["same"]) / len(judged["same"])
    different_ok = sum(judged["different"]) / len(judged["different"])
    assert same_ok >= THRESHOLD and different_ok >= THRESHOLD, (same_ok, different_ok, wrong[:20])


@pytest.mark.parametrize("name", ["places_labelled.tsv", "places_pairs.tsv"])
def test_the_labelled_files_are_well_formed(name: str) -> None:
    for row in _rows(name):
        assert len(row) == (2 if name == "places_labelled.tsv" else 3), row
