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


PACKAGES = ("bot", "handlers", "storage", "deadlines")
CLOCK = ROOT / "bot" / "runtime" / "clock.py"
TEXT_CATALOGUE = ROOT / "bot" / "texts"
MAX_LINES = 400


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def project_modules() -> dict[str, Path]:
    return {module_name(p): p for p in sources(*PACKAGES)}


def project_imports(path: Path, known: dict[str, Path]) -> set[str]:
    """Every project module ``path`` imports, wherever the import stands: module level, inside a function,
    under ``TYPE_CHECKING``. ``from a import b`` counts as ``a.b`` when that is a module, else as ``a``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    me = module_name(path)
    package = me if path.name == "__init__.py" else me.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            names = [f"{base}.{a.name}" if f"{base}.{a.name}" in known else base for a in node.names]
        else:
            continue
        for name in names:
            while name and name not in known:
                name = name.rpartition(".")[0]
            if name and name != me:
                found.add(name)
    return found


def import_graph() -> dict[str, set[str]]:
    known = project_modules()
    return {name: project_imports(path, known) for name, path in known.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's strongly connected components of more than one module."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_no_import_circles_anywhere() -> None:
    """Not even one hidden by an import inside a function or under TYPE_CHECKING."""
    assert cycles(import_graph()) == []


def test_the_circle_finder_finds_a_circle() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_function_level_imports_count() -> None:
    graph = import_graph()
    assert "bot.runtime.clock" in graph["bot.app.container"]


# Who may import whom (house.md): presentation → use cases → domain and deadlines; storage implements what
# the use cases need; delivery knows transport only; only the composition root (bot/app) sees everything.
FORBIDDEN = {
    "bot.domain": ("handlers", "storage", "bot.services", "bot.jobs", "bot.delivery", "bot.app", "bot.demo",
                   "bot.settings"),
    "deadlines": ("handlers", "storage", "bot"),
    "storage": ("handlers", "bot.services", "bot.jobs", "bot.delivery", "bot.app", "bot.demo", "bot.texts"),
    "bot.services": ("handlers", "bot.delivery", "bot.app", "bot.demo", "bot.jobs"),
    "bot.jobs": ("handlers", "bot.delivery", "bot.app", "bot.demo"),
    "bot.delivery": ("handlers", "bot.texts", "bot.services", "bot.jobs", "bot.app", "bot.demo"),
    # The notice renderers implement delivery's port (bot/delivery/outgoing.py): they never drive the sender.
    "handlers": ("storage", "bot.delivery.sender", "bot.jobs", "bot.app", "bot.demo"),
    "bot.runtime": ("handlers", "storage", "bot.services", "bot.jobs", "bot.delivery", "bot.app", "bot.domain",
                    "bot.demo"),
}


# `python -m deadlines`: the administrator's command line reads the bot's settings when present.
ENTRY_POINTS = {"deadlines.__main__"}


def _within(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_imports_go_one_way(layer: str) -> None:
    bad = sorted(f"{module} → {target}" for module, targets in import_graph().items()
                 if _within(module, layer) and module not in ENTRY_POINTS
                 for target in targets if any(_within(target, f) for f in FORBIDDEN[layer]))
    assert not bad, bad


@pytest.mark.parametrize("path", sources("bot/delivery", "bot/domain", "deadlines", "bot/services", "bot/jobs"),
                         ids=lambda p: str(p.relative_to(ROOT)))
def test_only_presentation_renders(path: Path) -> None:
    """Delivery is transport: it never renders; the domain, the clocks, use cases and jobs never build
    Telegram markup."""
    bad = {m for m in imports(path) if m == "handlers"}
    if not str(path).startswith(str(ROOT / "bot" / "delivery")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        bad |= {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module
                and n.module.startswith(("aiogram.types", "aiogram.utils.keyboard"))}
    assert not bad, f"{path.name} imports {bad}"


def test_bot_top_level_holds_only_entry_points() -> None:
    """Each layer has its folder; the top of bot/ keeps the entry points only."""
    top = sorted(p.name for p in (ROOT / "bot").glob("*.py"))
    assert top == ["__init__.py", "__main__.py", "migrate_db.py", "restore.py"]


@pytest.mark.parametrize("path", [p for p in sources(*PACKAGES) if TEXT_CATALOGUE not in p.parents],
                         ids=lambda p: str(p.relative_to(ROOT)))
def test_modules_stay_small(path: Path) -> None:
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{lines} lines: split it by what it does"


BARE_NOW = re.compile(r"\b(datetime\.now|datetime\.utcnow|date\.today|time\.time|time\.monotonic_ns)\(")


def test_no_bare_now_anywhere() -> None:
    """Everything takes the injected clock: the SystemClock is the one place that reads the wall clock."""
    offenders = []
    for path in sources(*PACKAGES):
        if path == CLOCK:
            continue
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if BARE_NOW.search(line):
                offenders.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()}")
    assert not offenders, offenders
