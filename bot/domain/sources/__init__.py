"""Where a post comes from: the platform (a data table), its links, normalised for duplicates (cl. 1, 3).

Everything platform-specific that is plain data (hosts, path markers, titles, answer length limits,
tracking parameters) lives in ``bot/data/platforms.json``; this package holds only the rules that are
easier to say in code (VK's ``?w=wall-1_2`` overlays, YouTube's short forms, Telegram's ``/s/`` preview).

Every function here is total: any string gives an answer, never an exception, because the input is
whatever an operator forwarded.
"""

from bot.domain.sources.links import detect_platform, extract_links, normalise_link, telegram_post_link
from bot.domain.sources.platforms import (
    LengthWarning,
    Platform,
    all_platforms,
    check_length,
    platform_by_code,
)
from bot.domain.sources.posts import MIN_POST_WORDS, PostShape, count_words, post_shape

__all__ = [
    "MIN_POST_WORDS",
    "LengthWarning",
    "Platform",
    "PostShape",
    "all_platforms",
    "check_length",
    "count_words",
    "detect_platform",
    "extract_links",
    "normalise_link",
    "platform_by_code",
    "post_shape",
    "telegram_post_link",
]
