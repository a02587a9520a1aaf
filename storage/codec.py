"""Values to and from SQLite: datetimes as sortable UTC ISO 8601 text, lists as JSON."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from bot.domain.model import Media


def ts(dt: datetime | None) -> str | None:
    if dt is None:
        return None
    if dt.tzinfo is None:
        raise ValueError("naive datetime cannot be stored")
    return dt.astimezone(UTC).isoformat(timespec="microseconds")


def dt(value: str | None) -> datetime | None:
    if value is None:
        return None
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def dt_req(value: str) -> datetime:
    parsed = dt(value)
    assert parsed is not None
    return parsed


def media_json(media: list[Media]) -> str:
    return json.dumps([{"kind": m.kind, "file_id": m.file_id, "file_unique_id": m.file_unique_id}
                       for m in media], ensure_ascii=False)


def media_list(value: str | None) -> list[Media]:
    return [Media(**item) for item in json.loads(value or "[]")]


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str, sort_keys=True)
