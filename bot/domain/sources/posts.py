"""Whether what an operator sent is a post at all (cl. 1)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from enum import StrEnum

from bot.domain.sources.links import extract_links

#: A typed text with no link and fewer words than this may be a stray remark («ок», «👍»), not a post.
MIN_POST_WORDS = 3

_WORD = re.compile(r"[^\W_]+(?:[-'’.][^\W_]+)*")


class PostShape(StrEnum):
    POST = "post"      # a forward, a link or media, or a text of a few words: register it
    SHORT = "short"    # a text of a word or two: ask the operator before numbering a case
    EMPTY = "empty"    # spaces, emoji, punctuation: nothing to register


def count_words(text: str) -> int:
    """Words of a text: runs of letters and digits («ул. Ленина, 5» is three); emoji and dashes are none."""
    return len(_WORD.findall(text or ""))


def post_shape(text: str, *, entity_urls: Iterable[str] = (), media: bool = False,
               forwarded: bool = False) -> PostShape:
    """Whether what an operator sent is plausibly a post (cl. 1): a forwarded message, media or a link always
    are, however short; a typed text is one when it has at least ``MIN_POST_WORDS`` words."""
    if forwarded or media or extract_links(text, entity_urls):
        return PostShape.POST
    words = count_words(text)
    if words == 0:
        return PostShape.EMPTY
    return PostShape.SHORT if words < MIN_POST_WORDS else PostShape.POST
