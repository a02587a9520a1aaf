"""Clauses 1 and 3: the platform of a post and one canonical link per post."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.sources import (
    check_length,
    detect_platform,
    extract_links,
    normalise_link,
    platform_by_code,
    telegram_post_link,
)


@pytest.mark.parametrize(("url", "code"), [
    ("https://vk.com/wall-1_2", "vk"), ("m.vk.com/wall-1_2", "vk"), ("https://vk.ru/wall-1_2", "vk"),
    ("https://ok.ru/group/1/topic/2", "ok"), ("https://www.instagram.com/p/abc/", "instagram"),
    ("https://m.facebook.com/story.php?story_fbid=1", "facebook"), ("t.me/zelen/77", "telegram"),
    ("https://youtu.be/xyz", "youtube"), ("https://rutube.ru/video/1/", "rutube"), ("https://dzen.ru/a/1", "dzen"),
    ("https://2gis.ru/firm/1", "2gis"), ("https://yandex.ru/maps/org/1/reviews", "yandex_maps"),
    ("https://otzovik.com/review_1.html", "reviews"), ("https://forum.zelenchuk.ru/t/5", "forum"),
    ("https://example.com/viewtopic.php?t=1", "forum"), ("https://администрация.рф/новости", "other"),
])
def test_cl1_platform_recognised(url: str, code: str) -> None:
    assert detect_platform(url).code == code


def test_cl3_same_post_in_different_forms_is_one_link() -> None:
    forms = ["vk.com/wall-1_2", "https://m.vk.com/wall-1_2?utm_source=x", "http://vk.ru/wall-1_2/",
             "https://vk.com/club1?w=wall-1_2", "https://www.vk.com/wall-1_2#reply"]
    assert {normalise_link(f) for f in forms} == {"https://vk.com/wall-1_2"}
    assert normalise_link("https://youtu.be/abc?si=1") == normalise_link("https://www.youtube.com/watch?v=abc&feature=x")
    assert normalise_link("https://t.me/s/chan/5") == normalise_link("https://telegram.me/chan/5")


def test_cl3_different_posts_stay_different() -> None:
    assert normalise_link("vk.com/wall-1_2") != normalise_link("vk.com/wall-1_3")


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(["vk.com", "m.vk.com", "t.me", "youtube.com", "example.org", "forum.site.ru"]),
       st.lists(st.text(alphabet="abc-_019", min_size=1, max_size=6), max_size=3),
       st.dictionaries(st.sampled_from(["utm_source", "v", "w", "id", "fbclid", "page"]),
                       st.text(alphabet="abc019_-", min_size=1, max_size=5), max_size=3))
def test_normalise_is_idempotent(host: str, path: list[str], query: dict[str, str]) -> None:
    from urllib.parse import urlencode

    url = f"https://{host}/{'/'.join(path)}" + (f"?{urlencode(query)}" if query else "")
    once = normalise_link(url)
    assert normalise_link(once) == once


def test_links_in_russian_text() -> None:
    text = "смотрите https://vk.com/wall-1_2, там (vk.com/wall-3_4) и администрация.рф/новости."
    assert extract_links(text) == ["https://vk.com/wall-1_2", "vk.com/wall-3_4", "администрация.рф/новости"]
    assert extract_links("без ссылок", ["https://ok.ru/1"]) == ["https://ok.ru/1"]


def test_telegram_links_and_lengths() -> None:
    assert telegram_post_link("zelen", -100555, 7) == "https://t.me/zelen/7"
    assert telegram_post_link(None, -1001234, 7) == "https://t.me/c/1234/7"
    assert telegram_post_link(None, None, 7) is None
    warning = check_length("instagram", "а" * 2300)
    assert warning is not None and warning.limit == 2200
    assert check_length("instagram", "коротко") is None
    assert platform_by_code("nonsense").code == "other"
