"""Administrator-edited days on top of the production calendar: regional days off, extra working and
shortened days, dates declared working by the head (cl. 8)."""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

_OVERRIDE_FIELDS = ("regional_days_off", "extra_working_days", "extra_shortened_days", "declared_working_days")


@dataclass
class CalendarOverrides:
    """Administrator-edited days on top of the production calendar (a JSON file)."""

    regional_days_off: set[date] = field(default_factory=set)
    extra_working_days: set[date] = field(default_factory=set)
    extra_shortened_days: set[date] = field(default_factory=set)
    declared_working_days: set[date] = field(default_factory=set)  # cl. 8: declared working by the head

    @classmethod
    def load(cls, path: Path | str) -> CalendarOverrides:
        """Missing file → empty overrides; malformed → ValueError naming the file and the problem."""
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return cls()
        except OSError as exc:
            raise ValueError(f"Файл календаря {path}: не удалось прочитать ({exc.strerror or exc})") from exc
        if not text.strip():
            return cls()
        return cls.from_text(text, f"Файл календаря {path}")

    @classmethod
    def from_text(cls, text: str, where: str) -> CalendarOverrides:
        """The overrides of a JSON text (the file's, or the database's on PostgreSQL); ValueError naming
        ``where`` and the problem."""
        try:
            raw = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValueError(f"{where}: ошибка JSON в строке {exc.lineno}, столбце {exc.colno}: {exc.msg}") from exc
        return cls.from_dict(raw, where)

    @classmethod
    def from_dict(cls, raw: Any, where: str) -> CalendarOverrides:
        if not isinstance(raw, dict):
            raise ValueError(f"{where}: ожидается объект JSON с полями {', '.join(_OVERRIDE_FIELDS)}")
        unknown = [k for k in raw if k not in _OVERRIDE_FIELDS and not k.startswith("_") and k not in ("about", "comment")]
        if unknown:
            raise ValueError(f"{where}: неизвестное поле «{unknown[0]}»; допустимы {', '.join(_OVERRIDE_FIELDS)}")
        result = cls()
        for name in _OVERRIDE_FIELDS:
            values = raw.get(name, [])
            if not isinstance(values, list):
                raise ValueError(f"{where}: поле «{name}» должно быть списком дат")
            target: set[date] = getattr(result, name)
            for value in values:
                target.add(_parse_date(value, where, name))
        return result

    def to_dict(self) -> dict[str, list[str]]:
        """Every field as a sorted list of ISO dates (the file's and the database's form)."""
        return {name: sorted(d.isoformat() for d in getattr(self, name)) for name in _OVERRIDE_FIELDS}

    def save(self, path: Path | str) -> None:
        """Atomic write: a temporary file beside the target, then ``os.replace``."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps(self.to_dict(), ensure_ascii=False, indent=2) + "\n"
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(text)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        except BaseException:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise


def _parse_date(value: Any, where: str, name: str) -> date:
    if isinstance(value, str):
        text = value.strip()
        try:
            return date.fromisoformat(text)
        except ValueError:
            pass
        try:
            return datetime.strptime(text, "%d.%m.%Y").date()
        except ValueError:
            pass
    raise ValueError(f"{where}: в поле «{name}» неверная дата «{value}»; нужен вид ГГГГ-ММ-ДД")
