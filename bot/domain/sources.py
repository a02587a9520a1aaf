"""Where a post comes from: the platform (a data table), its links, normalised for duplicates (cl. 1, 3)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit


@dataclass(frozen=True)
class Platform:
    code: str
    title: str
    max_answer_length: int | None
    hosts: tuple[str, ...] = ()
    markers: tuple[str, ...] = ()
    paths: dict[str, tuple[str, ...]] = field(default_factory=dict, compare=False, hash=False)


@dataclass(frozen=True)
class LengthWarning:
    platform: Platform
    length: int
    limit: int


@dataclass(frozen=True)
class _Table:
    platforms: tuple[Platform, ...]
    tracking: frozenset[str]


@lru_cache(maxsize=1)
def _table() -> _Table:
    raw = json.loads((resources.files("bot") / "data" / "platforms.json").read_text(encoding="utf-8"))
    platforms = tuple(
        Platform(code=p["code"], title=p["title"], max_answer_length=p.get("max_answer_length"),
                 hosts=tuple(p.get("hosts", [])), markers=tuple(p.get("markers", [])),
                 paths={h: tuple(v) for h, v in p.get("paths", {}).items()})
        for p in raw["platforms"])
    return _Table(platforms, frozenset(raw["tracking_params"]))


def all_platforms() -> list[Platform]:
    return list(_table().platforms)


def platform_by_code(code: str) -> Platform:
    for p in _table().platforms:
        if p.code == code:
            return p
    return platform_by_code("other") if code != "other" else _table().platforms[-1]


URL_RE = re.compile(
    r"(?:(?:https?://)|(?<![\w@.])(?=[\w-]+(?:\.[\w-]+)*\.(?:ru|com|рф|me|be|am|net|org|su|watch|dog)\b))"
    r"[^\s<>«»\"']+", re.IGNORECASE)
TRAILING = ".,;:!?)]}…»\"'"


def extract_links(text: str, entity_urls: Iterable[str] = ()) -> list[str]:
    """URLs in the text (with or without a scheme) and from Telegram's text links, de-duplicated, in order."""
    found: list[str] = []
    for m in URL_RE.finditer(text or ""):
        url = m.group(0)
        while url and url[-1] in TRAILING:
            if url[-1] == ")" and url.count("(") >= url.count(")"):
                break
            url = url[:-1]
        if "." in url:
            found.append(url)
    found.extend(u for u in entity_urls if u)
    return list(dict.fromkeys(found))


def _split(url: str) -> tuple[str, str, str, str]:
    if not re.match(r"^[a-z][a-z0-9+.-]*://", url, re.IGNORECASE):
        url = "https://" + url
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower().rstrip(".")
    for prefix in ("www.", "m.", "mobile."):
        if host.startswith(prefix) and host.count(".") >= 2:
            host = host[len(prefix):]
    return host, parts.path or "", parts.query, parts.fragment


def _host_matches(host: str, candidate: str) -> bool:
    return host == candidate or host.endswith("." + candidate)


def detect_platform(url: str) -> Platform:
    host, path, _, _ = _split(url)
    for p in _table().platforms:
        if any(_host_matches(host, h) for h in p.hosts):
            return p
        for h, prefixes in p.paths.items():
            if _host_matches(host, h) and any(path.startswith(x) for x in prefixes):
                return p
    lowered = host + path.lower()
    for p in _table().platforms:
        if p.markers and any(m in lowered for m in p.markers):
            return p
    return platform_by_code("other")


def normalise_link(url: str) -> str:
    """One canonical form for the same post: https, no www/m., VK and YouTube forms unified, no tracking."""
    host, path, query, _ = _split(url)
    aliases = {"vk.ru": "vk.com", "vkontakte.ru": "vk.com", "telegram.me": "t.me", "telegram.dog": "t.me",
               "instagr.am": "instagram.com", "fb.com": "facebook.com", "odnoklassniki.ru": "ok.ru",
               "zen.yandex.ru": "dzen.ru"}
    host = aliases.get(host, host)
    params = [(k, v) for k, v in parse_qsl(query, keep_blank_values=False)
              if k.lower() not in _table().tracking and not k.lower().startswith("utm_")]
    if host == "vk.com":
        post = next((v for k, v in params if k == "w" and re.match(r"^wall-?\d+_\d+$", v)), None)
        if post:
            path, params = "/" + post, []
    elif host == "youtu.be":
        host, params, path = "youtube.com", [("v", path.strip("/"))], "/watch"
    elif host == "youtube.com" and path.startswith("/shorts/"):
        params, path = [("v", path.split("/")[2])], "/watch"
    elif host == "t.me" and path.startswith("/s/"):
        path = path[2:]
    if host == "youtube.com" and path == "/watch":
        params = [(k, v) for k, v in params if k == "v"]
    path = re.sub(r"/{2,}", "/", path).rstrip("/")
    return urlunsplit(("https", host, path, urlencode(sorted(params)), ""))


def telegram_post_link(username: str | None, chat_id: int | None, message_id: int | None) -> str | None:
    if username and message_id:
        return f"https://t.me/{username}/{message_id}"
    if username:
        return f"https://t.me/{username}"
    if chat_id is not None and str(chat_id).startswith("-100") and message_id:
        return f"https://t.me/c/{str(chat_id)[4:]}/{message_id}"
    return None


def check_length(platform_code: str, text: str) -> LengthWarning | None:
    platform = platform_by_code(platform_code)
    if platform.max_answer_length is not None and len(text) > platform.max_answer_length:
        return LengthWarning(platform, len(text), platform.max_answer_length)
    return None
