"""Clauses 1 and 3: the platform of a post, the links in a report and one canonical link per post."""

from __future__ import annotations

import json
from importlib import resources
from urllib.parse import quote, urlencode

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.sources import (
    LengthWarning,
    Platform,
    PostShape,
    all_platforms,
    check_length,
    count_words,
    detect_platform,
    extract_links,
    normalise_link,
    platform_by_code,
    post_shape,
    telegram_post_link,
)

# ---- the table --------------------------------------------------------------------------------------


def test_table_is_data_and_complete() -> None:
    raw = json.loads((resources.files("bot") / "data" / "platforms.json").read_text(encoding="utf-8"))
    codes = [p.code for p in all_platforms()]
    assert codes == [p["code"] for p in raw["platforms"]]
    assert len(codes) == len(set(codes))
    assert codes[-1] == "other"
    for code in ("vk", "ok", "instagram", "facebook", "telegram", "youtube", "rutube", "dzen", "2gis",
                 "yandex_maps", "reviews", "blog", "forum", "other"):
        assert code in codes
    assert "approximate" in raw["comment"].lower()
    for p in all_platforms():
        assert isinstance(p, Platform) and p.title
        assert p.max_answer_length is None or p.max_answer_length > 0


@pytest.mark.parametrize(("code", "title", "limit"), [
    ("vk", "ВКонтакте", 4096), ("ok", "Одноклассники", 4096), ("instagram", "Instagram", 2200),
    ("facebook", "Facebook", 8000), ("telegram", "Telegram", 4096), ("youtube", "YouTube", 10000),
    ("rutube", "Rutube", 4000), ("dzen", "Дзен", 4000), ("2gis", "2ГИС", 3000),
    ("yandex_maps", "Яндекс Карты", 3000), ("forum", "Форум", None), ("other", "Другой источник", None),
])
def test_titles_and_limits(code: str, title: str, limit: int | None) -> None:
    p = platform_by_code(code)
    assert (p.code, p.title, p.max_answer_length) == (code, title, limit)


@pytest.mark.parametrize("code", ["nonsense", "", "VK", "other"])
def test_unknown_code_is_other(code: str) -> None:
    assert platform_by_code(code).code == "other"


# ---- cl. 1: platform by link -----------------------------------------------------------------------

@pytest.mark.parametrize(("url", "code"), [
    # VK
    ("https://vk.com/wall-1_2", "vk"), ("vk.com/wall-1_2", "vk"), ("m.vk.com/wall-1_2", "vk"),
    ("https://vk.ru/wall-1_2", "vk"), ("http://vkontakte.ru/id1", "vk"), ("https://www.vk.com/club1?w=wall-1_2", "vk"),
    ("https://vkvideo.ru/video-1_2", "vk"), ("VK.COM/Zelenchuk_adm", "vk"),
    # Odnoklassniki
    ("https://ok.ru/group/1/topic/2", "ok"), ("https://m.ok.ru/group/1/topic/2", "ok"),
    ("odnoklassniki.ru/profile/1/statuses/2", "ok"),
    # Instagram
    ("https://www.instagram.com/p/abc/", "instagram"), ("instagram.com/reel/Cx1/?igsh=x", "instagram"),
    ("https://instagr.am/p/abc", "instagram"),
    # Facebook
    ("https://m.facebook.com/story.php?story_fbid=1&id=2", "facebook"), ("https://fb.watch/abc/", "facebook"),
    ("https://www.facebook.com/groups/1/posts/2/", "facebook"), ("fb.com/zelenchuk", "facebook"),
    # Telegram
    ("t.me/zelen/77", "telegram"), ("https://t.me/s/zelen/77", "telegram"), ("https://telegram.me/zelen/77", "telegram"),
    ("telegram.dog/zelen", "telegram"), ("https://t.me/c/1234/5", "telegram"),
    # YouTube
    ("https://youtu.be/xyz", "youtube"), ("https://www.youtube.com/watch?v=xyz", "youtube"),
    ("https://m.youtube.com/shorts/xyz", "youtube"), ("music.youtube.com/watch?v=xyz", "youtube"),
    # Rutube, Dzen
    ("https://rutube.ru/video/1/", "rutube"), ("https://dzen.ru/a/1", "dzen"), ("https://zen.yandex.ru/media/x/1", "dzen"),
    # 2GIS, Yandex Maps
    ("https://2gis.ru/zelenchuk/firm/1", "2gis"), ("2gis.com/firm/1", "2gis"),
    ("https://yandex.ru/maps/org/1/reviews", "yandex_maps"), ("https://yandex.com/maps/?oid=1", "yandex_maps"),
    ("https://yandex.ru/profile/123", "yandex_maps"), ("https://maps.yandex.ru/?oid=1", "yandex_maps"),
    # review sites, blogs
    ("https://otzovik.com/review_1.html", "reviews"), ("irecommend.ru/content/x", "reviews"),
    ("https://flamp.ru/firm/x", "reviews"), ("https://zoon.ru/msk/x", "reviews"),
    ("https://user.livejournal.com/123.html", "blog"),
    # forums: by a host or a path marker
    ("https://forum.zelenchuk.ru/t/5", "forum"), ("https://example.com/viewtopic.php?t=1", "forum"),
    ("https://example.com/forum/topic/1", "forum"), ("https://site.ru/threads/remont-dorog.15/", "forum"),
    ("https://site.ru/showthread.php?t=3", "forum"),
    # everything else
    ("https://администрация.рф/новости", "other"), ("https://example.com/news/1", "other"),
    ("https://yandex.ru/search/?text=x", "other"), ("notvk.com/wall-1_2", "other"), ("", "other"),
    ("просто текст", "other"),
])
def test_cl1_platform_recognised(url: str, code: str) -> None:
    assert detect_platform(url).code == code


def test_platform_does_not_depend_on_the_spelling() -> None:
    for url in ("vk.com/wall-1_2", "https://youtu.be/abc", "telegram.me/x/1", "zen.yandex.ru/a/1", "instagr.am/p/x"):
        assert detect_platform(normalise_link(url)) == detect_platform(url)


# ---- cl. 3: one spelling per post ------------------------------------------------------------------

@pytest.mark.parametrize("forms", [
    ["vk.com/wall-1_2", "https://m.vk.com/wall-1_2?utm_source=x", "http://vk.ru/wall-1_2/", "vk.ru/wall-1_2",
     "https://vk.com/club1?w=wall-1_2", "https://www.vk.com/wall-1_2#reply", "HTTPS://VK.COM/wall-1_2",
     "https://vk.com/feed?w=wall-1_2&utm_medium=share", "https://vkontakte.ru/wall-1_2", "https://vk.com:443/wall-1_2"],
    ["https://youtu.be/dQw4w9WgXcQ?si=1", "https://www.youtube.com/watch?v=dQw4w9WgXcQ&feature=share",
     "https://m.youtube.com/watch?v=dQw4w9WgXcQ&t=30s&list=PL1", "youtube.com/shorts/dQw4w9WgXcQ",
     "https://www.youtube.com/embed/dQw4w9WgXcQ", "https://youtube.com/live/dQw4w9WgXcQ?feature=share"],
    ["https://t.me/s/zelen/5", "https://telegram.me/zelen/5", "t.me/Zelen/5?single", "https://t.me/zelen/5/"],
    ["https://www.instagram.com/p/Cx1_ab/?igsh=MTc4", "https://instagram.com/reel/Cx1_ab/", "instagr.am/p/Cx1_ab",
     "https://www.instagram.com/zelen.adm/p/Cx1_ab/?img_index=2"],
    ["https://www.facebook.com/story.php?story_fbid=1&id=2&mibextid=x", "https://m.facebook.com/story.php?id=2&story_fbid=1",
     "https://facebook.com/permalink.php?story_fbid=1&id=2&__cft__[0]=AZ"],
    ["https://dzen.ru/a/ZxY1?share_to=link", "https://zen.yandex.ru/a/ZxY1", "dzen.ru/a/ZxY1/"],
    ["https://ok.ru/group/1/topic/2?utm_campaign=x", "https://m.ok.ru/group/1/topic/2", "odnoklassniki.ru/group/1/topic/2"],
    ["https://администрация.рф/новости/1", "https://xn--80aalqabyj2ajl4c8g.xn--p1ai/новости/1",
     "https://администрация.рф/%D0%BD%D0%BE%D0%B2%D0%BE%D1%81%D1%82%D0%B8/1", "АДМИНИСТРАЦИЯ.РФ/новости/1"],
    ["https://example.com/news?id=5&page=2", "https://example.com/news?page=2&id=5&utm_source=tg&fbclid=1"],
])
def test_cl3_same_post_in_different_forms_is_one_link(forms: list[str]) -> None:
    assert len({normalise_link(f) for f in forms}) == 1, {f: normalise_link(f) for f in forms}


@pytest.mark.parametrize(("url", "expected"), [
    ("vk.com/wall-1_2", "https://vk.com/wall-1_2"),
    ("https://vk.com/club1?w=wall-1_2", "https://vk.com/wall-1_2"),
    ("https://vk.com/club1?z=photo-1_2%2Fwall-1_3", "https://vk.com/photo-1_2"),
    ("https://vk.com/wall-1_2?reply=7&thread=5", "https://vk.com/wall-1_2?reply=7&thread=5"),
    ("https://youtu.be/dQw4w9WgXcQ?si=x", "https://youtube.com/watch?v=dQw4w9WgXcQ"),
    ("https://www.youtube.com/shorts/dQw4w9WgXcQ", "https://youtube.com/watch?v=dQw4w9WgXcQ"),
    ("https://www.youtube.com/@zelenchuk/videos", "https://youtube.com/@zelenchuk/videos"),
    ("https://t.me/s/zelen/5", "https://t.me/zelen/5"),
    ("https://t.me/+AbCdEf", "https://t.me/+AbCdEf"),                     # invite hashes keep their case
    ("https://www.facebook.com/watch/?v=123&mibextid=x", "https://facebook.com/watch?v=123"),
    ("https://example.com/viewtopic.php?t=2&f=1&sid=abc#p5", "https://example.com/viewtopic.php?f=1&t=2"),
    ("https://yandex.ru/maps/org/x/123/reviews/?ll=37.6%2C55.7&z=16", "https://yandex.ru/maps/org/x/123/reviews"),
    ("https://2gis.ru/zelenchuk/firm/70/tab/reviews?m=41.5%2C43.8%2F16", "https://2gis.ru/zelenchuk/firm/70/tab/reviews"),
    ("администрация.рф/новости", "https://администрация.рф/новости"),
    ("https://example.com:8080/a", "https://example.com:8080/a"),
    ("https://user:pw@example.com/a", "https://example.com/a"),
    ("https://example.com/a%2Fb", "https://example.com/a%2Fb"),               # an escaped slash is not a step
    ("https://example.com/%7Euser", "https://example.com/~user"),
    ("https://example.com/a b", "https://example.com/a%20b"),
    ("https://m.ru/a", "https://m.ru/a"),                                     # "m." is stripped only as a subdomain
])
def test_canonical_spelling(url: str, expected: str) -> None:
    assert normalise_link(url) == expected


@pytest.mark.parametrize(("a", "b"), [
    ("vk.com/wall-1_2", "vk.com/wall-1_3"),
    ("vk.com/wall-1_2", "vk.com/wall-12_2"),
    ("vk.com/wall-1_2", "vk.com/wall1_2"),                                   # a user's wall, not a group's
    ("vk.com/wall-1_2", "vk.com/wall-1_2?reply=5"),                          # a comment under the post
    ("vk.com/wall-1_2", "ok.ru/wall-1_2"),
    ("https://youtu.be/dQw4w9WgXcQ", "https://youtu.be/dQw4w9WgXcq"),        # video ids are case-sensitive
    ("https://t.me/zelen/5", "https://t.me/zelen/6"),
    ("https://t.me/+AbCdEf", "https://t.me/+abcdef"),
    ("https://t.me/c/1234/5", "https://t.me/c/1235/5"),
    ("https://example.com/viewtopic.php?t=1", "https://example.com/viewtopic.php?t=2"),
    ("https://example.com/news?id=5", "https://example.com/news?id=6"),
    ("https://ok.ru/dk?st.cmd=altGroupForum&st.groupId=1&st.topicId=2",
     "https://ok.ru/dk?st.cmd=altGroupForum&st.groupId=1&st.topicId=3"),
    ("https://facebook.com/story.php?story_fbid=1&id=2", "https://facebook.com/story.php?story_fbid=1&id=3"),
    ("https://example.com/a%2Fb", "https://example.com/a/b"),
])
def test_cl3_different_posts_stay_different(a: str, b: str) -> None:
    assert normalise_link(a) != normalise_link(b)


_HOSTS = ["vk.com", "m.vk.com", "vk.ru", "t.me", "telegram.me", "youtube.com", "youtu.be", "www.instagram.com",
          "m.facebook.com", "ok.ru", "dzen.ru", "yandex.ru", "2gis.ru", "example.org", "forum.site.ru",
          "администрация.рф", "xn--80aswg.xn--p1ai", "WWW.Example.COM:8080", "m.ru"]
_STEPS = st.one_of(
    st.sampled_from(["s", "shorts", "live", "p", "reel", "watch", "wall-1_2", "Wall-1_2", "club1", "+AbC", "c",
                     "%2F", "%d0%b0", "%", "%zz", "%FF", "новости", "..", "", "viewtopic.php", "забор яма"]),
    st.text(max_size=6))
_PARAMS = st.lists(st.tuples(
    st.sampled_from(["v", "w", "z", "utm_source", "id", "t", "si", "story_fbid", "reply", "page", "fbclid", "Q"]),
    st.one_of(st.sampled_from(["wall-1_2", "photo-1_2/wall-3_4", "dQw4w9WgXcQ", "1", "а б", "%41"]),
              st.text(max_size=5))), max_size=4)


@st.composite
def _urls(draw: st.DrawFn) -> str:
    scheme = draw(st.sampled_from(["", "http://", "https://", "HTTPS://", "//"]))
    path = "/".join(draw(st.lists(_STEPS, max_size=4)))
    params = draw(_PARAMS)
    raw: bool = draw(st.booleans())                  # as typed, or escaped as a browser would
    query = ""
    if params:
        query = "?" + ("&".join(f"{k}={v}" for k, v in params) if raw else urlencode(params))
    fragment = draw(st.sampled_from(["", "#", "#reply", "#комментарий"]))
    return f"{scheme}{draw(st.sampled_from(_HOSTS))}/{path}{query}{fragment}"


@settings(max_examples=400, deadline=None)
@given(st.one_of(_urls(), st.text(max_size=40)))
def test_normalise_is_idempotent_and_total(url: str) -> None:
    once = normalise_link(url)
    assert normalise_link(once) == once
    assert once.startswith("https://")
    assert "#" not in once
    assert detect_platform(once).code == detect_platform(url).code or detect_platform(url).code in ("forum", "other")


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(["vk.com/wall-1_2", "https://t.me/zelen/5", "https://youtu.be/dQw4w9WgXcQ",
                        "https://example.com/news/1"]),
       st.dictionaries(st.sampled_from(["utm_source", "utm_medium", "utm_campaign", "fbclid", "gclid", "yclid",
                                        "si", "igshid", "ref", "from", "feature", "share_id"]),
                       st.text(alphabet="abc019_-", min_size=1, max_size=5), max_size=4),
       st.sampled_from(["", "/", "#x"]))
def test_tracking_never_makes_a_new_post(url: str, tracking: dict[str, str], tail: str) -> None:
    sep = "&" if "?" in url else "?"
    dressed = url + tail if not tracking else url + sep + urlencode(tracking) + tail
    assert normalise_link(dressed) == normalise_link(url)


# ---- links in a report -----------------------------------------------------------------------------

def test_links_in_russian_text() -> None:
    text = "смотрите https://vk.com/wall-1_2, там (vk.com/wall-3_4) и администрация.рф/новости."
    assert extract_links(text) == ["https://vk.com/wall-1_2", "vk.com/wall-3_4", "администрация.рф/новости"]


@pytest.mark.parametrize(("text", "links"), [
    ("смотрите https://vk.com/wall-1_2, там…", ["https://vk.com/wall-1_2"]),
    ("Пост: https://vk.com/wall-1_2.", ["https://vk.com/wall-1_2"]),
    ("Пост: https://vk.com/wall-1_2…", ["https://vk.com/wall-1_2"]),
    ("а вот тут!https://t.me/zelen/5!", ["https://t.me/zelen/5"]),
    ("жалоба (https://ok.ru/group/1/topic/2)", ["https://ok.ru/group/1/topic/2"]),
    ("«https://t.me/zelen/5» и „vk.com/wall-1_2“", ["https://t.me/zelen/5", "vk.com/wall-1_2"]),
    ("см. https://ru.wikipedia.org/wiki/Зеленчукская_(станица).", ["https://ru.wikipedia.org/wiki/Зеленчукская_(станица)"]),
    ("ссылка: www.zelenchuk.ru/news?id=5;", ["www.zelenchuk.ru/news?id=5"]),
    ("сайт администрация.рф/новости — читайте", ["администрация.рф/новости"]),
    ("на сайте ЗЕЛЕНЧУК.РФ", ["ЗЕЛЕНЧУК.РФ"]),
    ("дважды vk.com/wall-1_2 и https://m.vk.com/wall-1_2?utm_source=x", ["vk.com/wall-1_2"]),
    ("г.Москва, ул.Ленина, д.5, т.д. и т.п.", []),
    ("пишите на ivan@mail.ru или i.petrov@yandex.ru", []),
    ("версия 1.5 и файл отчет.pdf", []),
    ("", []),
    ("HTTPS://VK.COM/WALL-1_2", ["HTTPS://VK.COM/WALL-1_2"]),
    ("youtu.be/dQw4w9WgXcQ\nи\thttps://rutube.ru/video/1/", ["youtu.be/dQw4w9WgXcQ", "https://rutube.ru/video/1/"]),
])
def test_extract_links(text: str, links: list[str]) -> None:
    assert extract_links(text) == links


def test_entity_links_follow_text_links_without_repeats() -> None:
    text = "Жители пишут тут и vk.com/wall-1_2"
    entity_urls = ["https://ok.ru/group/1/topic/2", "https://vk.com/wall-1_2", "", "tg://user?id=1",
                   "mailto:a@b.ru", "https://ok.ru/group/1/topic/2"]
    assert extract_links(text, entity_urls) == ["vk.com/wall-1_2", "https://ok.ru/group/1/topic/2"]
    assert extract_links("без ссылок", ["https://ok.ru/1"]) == ["https://ok.ru/1"]
    assert extract_links("без ссылок", iter(["https://ok.ru/1"])) == ["https://ok.ru/1"]


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=80))
def test_extract_links_is_total(text: str) -> None:
    for link in extract_links(text):
        assert link and link[-1] not in ".,;:!?…»"
        assert link in text


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(["https://vk.com/wall-1_2", "vk.com/wall-1_2", "администрация.рф/новости",
                        "https://t.me/zelen/5", "https://example.com/a?b=1"]),
       st.sampled_from(["", "Смотрите ", "(", "«", "тут: "]),
       st.sampled_from(["", ".", ",", "!", ")", "»", "…", " — да", ":"]))
def test_link_survives_the_punctuation_around_it(link: str, before: str, after: str) -> None:
    assert extract_links(f"{before}{link}{after} и всё") == [link]


# ---- Telegram --------------------------------------------------------------------------------------

@pytest.mark.parametrize(("username", "chat_id", "message_id", "link"), [
    ("zelen", -1001555, 7, "https://t.me/zelen/7"),
    ("@zelen", None, 7, "https://t.me/zelen/7"),
    (None, -1001234, 7, "https://t.me/c/1234/7"),
    ("", -1001234, 7, "https://t.me/c/1234/7"),
    (None, None, 7, None),
    (None, -1234, 7, None),             # a basic group: messages have no links
    (None, 1234, 7, None),              # a user
    ("zelen", -1001555, None, None),    # a chat, not a message
    ("zelen", None, 0, None),
    (None, -100, 7, None),
])
def test_telegram_post_link(username: str | None, chat_id: int | None, message_id: int | None,
                            link: str | None) -> None:
    assert telegram_post_link(username, chat_id, message_id) == link


def test_telegram_link_is_already_canonical_and_recognised() -> None:
    link = telegram_post_link("Zelen_Adm", -1001555, 7)
    assert link is not None and detect_platform(link).code == "telegram"
    assert normalise_link(link) == normalise_link("https://t.me/s/zelen_adm/7")


# ---- answer length ---------------------------------------------------------------------------------

def test_check_length() -> None:
    warning = check_length("instagram", "а" * 2300)
    assert warning == LengthWarning(platform_by_code("instagram"), 2300, 2200)
    assert check_length("instagram", "а" * 2200) is None
    assert check_length("instagram", "коротко") is None
    assert check_length("telegram", "я" * 4097) is not None
    assert check_length("youtube", "x" * 10000) is None
    assert check_length("forum", "x" * 100000) is None          # no known limit
    assert check_length("nonsense", "x" * 100000) is None       # unknown -> other, no limit


@pytest.mark.parametrize("platform", [p for p in all_platforms() if p.max_answer_length is not None],
                         ids=lambda p: p.code)
def test_limit_is_exclusive_boundary(platform: Platform) -> None:
    limit = platform.max_answer_length
    assert limit is not None
    assert check_length(platform.code, "ж" * limit) is None
    warning = check_length(platform.code, "ж" * (limit + 1))
    assert warning is not None and (warning.length, warning.limit, warning.platform) == (limit + 1, limit, platform)


def test_quote_helper_matches_browser_copy() -> None:
    """A link copied from a browser's address bar (escaped Cyrillic) equals the one typed by hand."""
    typed = "https://zelenchuk.ru/новости/яма-на-дороге"
    copied = "https://zelenchuk.ru/" + quote("новости/яма-на-дороге")
    assert normalise_link(typed) == normalise_link(copied)


# ---- is it a post at all ----------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["", "   ", "\n\t ", "👍", "👍👍🔥", "?!", "— …", "\u200b"])
def test_spaces_emoji_and_punctuation_are_no_post(text: str) -> None:
    assert post_shape(text) == PostShape.EMPTY


@pytest.mark.parametrize("text", ["ок", "Спасибо!", "👍 принято", "Ленина 5"])
def test_a_word_or_two_without_a_link_is_asked_about(text: str) -> None:
    assert post_shape(text) == PostShape.SHORT


@pytest.mark.parametrize("text", ["Мусор не вывозят", "ул. Ленина, 5 — свалка", "Во дворе яма уже неделю"])
def test_three_words_are_a_post(text: str) -> None:
    assert post_shape(text) == PostShape.POST


def test_a_link_a_forward_or_media_is_a_post_however_short() -> None:
    assert post_shape("vk.com/wall-1_2") == PostShape.POST
    assert post_shape("Яма", entity_urls=["https://vk.com/wall-1_2"]) == PostShape.POST
    assert post_shape("👍", forwarded=True) == PostShape.POST
    assert post_shape("", media=True) == PostShape.POST


def test_words_are_runs_of_letters_and_digits() -> None:
    assert count_words("ул. Ленина, 5 — т.е. дом") == 5
    assert count_words("👍 — !!!") == 0
