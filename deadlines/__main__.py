"""Administrator's command line: ``python -m deadlines due|year …`` with the bot's settings."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from datetime import datetime, tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo

from deadlines.calendar import CalendarOverrides, WorkCalendar
from deadlines.rules import DEFAULT_RULES, RULES, Deadlines, UnknownRule
from deadlines.schedule import DEFAULT_SCHEDULE

RULE_TITLES = {
    "route": "направление в орган (п. 9)",
    "decline": "отказ по компетенции (п. 12)",
    "answer": "ответ (п. 6)",
    "draft": "проект ответа на согласование (п. 13)",
    "approval": "согласование проекта (п. 14)",
    "rework": "доработка проекта (п. 15)",
    "publish": "размещение ответа (п. 16)",
    "info": "информация от органа (п. 17)",
    "final": "окончательный ответ после промежуточного (п. 7)",
}


class CliError(Exception):
    """An error reported as one line on stderr with exit code 2."""


def _one_line(text: str) -> str:
    text = " ".join(text.split())
    return text[:1].upper() + text[1:]


def _load() -> Deadlines:
    """Deadlines from the bot's deadline settings (``bot.settings``), or the defaults when it cannot be imported.

    Only the time zone, the schedule, the calendar and the rules are read: no bot token is needed, and a
    malformed one (or a wrong chat setting) does not stop the command line.
    """
    try:
        from bot.settings import load_deadline_settings
    except ImportError:
        tz = ZoneInfo("Europe/Moscow")
        path = Path(os.environ.get("CALENDAR_PATH") or "./data/calendar.json")
        try:
            overrides = CalendarOverrides.load(path)
        except ValueError as exc:
            raise CliError(str(exc)) from None
        return Deadlines(WorkCalendar(DEFAULT_SCHEDULE, tz, overrides), DEFAULT_RULES)
    try:
        return load_deadline_settings().build_deadlines()
    except ValueError as exc:  # pydantic's ValidationError is a ValueError too
        raise CliError(_describe_settings_error(exc)) from None


def _describe_settings_error(exc: ValueError) -> str:
    if hasattr(exc, "errors"):
        try:
            from bot.settings import describe_validation_error

            text = describe_validation_error(exc)  # type: ignore[arg-type]
            return "Ошибка настроек: " + "; ".join(line for line in text.splitlines()[:-1] if line)
        except Exception:  # noqa: BLE001, S110  fall back to the plain message
            pass
    return f"Ошибка настроек: {exc}"


def _parse_start(text: str, tz: tzinfo) -> datetime:
    try:
        at = datetime.fromisoformat(text.strip())
    except ValueError:
        raise CliError(
            f"Неверное время «{text}»: нужен формат ISO 8601, например 2026-05-08T17:30 или 2026-05-08T17:30+03:00"
        ) from None
    return at.replace(tzinfo=tz) if at.tzinfo is None else at


def _cmd_due(args: argparse.Namespace) -> int:
    if args.rule not in RULES:
        raise CliError(str(UnknownRule(args.rule)))
    deadlines = _load()
    tz = deadlines.calendar.tz
    start = _parse_start(args.start, tz)
    try:
        due = deadlines.due(args.rule, start, urgent=args.urgent)
    except ValueError as exc:
        raise CliError(str(exc)) from None
    start_local = start.astimezone(tz)
    if args.json:
        print(json.dumps({"rule": args.rule, "start": start_local.isoformat(), "due": due.isoformat()},
                         ensure_ascii=False))
    else:
        urgent = ", срочно" if args.urgent else ""
        print(f"Срок «{RULE_TITLES[args.rule]}»{urgent}: от {start_local:%d.%m.%Y %H:%M} "
              f"до {due:%d.%m.%Y %H:%M} ({tz})")
    return 0


def _cmd_year(args: argparse.Namespace) -> int:
    calendar = _load().calendar
    try:
        summary = calendar.year_summary(args.year)
    except ValueError as exc:
        raise CliError(str(exc)) from None
    hours = summary.working_hours
    if args.json:
        print(json.dumps({
            "year": summary.year,
            "working_days": summary.working_days,
            "working_hours": hours,
            "shortened_days": [d.isoformat() for d in summary.shortened_days],
            "confirmed": summary.confirmed,
        }, ensure_ascii=False))
        return 0
    shown_hours = f"{hours:g}"
    days = ", ".join(f"{d:%d.%m}" for d in summary.shortened_days) or "нет"
    print(f"{summary.year} год: рабочих дней {summary.working_days}, рабочих часов {shown_hours}; "
          f"сокращённые предпраздничные дни: {days}")
    if not summary.confirmed:
        print(f"Внимание: данные за {summary.year} год не сверены с постановлением о переносе выходных; "
              "сокращённые дни вычислены по правилу ст. 95 ТК РФ.", file=sys.stderr)
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m deadlines", description="Сроки регламента и производственный календарь.")
    sub = parser.add_subparsers(dest="command", required=True)
    due = sub.add_parser("due", help="срок по правилу от момента START")
    due.add_argument("--rule", required=True, help=f"правило: {', '.join(RULES)}")
    due.add_argument("start", metavar="START", help="начало отсчёта, ISO 8601; без смещения — в часовом поясе бота")
    due.add_argument("--urgent", action="store_true", help="срочное сообщение (сокращённый срок ответа)")
    due.add_argument("--json", action="store_true", help="вывод в JSON")
    due.set_defaults(func=_cmd_due)
    year = sub.add_parser("year", help="итоги производственного календаря за год")
    year.add_argument("year", type=int, metavar="YEAR", help="год, например 2026")
    year.add_argument("--json", action="store_true", help="вывод в JSON")
    year.set_defaults(func=_cmd_year)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return int(args.func(args))
    except CliError as exc:
        print(_one_line(str(exc)), file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
