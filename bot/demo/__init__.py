"""`python -m bot.demo` (`make demo`): a scripted working day played offline through the real bot.

The real dispatcher, services, SQLite storage, outbox sender and scheduler (reminders, digests) run
against the fake Telegram (bot/fake_telegram/) with a moving clock; the demo prints, step by
step, what each chat (operator, departments, head) sees, and checks it: the exit status is 0 only
if every step showed what it should. No token, no network; a temporary folder holds the database.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path
from typing import TextIO

from bot.demo.runner import DemoFailure


async def run_demo(out: TextIO) -> int:
    """Play the day, writing to ``out``; 0 if every step showed what was expected, else 1."""
    from bot.demo.day import demo_for, play

    with tempfile.TemporaryDirectory(prefix="bot-demo-") as tmp:
        demo = demo_for(out, Path(tmp))
        try:
            await play(demo)
        except DemoFailure as exc:
            demo.failures.append(str(exc))
        finally:
            await demo.close()
        demo.failures.extend(f"предупреждение или ошибка в журнале бота: {line}" for line in demo.errors.records)
    out.write("━" * 96 + "\n")
    if demo.failures:
        out.write(f"ДЕМОНСТРАЦИЯ НЕ ПРОШЛА: расхождений — {len(demo.failures)}\n")
        for failure in demo.failures:
            out.write(f"  ✗ {failure}\n")
        return 1
    out.write(f"Демонстрация прошла: шагов — {demo.steps}, каждый показал то, что ожидалось.\n")
    return 0


def main() -> int:
    out = sys.stdout
    if hasattr(out, "reconfigure"):
        out.reconfigure(encoding="utf-8")
    return asyncio.run(run_demo(out))
