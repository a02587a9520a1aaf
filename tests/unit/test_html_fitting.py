"""Escaped citizen text fitted to Telegram's limits without breaking the HTML (issue 13, section 1): the
fixes the escaping property test (test_html_escaping_property.py) led to, each pinned by name."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bot import texts
from bot.domain.model import Actor, Role
from bot.domain.orgs import Scope
from bot.fake_telegram.markup import MAX_TEXT, check_html
from bot.runtime.clock import FakeClock
from bot.services.cases import CaseService
from bot.services.cases.intake import NewPost
from bot.services.reports import DigestService
from deadlines.calendar import WorkCalendar
from deadlines.rules import Deadlines
from handlers import render
from storage.db import Database
from tests.conftest import OPERATOR_ID
from tests.unit.test_html_escaping_property import shown

HEAVY = '<&>"'          # 4 characters, 14 once escaped


def test_fit_puts_the_text_once_when_a_name_holds_the_placeholder() -> None:
    """A department or an author called `{text}` once took the draft's place (and the draft came twice)."""
    name, template = "{text}", "Отдел «{name}»:\n\n{text}"     # as texts.INFO_TO_OPERATOR

    def make(t: str) -> str:
        return template.format(name=texts.esc(name), text=t)

    assert render.fit(make, "Проект ответа", MAX_TEXT) == "Отдел «{text}»:\n\nПроект ответа"


def test_fit_keeps_as_much_escape_heavy_text_as_fits() -> None:
    """A draft of `<` and `&` was cut to 10 characters; now to what the message holds."""
    text = HEAVY * 1020

    def make(t: str) -> str:
        return "<b>Проект</b>:\n" + t

    fitted = render.fit(make, text, MAX_TEXT)
    assert len(fitted) <= MAX_TEXT
    plain = shown(fitted)
    assert plain.startswith("Проект:\n" + HEAVY * 50) and len(plain) > 1000


def test_chunk_splits_a_long_escaped_post_whole_and_never_inside_an_entity() -> None:
    """A post longer than a message, shown whole: every piece is valid HTML and nothing is lost."""
    text = (HEAVY + "x") * 1600                 # no space to cut at: the cuts fall between entities
    parts = render.chunk([texts.esc(text)])
    assert len(parts) > 1 and all(len(p) <= MAX_TEXT for p in parts)
    assert "".join(shown(p) for p in parts) == text


def test_chunk_cuts_a_long_line_at_a_space() -> None:
    words = ["слово&слово"] * 800
    parts = render.chunk([texts.esc(" ".join(words))])
    assert len(parts) > 1 and all(len(p) <= MAX_TEXT for p in parts)
    assert " ".join(check_html(p) for p in parts).split(" ") == words


async def test_digest_of_many_escape_heavy_posts_ends_on_a_whole_line(db: Database, calendar: WorkCalendar,
                                                                        clock: FakeClock) -> None:
    """Fifteen significant posts of `<` and `&` made the digest longer than a message; it was cut at 4096
    characters, wherever that fell: inside an entity or a tag (then Telegram refuses the whole digest)."""
    cases = CaseService(db, Deadlines(calendar), clock)
    operator = Actor(OPERATOR_ID, Role.OPERATOR, "Оператор")
    for i in range(16):
        case = (await cases.register(NewPost(platform="vk", text=f"{i} " + HEAVY * 60, operator_id=OPERATOR_ID,
                                             detected_at=clock.now()), operator)).case
        await cases.mark_significant(case.id or 0, operator)

    async def head(org_id: int = 1) -> int:
        return -900

    digest = await DigestService(db, calendar, clock, head).digest_text("evening", scope=Scope.all())
    assert len(digest) <= MAX_TEXT
    plain = shown(digest)
    assert "0 " + HEAVY * 20 in plain
    assert plain.endswith(("…", HEAVY))     # the last line shown is whole


text_of_anything = st.text(st.one_of(st.sampled_from("<>&\"' \n"), st.characters(blacklist_categories=("Cs",))),
                           max_size=600)


@settings(max_examples=200, deadline=None)
@given(text_of_anything, st.integers(200, 4096))
def test_fit_always_gives_valid_html_within_the_limit(text: str, limit: int) -> None:
    fitted = render.fit(lambda t: "<b>Проект</b>:\n" + t, text, limit)
    assert len(fitted) <= limit
    assert shown(fitted).startswith("Проект:\n")


@settings(max_examples=200, deadline=None)
@given(text_of_anything, st.integers(20, 500))
def test_chunk_gives_valid_pieces_within_the_limit_that_lose_nothing_but_the_breaks_cut_at(text: str,
                                                                                          limit: int) -> None:
    parts = render.chunk([texts.esc(text)], limit)
    assert all(len(p) <= limit for p in parts)

    def bare(s: str) -> str:
        return s.replace(" ", "").replace("\n", "")

    assert bare("".join(shown(p) for p in parts)) == bare(text)
