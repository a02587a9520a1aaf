"""The production calendar of Russia: days off and working weekend days (``holidays``), shortened
pre-holiday days (data for confirmed years, art. 95 by rule otherwise)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from pathlib import Path

import holidays

DATA_PATH = Path(__file__).parent / "data" / "production_calendar.json"
# Non-working holidays of art. 112 of the Labour Code (month, day).
_ART_112 = frozenset([(1, d) for d in range(1, 9)] + [(2, 23), (3, 8), (5, 1), (5, 9), (6, 12), (11, 4)])


@dataclass(frozen=True)
class ProductionData:
    first_year: int
    last_year: int
    confirmed_years: frozenset[int]
    shortened: dict[int, frozenset[date]]


@cache
def production_data(path: Path = DATA_PATH) -> ProductionData:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        shortened = {
            int(year): frozenset(date.fromisoformat(s) for s in days)
            for year, days in raw.get("shortened_days", {}).items()
        }
        for year, days in shortened.items():
            if any(d.year != year for d in days):
                raise ValueError(f"в списке сокращённых дней {year} года есть дата другого года")
        return ProductionData(
            first_year=int(raw["first_year"]),
            last_year=int(raw["last_year"]),
            confirmed_years=frozenset(int(y) for y in raw.get("confirmed_years", [])),
            shortened=shortened,
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ValueError(f"Производственный календарь {path} повреждён: {exc}") from exc


@cache
def ru_year(year: int) -> tuple[frozenset[date], frozenset[date]]:
    """(days off: holidays and transferred days off, working weekend days) of the Russian calendar."""
    ru = holidays.RU(years=year, observed=True)
    days_off = frozenset(d for d in ru if d.year == year)
    workdays = frozenset(d for d in getattr(ru, "weekend_workdays", ()) if d.year == year)
    return days_off, workdays


def _production_working(d: date) -> bool:
    """A working day of the official five-day-week production calendar."""
    days_off, workdays = ru_year(d.year)
    if d in days_off:
        return False
    return d in workdays or d.weekday() < 5


@cache
def base_shortened(year: int) -> frozenset[date]:
    """Shortened pre-holiday days: data for the year, otherwise art. 95 by rule (unconfirmed)."""
    data = production_data()
    if year in data.shortened:
        return data.shortened[year]
    return rule_shortened(year)


def rule_shortened(year: int) -> frozenset[date]:
    """Art. 95 by rule: a working day before a non-working holiday; a transferred working Saturday
    also when only a Sunday and at most one transferred day off separate it from the holiday
    (how the decrees of 2020–2026 read)."""
    _, workdays = ru_year(year)
    result = set()
    d = date(year, 1, 1)
    while d.year == year:
        if _production_working(d):
            gap = 2 if d in workdays else 0
            nxt = d + timedelta(days=1)
            while gap and not _production_working(nxt) and (nxt.month, nxt.day) not in _ART_112:
                nxt += timedelta(days=1)
                gap -= 1
            if (nxt.month, nxt.day) in _ART_112 and not _production_working(nxt):
                result.add(d)
        d += timedelta(days=1)
    return frozenset(result)
