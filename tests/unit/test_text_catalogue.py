"""The text catalogue is one namespace (``bot.texts`` re-exports every audience module): a name defined in two
modules would silently take the last one's text."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

TEXTS = Path(__file__).resolve().parents[2] / "bot" / "texts"


def test_every_text_name_is_defined_in_one_module_only() -> None:
    where: dict[str, list[str]] = defaultdict(list)
    for path in sorted(TEXTS.glob("*.py")):
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(
                node, ast.AnnAssign) else []
            for t in targets:
                if isinstance(t, ast.Name) and t.id.isupper():
                    where[t.id].append(path.name)
    assert {name: files for name, files in where.items() if len(set(files)) > 1} == {}
