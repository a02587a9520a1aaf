"""``python -m deadlines``: the administrator's command line, run as a real process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from deadlines import __main__ as cli

ROOT = Path(__file__).resolve().parents[2]


def run(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("DEADLINE_", "WORK_", "TIMEZONE"))}
    environ.setdefault("CALENDAR_PATH", str(tmp_path / "calendar.json"))
    environ.update(env)
    return subprocess.run([sys.executable, "-m", "deadlines", *args], cwd=ROOT, env=environ,
                          capture_output=True, text=True, timeout=60)


def assert_one_line_error(result: subprocess.CompletedProcess[str], fragment: str) -> None:
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert fragment in lines[0]


def test_due_json_friday_evening_before_holiday(tmp_path: Path) -> None:
    result = run(tmp_path, "due", "--rule", "answer", "2026-05-08T17:30", "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "rule": "answer", "start": "2026-05-08T17:30:00+03:00", "due": "2026-05-12T12:00:00+03:00"}


def test_due_json_with_offset_and_urgent(tmp_path: Path) -> None:
    result = run(tmp_path, "due", "--rule", "answer", "2026-03-02T13:30:00+00:00", "--urgent", "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "rule": "answer", "start": "2026-03-02T16:30:00+03:00", "due": "2026-03-03T09:30:00+03:00"}


def test_due_human_line_in_russian(tmp_path: Path) -> None:
    result = run(tmp_path, "due", "--rule", "final", "2026-03-06T10:00")
    assert result.returncode == 0, result.stderr
    assert "10.03.2026 18:00" in result.stdout
    assert "Срок" in result.stdout


def test_due_reads_calendar_overrides(tmp_path: Path) -> None:
    (tmp_path / "calendar.json").write_text('{"regional_days_off": ["2025-03-31"]}', encoding="utf-8")
    result = run(tmp_path, "due", "--rule", "answer", "2025-03-28T17:00", "--json")
    assert json.loads(result.stdout)["due"] == "2025-04-01T11:00:00+03:00"


def test_year_json(tmp_path: Path) -> None:
    result = run(tmp_path, "year", "2026", "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "year": 2026, "working_days": 247, "working_hours": 1972,
        "shortened_days": ["2026-04-30", "2026-05-08", "2026-06-11", "2026-11-03"], "confirmed": True}


def test_year_unconfirmed_warns_on_stderr(tmp_path: Path) -> None:
    result = run(tmp_path, "year", "2027")
    assert result.returncode == 0
    assert "2027" in result.stdout
    assert "не сверены" in result.stderr
    as_json = run(tmp_path, "year", "2027", "--json")
    assert json.loads(as_json.stdout)["confirmed"] is False


def test_bad_rule_exit_2_one_line(tmp_path: Path) -> None:
    assert_one_line_error(run(tmp_path, "due", "--rule", "escalate", "2026-03-02T10:00"), "Неизвестное правило")


def test_bad_timestamp_exit_2_one_line(tmp_path: Path) -> None:
    assert_one_line_error(run(tmp_path, "due", "--rule", "answer", "2026-13-02 25:00"), "Неверное время")


def test_year_outside_data_exit_2_one_line(tmp_path: Path) -> None:
    assert_one_line_error(run(tmp_path, "year", "2090"), "2090")


def test_bad_settings_exit_2_one_line(tmp_path: Path) -> None:
    assert_one_line_error(run(tmp_path, "year", "2026", TIMEZONE="Mars/Olympus"), "TIMEZONE")


def test_malformed_calendar_file_exit_2_one_line(tmp_path: Path) -> None:
    (tmp_path / "calendar.json").write_text("{oops", encoding="utf-8")
    assert_one_line_error(run(tmp_path, "year", "2026"), "calendar.json")


def test_usage_error_is_argparse_exit_2(tmp_path: Path) -> None:
    assert run(tmp_path, "due", "2026-03-02T10:00").returncode == 2


def test_load_falls_back_to_defaults_without_bot_config(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setitem(sys.modules, "bot.settings", None)   # import raises ImportError
    monkeypatch.setenv("CALENDAR_PATH", str(tmp_path / "calendar.json"))
    deadlines = cli._load()
    assert str(deadlines.calendar.tz) == "Europe/Moscow"
    assert deadlines.rules["answer"].minutes == 180
    (tmp_path / "calendar.json").write_text('{"declared_working_days": ["2026-03-14"]}', encoding="utf-8")
    assert cli._load().calendar.is_working_day(date(2026, 3, 14))


def test_malformed_bot_token_does_not_stop_the_command_line(tmp_path: Path) -> None:
    result = run(tmp_path, "due", "--rule", "answer", "2026-05-08T17:30", "--json", BOT_TOKEN="garbage")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["due"] == "2026-05-12T12:00:00+03:00"


def test_command_line_needs_no_bot_token(tmp_path: Path) -> None:
    environ = {k: v for k, v in os.environ.items() if k != "BOT_TOKEN"}
    result = subprocess.run([sys.executable, "-m", "deadlines", "year", "2026", "--json"], cwd=tmp_path,
                            env={**environ, "PYTHONPATH": str(ROOT),
                                 "CALENDAR_PATH": str(tmp_path / "calendar.json")},
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["working_days"] == 247


def test_bad_work_hours_still_stop_it_with_a_garbage_token(tmp_path: Path) -> None:
    assert_one_line_error(run(tmp_path, "year", "2026", BOT_TOKEN="garbage", WORK_HOURS="25:00-26:00"),
                          "WORK_HOURS")
