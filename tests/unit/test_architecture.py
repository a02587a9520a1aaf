"""The one-way data flow, checked on the source: who may import what, and where SQL may live."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SQL = re.compile(r"\b(SELECT\s+[\w*(]|INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|CREATE\s+(TABLE|INDEX))",
                 re.IGNORECASE)


def sources(*folders: str) -> list[Path]:
    return sorted(p for f in folders for p in (ROOT / f).rglob("*.py"))


def imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


def string_constants(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)]


@pytest.mark.parametrize("path", sources("bot", "handlers", "deadlines"), ids=lambda p: str(p.relative_to(ROOT)))
def test_sql_lives_only_in_storage(path: Path) -> None:
    offending = [s for s in string_constants(path) if SQL.search(s)]
    assert not offending, f"SQL outside storage/: {offending[:2]}"


# The administrator's command line (`python -m deadlines due …`) reads the bot's settings when present;
# the calendar and the clocks it prints are the pure modules checked here.
@pytest.mark.parametrize("path", [p for p in sources("deadlines") if p.name != "__main__.py"],
                         ids=lambda p: str(p.relative_to(ROOT)))
def test_deadlines_are_pure(path: Path) -> None:
    allowed_third_party = {"holidays"}
    if path.name.startswith("scheduler"):        # the APScheduler wiring may sit beside the clocks
        allowed_third_party.add("apscheduler")
    bad = {m for m in imports(path) if m in {"aiogram", "aiosqlite", "sqlite3", "storage", "bot", "handlers",
                                                "apscheduler", "pydantic", "pydantic_settings"}
           and m not in allowed_third_party}
    assert not bad, f"{path.name} imports {bad}"


@pytest.mark.parametrize("path", sources("bot/domain"), ids=lambda p: str(p.relative_to(ROOT)))
def test_domain_is_pure(path: Path) -> None:
    bad = imports(path) & {"aiogram", "aiosqlite", "sqlite3", "storage", "handlers", "apscheduler"}
    assert not bad, f"{path.name} imports {bad}"


@pytest.mark.parametrize("path", sources("handlers"), ids=lambda p: str(p.relative_to(ROOT)))
def test_handlers_never_touch_storage(path: Path) -> None:
    bad = imports(path) & {"aiosqlite", "sqlite3", "storage"}
    assert not bad, f"{path.name} imports {bad}"


@pytest.mark.parametrize("path", sources("storage"), ids=lambda p: str(p.relative_to(ROOT)))
def test_storage_knows_no_telegram(path: Path) -> None:
    # storage/fsm.py is aiogram's FSM storage interface implemented on SQLite: it must name aiogram's types.
    bad = imports(path) & ({"handlers"} if path.name == "fsm.py" else {"aiogram", "handlers"})
    assert not bad, f"{path.name} imports {bad}"


def test_no_bare_now_in_rules() -> None:
    """Rules take the injected clock: no datetime.now()/utcnow()/date.today() in the domain, deadlines,
    services or handlers (the SystemClock is the one place that reads the wall clock)."""
    pattern = re.compile(r"\b(datetime\.now|datetime\.utcnow|date\.today|time\.time)\(")
    offenders = []
    for path in sources("bot/domain", "bot/services", "deadlines", "handlers"):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if pattern.search(line):
                offenders.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()}")
    assert not offenders, offenders
