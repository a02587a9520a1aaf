"""What a report holds: KPI slices (docs/kpi.md), days, attributed misses, and how its numbers and names
are written."""

from __future__ import annotations

import statistics
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from bot import texts
from bot.domain.accountability import Party
from bot.domain.model import Owner
from bot.domain.sources import platform_by_code
from bot.services.periods import Period
from storage.kpi_queries import KpiRow, PartyMisses

#: An operator's name by Telegram user id (``AccessService.person_name``).
PersonName = Callable[[int], Awaitable[str | None]]


@dataclass
class Slice:
    """One row of the report: KPI counts plus working-time answer statistics."""

    name: str
    kpi: KpiRow
    answer_minutes: list[float] = field(default_factory=list)

    @property
    def mean_minutes(self) -> float | None:
        return statistics.fmean(self.answer_minutes) if self.answer_minutes else None

    @property
    def median_minutes(self) -> float | None:
        return statistics.median(self.answer_minutes) if self.answer_minutes else None


@dataclass
class PartySlice:
    """Attributed misses of one operator or department (docs/kpi.md, «Кто просрочил»)."""

    name: str
    misses: PartyMisses


@dataclass
class DayCounts:
    day: date
    on_time: int = 0
    late: int = 0
    open: int = 0
    clarified: int = 0      # closed by a clarification request alone, not late: not «on time» (KpiRow.clarified)


@dataclass
class Report:
    period: Period
    generated_at: datetime
    total: Slice
    departments: list[Slice]
    platforms: list[Slice]
    daily: list[DayCounts]
    department_misses: list[PartySlice] = field(default_factory=list)
    operator_misses: list[PartySlice] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)       # party key -> name, for the XLSX


@dataclass(frozen=True)
class ReportFiles:
    text: str
    xlsx: bytes
    xlsx_name: str
    png: bytes
    png_name: str


def platform_name(code: str | None) -> str:
    """The platform's name from bot/data/platforms.json (an unknown code: «Другой источник»)."""
    return platform_by_code(code).title if code else texts.NO_VALUE


def fmt_share(value: float | None) -> str:
    return texts.NO_VALUE if value is None else f"{value * 100:.1f}%".replace(".", ",")


def fmt_minutes(value: float | None) -> str:
    if value is None:
        return texts.NO_VALUE
    total = round(value)
    hours, minutes = divmod(total, 60)
    return texts.MINUTES_SHORT.format(h=hours, m=minutes) if hours else texts.MINUTES_ONLY.format(m=minutes)


def fmt_ratio(value: float | None) -> str:
    return texts.NO_VALUE if value is None else f"{value:.2f}".replace(".", ",")


async def party_names(keys: Iterable[str], department_names: dict[int, str],
                      person_name: PersonName | None) -> dict[str, str]:
    """Names of parties (``operator:<id>``, ``department:<id>``): operators as Telegram gives them."""
    out: dict[str, str] = {}
    for key in keys:
        if key in out:
            continue
        party = Party.parse(key)
        if party.kind == Owner.DEPARTMENT:
            out[key] = department_names.get(party.id, str(party.id))
        else:
            name = await person_name(party.id) if person_name is not None else None
            out[key] = name or texts.KPI_OPERATOR.format(id=party.id)
    return out
