"""The platforms posts come from (cl. 1, 3): a data table, bot/data/platforms.json, read once."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any


@dataclass(frozen=True)
class Platform:
    code: str
    title: str
    max_answer_length: int | None
    hosts: tuple[str, ...] = ()
    # host -> path prefixes ("yandex.ru" -> ("/maps", ...)): the platform lives on a part of a host
    paths: tuple[tuple[str, tuple[str, ...]], ...] = ()
    host_markers: tuple[str, ...] = ()     # substrings of the host ("forum")
    path_markers: tuple[str, ...] = ()     # substrings of path + "?" + query ("viewtopic.php")
    drop_params: frozenset[str] = field(default=frozenset(), compare=False)
    keep_params: frozenset[str] | None = field(default=None, compare=False)


@dataclass(frozen=True)
class LengthWarning:
    platform: Platform
    length: int
    limit: int


@dataclass(frozen=True)
class PlatformTable:
    platforms: tuple[Platform, ...]
    by_code: dict[str, Platform]
    tracking: frozenset[str]
    tracking_prefixes: tuple[str, ...]
    strip_prefixes: tuple[str, ...]
    aliases: dict[str, str]
    link_re: re.Pattern[str]


def _lower_set(items: Iterable[str]) -> frozenset[str]:
    return frozenset(i.lower() for i in items)


def _platform(raw: dict[str, Any]) -> Platform:
    keep = raw.get("keep_params")
    return Platform(
        code=raw["code"], title=raw["title"], max_answer_length=raw.get("max_answer_length"),
        hosts=tuple(h.lower() for h in raw.get("hosts", [])),
        paths=tuple((h.lower(), tuple(v)) for h, v in raw.get("paths", {}).items()),
        host_markers=tuple(m.lower() for m in raw.get("host_markers", [])),
        path_markers=tuple(m.lower() for m in raw.get("path_markers", [])),
        drop_params=_lower_set(raw.get("drop_params", [])),
        keep_params=None if keep is None else _lower_set(keep))


# What may follow a link's start: anything but spaces, quotes, angle/square brackets and the like.
_BODY = r"[^\s<>«»\"“”„‘’'`\[\]{}|\\^]"


def _link_re(tlds: Iterable[str]) -> re.Pattern[str]:
    tld = "|".join(sorted((re.escape(t) for t in tlds), key=len, reverse=True))
    label = r"[^\W_](?:[\w-]*[^\W_])?"
    return re.compile(
        rf"(?<![\w@/.:-])(?:https?://{_BODY}+"                       # with a scheme: anything up to a space
        rf"|(?:{label}\.)+(?:{tld})(?![\w-])(?::\d{{1,5}})?(?:[/?#]{_BODY}*)?)",  # bare host.tld[/path]
        re.IGNORECASE)


@lru_cache(maxsize=1)
def platform_table() -> PlatformTable:
    raw = json.loads((resources.files("bot") / "data" / "platforms.json").read_text(encoding="utf-8"))
    platforms = tuple(_platform(p) for p in raw["platforms"])
    if not platforms or platforms[-1].code != "other":
        raise ValueError("platforms.json: the last platform must be 'other'")
    return PlatformTable(
        platforms=platforms,
        by_code={p.code: p for p in platforms},
        tracking=_lower_set(raw.get("tracking_params", [])),
        tracking_prefixes=tuple(p.lower() for p in raw.get("tracking_prefixes", [])),
        strip_prefixes=tuple(raw.get("strip_host_prefixes", [])),
        aliases={k.lower(): v.lower() for k, v in raw.get("host_aliases", {}).items()},
        link_re=_link_re(raw.get("bare_tlds", [])))


def all_platforms() -> list[Platform]:
    return list(platform_table().platforms)


def platform_by_code(code: str) -> Platform:
    """The platform with that code; an unknown code (an old row, a typo) gives "other"."""
    table = platform_table()
    return table.by_code.get(code, table.platforms[-1])


# ---- answer length --------------------------------------------------------------------------------

def check_length(platform_code: str, text: str) -> LengthWarning | None:
    """A warning if the answer is longer than the platform lets a comment be (limits are approximate)."""
    platform = platform_by_code(platform_code)
    limit = platform.max_answer_length
    if limit is not None and len(text) > limit:
        return LengthWarning(platform, len(text), limit)
    return None
