"""`make bench`: run every benchmark module (bench/*_bench.py) and print one table.

Each module exposes ``run() -> list[dict]``; a row has ``name``, ``value``, ``unit``, ``target``
(text) and ``ok`` (bool or None when there is no target).
"""

from __future__ import annotations

import importlib
import pkgutil
import platform
import sys
import time
from pathlib import Path


def main(argv: list[str]) -> int:
    only = set(argv)
    folder = Path(__file__).parent
    names = sorted(m.name for m in pkgutil.iter_modules([str(folder)]) if m.name.endswith("_bench"))
    rows: list[dict] = []
    for name in names:
        if only and name.removesuffix("_bench") not in only and name not in only:
            continue
        module = importlib.import_module(f"bench.{name}")
        started = time.perf_counter()
        print(f"… {name}", file=sys.stderr, flush=True)
        rows.extend(module.run())
        print(f"  {name}: {time.perf_counter() - started:.1f} s", file=sys.stderr, flush=True)
    print(f"Machine: {platform.machine()}, {platform.processor() or 'cpu'}, "
          f"Python {platform.python_version()}, {_cores()} cores")
    header = ("benchmark", "value", "unit", "target", "ok")
    table = [header] + [
        (r["name"], _fmt(r["value"]), r.get("unit", ""), r.get("target", ""),
         "" if r.get("ok") is None else ("yes" if r["ok"] else "NO"))
        for r in rows
    ]
    widths = [max(len(str(row[i])) for row in table) for i in range(len(header))]
    for i, row in enumerate(table):
        print("| " + " | ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)) + " |")
        if i == 0:
            print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return 0 if all(r.get("ok") is not False for r in rows) else 1


def _fmt(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.3g}" if abs(value) < 1000 else f"{value:.0f}"
    return str(value)


def _cores() -> int:
    import os

    return os.cpu_count() or 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
