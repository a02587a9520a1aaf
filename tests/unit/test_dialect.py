"""storage/dialect.py: how a statement written once becomes PostgreSQL's (and SQLite's stays as written)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from storage.dialect import POSTGRESQL, SQLITE_DIALECT, Dialect, translate


def test_positional_parameters_are_numbered_in_order() -> None:
    got = translate("SELECT * FROM cases WHERE id = ? AND org_id = ? LIMIT ?")
    assert got.text == "SELECT * FROM cases WHERE id = $1 AND org_id = $2 LIMIT $3"
    assert got.names is None and got.returns_rows
    assert got.args((7, 1, 5)) == [7, 1, 5]


def test_numbered_parameters_keep_their_numbers() -> None:
    got = translate("UPDATE drafts SET decision=?1 WHERE id=?2 AND (decision IS NOT ?1)")
    assert got.text == "UPDATE drafts SET decision=$1 WHERE id=$2 AND (decision IS DISTINCT FROM $1)"
    assert not got.returns_rows


def test_named_parameters_become_numbers_reused_by_name() -> None:
    got = translate("SELECT 1 FROM d WHERE due_at < :now AND due_at >= :since AND closed_at < :now")
    assert got.text == "SELECT 1 FROM d WHERE due_at < $1 AND due_at >= $2 AND closed_at < $1"
    assert got.args({"since": "a", "now": "b", "unused": 1}) == ["b", "a"]


def test_named_and_positional_parameters_do_not_mix() -> None:
    with pytest.raises(ValueError, match="mixes"):
        translate("SELECT 1 WHERE a = ? AND b = :b")
    with pytest.raises(TypeError):
        translate("SELECT 1 WHERE a = :a").args((1,))
    with pytest.raises(TypeError):
        translate("SELECT 1 WHERE a = ?").args({"a": 1})


def test_question_marks_and_colons_inside_literals_and_comments_are_text() -> None:
    got = translate("SELECT '?', 'a:b', \"x?\" FROM t -- why? :no\nWHERE a = ? AND b::text = '10:00'")
    assert got.text == "SELECT '?', 'a:b', \"x?\" FROM t -- why? :no\nWHERE a = $1 AND b::text = '10:00'"


def test_insert_or_ignore_becomes_on_conflict_do_nothing() -> None:
    got = translate("INSERT OR IGNORE INTO albums (album_key, case_id) VALUES (?, ?)")
    assert got.text == "INSERT INTO albums (album_key, case_id) VALUES ($1, $2) ON CONFLICT DO NOTHING"


def test_insert_into_a_table_with_an_id_returns_it() -> None:
    got = translate("INSERT INTO events (case_id, kind) VALUES (?, ?);", {"events"})
    assert got.text.endswith("RETURNING id") and got.returns_id and got.returns_rows
    plain = translate("INSERT INTO albums (album_key) VALUES (?)", {"events"})
    assert not plain.returns_id and not plain.returns_rows
    kept = translate("INSERT INTO events (kind) VALUES (?) RETURNING id, at", {"events"})
    assert kept.text.count("RETURNING") == 1 and not kept.returns_id and kept.returns_rows


def test_null_safe_comparisons_and_json_object() -> None:
    got = translate("SELECT json_object('id', x.id) FROM x WHERE a IS ? AND b IS NOT NULL AND c IS NULL")
    assert got.text == ("SELECT jsonb_build_object('id', x.id) FROM x WHERE a IS NOT DISTINCT FROM $1 "
                        "AND b IS NOT NULL AND c IS NULL")


def test_a_dialect_translates_each_statement_once() -> None:
    dialect = Dialect(POSTGRESQL, frozenset({"cases"}))
    first = dialect.statement("INSERT INTO cases (text) VALUES (?)")
    assert dialect.statement("INSERT INTO cases (text) VALUES (?)") is first
    assert first.returns_id
    assert not SQLITE_DIALECT.is_postgresql and dialect.is_postgresql


@given(st.lists(st.sampled_from(["a = ?", "'x?y'", "b = ?", "'it''s ?'", "c IS NOT ?", "-- ?\n"]),
                min_size=1, max_size=12))
def test_every_placeholder_outside_literals_gets_the_next_number(parts: list[str]) -> None:
    sql = "SELECT 1 WHERE " + " AND ".join(parts)
    text = translate(sql).text
    expected = sum(p in ("a = ?", "b = ?", "c IS NOT ?") for p in parts)
    assert re.findall(r"\$(\d+)", text) == [str(i) for i in range(1, expected + 1)]
    for literal in ("'x?y'", "'it''s ?'"):
        assert text.count(literal) == parts.count(literal)


def test_sqlites_current_time_text_becomes_the_statements_clock() -> None:
    st_ = translate("UPDATE fsm_state SET updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE key = ?")
    assert st_.text == ("UPDATE fsm_state SET updated_at = to_char(statement_timestamp() AT TIME ZONE 'UTC', "
                        "'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"') WHERE key = $1")
