"""Links of posts: found in a text, taken apart, and spelled one way per post, so that the same post
reported twice compares equal (cl. 3)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from urllib.parse import parse_qsl, urlencode

from bot.domain.sources.platforms import Platform, PlatformTable, platform_table

# ---- links in a text -------------------------------------------------------------------------------

_TRAILING = ".,;:!?…»\"'’”)—–"
_OPENING = {")": "("}


def _trim(url: str) -> str:
    while url and url[-1] in _TRAILING:
        closing = url[-1]
        if closing in _OPENING and url.count(_OPENING[closing]) >= url.count(closing):
            break          # a balanced bracket belongs to the link: .../wiki/Foo_(bar)
        url = url[:-1]
    return url


_WEB_SCHEME = re.compile(r"^https?://", re.IGNORECASE)
_ANY_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*:", re.IGNORECASE)


def _is_web_link(url: str) -> bool:
    """http(s) or a bare host with a dot; tg://, mailto: and the like are not posts."""
    if not _WEB_SCHEME.match(url) and _ANY_SCHEME.match(url) and not re.match(r"^[\w.-]+:\d", url):
        return False
    host = _parts(url)[0]
    return "." in host.strip(".")


def extract_links(text: str, entity_urls: Iterable[str] = ()) -> list[str]:
    """Links in the text (with or without a scheme) and Telegram's hidden text links, in that order.

    Punctuation that ends a sentence is not a part of a link. Links are returned as written;
    two spellings of one post (see ``normalise_link``) are given once, in the first spelling.
    """
    found = [_trim(m.group(0)) for m in platform_table().link_re.finditer(text or "")]
    found.extend(u.strip() for u in entity_urls if u and u.strip())
    result: list[str] = []
    seen: set[str] = set()
    for url in found:
        if not url or not _is_web_link(url):
            continue
        key = normalise_link(url)
        if key not in seen:
            seen.add(key)
            result.append(url)
    return result


# ---- parts of a link -------------------------------------------------------------------------------

_RFC3986 = re.compile(r"^(?:([a-zA-Z][a-zA-Z0-9+.-]*):)?(?://([^/?#]*))?([^?#]*)(?:\?([^#]*))?(?:#(.*))?$",
                      re.DOTALL)
_HEX = "0123456789ABCDEFabcdef"
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
_SUB_DELIMS = frozenset("!$&'()*+,;=")
_PATH_SAFE = _UNRESERVED | _SUB_DELIMS | frozenset(":@/")
_HOST_SAFE = _UNRESERVED | _SUB_DELIMS
# Escaped, these mean something else than written out ("%2F" is not a path step): they stay escaped.
_KEEP_ESCAPED = frozenset(":/?#[]@%") | _SUB_DELIMS


def _escape(ch: str) -> str:
    return "".join(f"%{b:02X}" for b in ch.encode("utf-8", "surrogatepass"))


def _canon_component(text: str, safe: frozenset[str]) -> str:
    """One spelling of a path or a host: needless %-escapes decoded, Cyrillic readable, the rest escaped.

    Idempotent: what it writes out literally it would leave literal, what it escapes it escapes again.
    """
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        if text[i] == "%" and i + 2 < n and text[i + 1] in _HEX and text[i + 2] in _HEX:
            raw = bytearray()
            while i + 2 < n and text[i] == "%" and text[i + 1] in _HEX and text[i + 2] in _HEX:
                raw.append(int(text[i + 1:i + 3], 16))
                i += 3
            for ch in raw.decode("utf-8", "surrogateescape"):
                if "\udc80" <= ch <= "\udcff":             # not UTF-8: the byte stays escaped
                    out.append(f"%{ord(ch) - 0xDC00:02X}")
                elif ch in _KEEP_ESCAPED:
                    out.append(_escape(ch))
                else:
                    out.append(_literal(ch, safe))
            continue
        ch = text[i]
        out.append(_escape(ch) if ch == "%" else _literal(ch, safe))
        i += 1
    return "".join(out)


def _literal(ch: str, safe: frozenset[str]) -> str:
    if ch in safe:
        return ch
    if ord(ch) > 127 and ch.isprintable() and not ch.isspace():
        return ch
    return _escape(ch)


def _canon_host(host: str) -> str:
    host = host.strip().rstrip(".")
    host = unicodedata.normalize("NFKC", host).lower()
    labels = []
    for label in host.split("."):
        if label.startswith("xn--"):
            try:
                label = label.encode("ascii").decode("idna").lower()
            except (UnicodeError, ValueError):
                pass
        labels.append(label)
    host = unicodedata.normalize("NFKC", ".".join(labels)).lower()
    return _canon_component(host, _HOST_SAFE).rstrip(".")


def _parts(url: str) -> tuple[str, str, str, str]:
    """host (canonical, without www./m.), port ("" for default ones), path, query of a link."""
    url = url.encode("utf-8", "surrogatepass").decode("utf-8", "replace").strip()
    if not re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", url):
        url = "https://" + url.lstrip("/\\")
    m = _RFC3986.match(url)
    assert m is not None               # every string matches: all groups are optional
    authority, path, query = m.group(2) or "", m.group(3) or "", m.group(4) or ""
    authority = authority.rpartition("@")[2]
    port = ""
    pm = re.match(r"^(.*):(\d*)$", authority)
    if pm and not authority.endswith("]"):
        authority, port = pm.group(1), pm.group(2).lstrip("0")
        if port in ("", "80", "443"):
            port = ""
    host = _canon_host(authority)
    path = re.sub(r"/{2,}", "/", _canon_component(path.replace("\\", "/"), _PATH_SAFE))
    for _ in range(3):                   # "www.m.vk.com": strip repeatedly, but keep "m.ru" itself
        for prefix in platform_table().strip_prefixes:
            if host.startswith(prefix) and host.count(".") >= 2:
                host = host[len(prefix):]
    return host, port, path, query


def _host_matches(host: str, candidate: str) -> bool:
    return host == candidate or host.endswith("." + candidate)


def _path_has_prefix(path: str, prefix: str) -> bool:
    return path == prefix or path.startswith(prefix.rstrip("/") + "/")


def detect_platform(url: str) -> Platform:
    """The platform of a link by its host (subdomains too), or by a part of a host, or by forum markers."""
    host, _, path, query = _parts(url)
    return _detect(host, path, query)


def _detect(host: str, path: str, query: str) -> Platform:
    table = platform_table()
    best: tuple[int, Platform] | None = None
    for p in table.platforms:
        for h in p.hosts:
            if _host_matches(host, h) and (best is None or len(h) > best[0]):
                best = (len(h), p)
        for h, prefixes in p.paths:
            if _host_matches(host, h) and any(_path_has_prefix(path, x) for x in prefixes) \
                    and (best is None or len(h) > best[0]):
                best = (len(h), p)
    if best is not None:
        return best[1]
    where = (path + ("?" + query if query else "")).lower()
    for p in table.platforms:
        if any(m in host for m in p.host_markers) or any(m in where for m in p.path_markers):
            return p
    return table.platforms[-1]


# ---- one spelling per post ------------------------------------------------------------------------

_VK_OBJECT = re.compile(r"^(?:wall|photo|video|clip|topic|story|product|album|market|board|doc|note|poll)"
                        r"-?\d+(?:_\d+)+$", re.IGNORECASE)
_VK_SIMPLE_PATH = re.compile(r"^/[A-Za-z0-9_.-]+$")
_YT_ID = re.compile(r"^[\w-]+$")
_TG_USERNAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{3,}$")


def _vk(path: str, params: list[tuple[str, str]]) -> tuple[str, list[tuple[str, str]]]:
    # ?w=wall-1_2 / ?z=photo-1_2%2Fwall-1_3: an overlay over a wall or a feed; the object itself is the post
    objects = sorted(head.lower() for k, v in params if k in ("w", "z")
                     for head in [v.split("/")[0]] if _VK_OBJECT.match(head))
    if objects:
        path, params = "/" + objects[0], [(k, v) for k, v in params if k not in ("w", "z")]
    if _VK_SIMPLE_PATH.match(path):      # /Club1, /WALL-1_2: VK names and ids are case-insensitive
        path = path.lower()
    return path, params


def _youtube(host: str, path: str, params: list[tuple[str, str]]) -> tuple[str, str, list[tuple[str, str]]]:
    steps = [s for s in path.split("/") if s]
    video = None
    if host == "youtu.be" and len(steps) == 1:
        video = steps[0]
    elif len(steps) == 2 and steps[0] in ("shorts", "live", "embed", "v", "e"):
        video = steps[1]
    if video and _YT_ID.match(video):
        return "youtube.com", "/watch", [("v", video)]
    if host == "youtube.com" and path.rstrip("/") == "/watch" and any(k == "v" for k, _ in params):
        return host, "/watch", [(k, v) for k, v in params if k in ("v", "lc")]   # not &list=, &t=
    return host, path, params


def _telegram(path: str) -> str:
    steps = path.split("/")
    while len(steps) > 2 and steps[1] == "s":       # t.me/s/chan/5: the web preview of t.me/chan/5
        steps = [steps[0], *steps[2:]]
    if len(steps) > 1 and _TG_USERNAME.match(steps[1]):
        steps[1] = steps[1].lower()               # usernames are case-insensitive; +invite hashes are not
    return "/".join(steps)


_IG_MEDIA = re.compile(r"^/(?:[\w.]+/)?(?:p|reel|reels|tv)/([\w-]+)/?$")


def _instagram(path: str) -> str:
    m = _IG_MEDIA.match(path)
    return f"/p/{m.group(1)}" if m else path      # /reel/X, /user/p/X, /tv/X all open post X


def _facebook(path: str) -> str:
    if path.rstrip("/") == "/permalink.php":
        return "/story.php"
    return re.sub(r"^(/groups/[^/]+)/permalink/", r"\1/posts/", path)


def _wanted(key: str, platform: Platform, table: PlatformTable) -> bool:
    k = key.lower()
    if k in table.tracking or k in platform.drop_params or k.startswith(table.tracking_prefixes):
        return False
    return platform.keep_params is None or k in platform.keep_params


def normalise_link(url: str) -> str:
    """One canonical spelling of a link, so that the same post reported twice compares equal.

    https, lower-case host without www./m./mobile., host aliases (vk.ru -> vk.com, telegram.me -> t.me, ...),
    no port 80/443, no fragment, no tracking parameters, remaining parameters sorted, no trailing slash;
    platform forms unified: vk.com/club1?w=wall-1_2 -> vk.com/wall-1_2, youtu.be/ID and /shorts/ID ->
    youtube.com/watch?v=ID, t.me/s/chan/1 -> t.me/chan/1, instagram /reel/X -> /p/X.
    Idempotent: normalise_link(normalise_link(x)) == normalise_link(x).
    """
    table = platform_table()
    host, port, path, query = _parts(url)
    platform = _detect(host, path, query)
    host = table.aliases.get(host, host)
    params = [(k, v) for k, v in parse_qsl(query, keep_blank_values=False) if _wanted(k, platform, table)]
    path = path.rstrip("/")
    if host == "vk.com":
        path, params = _vk(path, params)
    elif host in ("youtube.com", "youtu.be"):
        host, path, params = _youtube(host, path, params)
    elif host == "t.me":
        path = _telegram(path)
    elif host == "instagram.com":
        path = _instagram(path)
    elif host == "facebook.com":
        path = _facebook(path)
    path = path.rstrip("/")
    if path and not path.startswith("/"):
        path = "/" + path
    netloc = host + (":" + port if port else "")
    query = urlencode(sorted(params), encoding="utf-8", errors="surrogatepass")
    return f"https://{netloc}{path}" + (f"?{query}" if query else "")


# ---- Telegram -------------------------------------------------------------------------------------

def telegram_post_link(username: str | None, chat_id: int | None, message_id: int | None) -> str | None:
    """The t.me link of a message in a channel or a group; None if there is not enough to name one message.

    Public chat: https://t.me/<username>/<id>; private supergroup or channel (id -100XXXX):
    https://t.me/c/XXXX/<id> (opens for its members only); basic groups and users have no message links.
    """
    if not message_id or message_id < 0:
        return None
    name = (username or "").strip().lstrip("@")
    if name and _TG_USERNAME.match(name):
        return f"https://t.me/{name}/{message_id}"
    if chat_id is not None and chat_id < 0 and str(chat_id).startswith("-100") and len(str(chat_id)) > 4:
        return f"https://t.me/c/{str(chat_id)[4:]}/{message_id}"
    return None
