"""Every rendering path escapes citizen text (issue 13, section 1): arbitrary post texts, authors, links,
person names, department names, reasons, comments and drafts, carried through the real use cases into
every card (handlers/render.py), every notice renderer (handlers/notices/), the head's digest and the
report's text, come out as HTML Telegram accepts (only its tags, balanced, every `&` an entity) that shows
each input literally.

Each input is framed by ⟦ ⟧ so that "shown literally" means the whole input, as typed, in one piece."""

from __future__ import annotations

import asyncio
import re
import tempfile
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bot.delivery.outgoing import Edit, Outgoing, Photo, Text
from bot.domain.model import Actor, DraftKind, Role
from bot.domain.notices import (
    ClockDue,
    Escalation,
    FromCase,
    Notice,
    NoticeKind,
    Payload,
    Words,
    encode,
)
from bot.domain.orgs import Scope
from bot.fake_telegram.markup import ALLOWED_TAGS, MAX_CAPTION, MAX_TEXT, check_html
from bot.runtime.clock import FakeClock
from bot.services.access import AccessService
from bot.services.cases import CaseService
from bot.services.cases.intake import NewPost
from bot.services.periods import parse_period
from bot.services.reports import DigestService, ReportService
from bot.services.surges import SurgeService
from deadlines.calendar import WorkCalendar
from deadlines.rules import Deadlines
from deadlines.schedule import DEFAULT_SCHEDULE
from handlers import render
from handlers.notices import NoticeRenderer
from storage.connect import open_database
from storage.outbox import OutboxRepository
from tests.conftest import MSK, msk

ADMIN, OPERATOR, HEAD = 1, 100, -900

#: What HTML, str.format and the templates could take for their own: tags, entities, braces, quotes.
NASTY = ["<b>", "</b>", "<a href=\"x\">", "</a>", "<i", "<script>", "&amp;", "&lt;", "&", "&#60;", "&#x3c;",
         "<", ">", "\"", "'", "{text}", "{0}", "{number}", "{", "}", "%s", "$x$", "\\", "<tg-spoiler>",
         "<!--", "]]>", "<blockquote>", "\n", "\t"]
piece = st.one_of(st.sampled_from(NASTY), st.text(st.characters(blacklist_categories=("Cs",)), max_size=12))
raw = st.lists(piece, min_size=1, max_size=5).map("".join)

ENTITY = re.compile(r"&(?:lt|gt|amp|quot|#[0-9]+|#x[0-9a-fA-F]+);")
TAG = re.compile(r"</?([a-zA-Z][a-zA-Z0-9-]*)(?:\s[^<>]*)?/?>")


def framed(text: str) -> str:
    return f"⟦{text}⟧"


def start(text: str) -> str:
    """What a message shows of an input at least: all of it, framed; of a long one (cut to an excerpt,
    or to fit the message), its first 50 characters."""
    return framed(text) if len(text) <= 50 else "⟦" + text[:50]


def shown(html_text: str) -> str:
    """The plain text Telegram shows for `html_text`, after checking it as Telegram does and stricter:
    only Telegram's tags, balanced; no `<` but a tag's; every `&` starts an entity Telegram decodes."""
    plain = check_html(html_text)                  # unknown or unbalanced tags: 400, as the Bot API says
    outside = TAG.sub("", html_text)
    assert all(m.group(1).lower() in ALLOWED_TAGS for m in TAG.finditer(html_text)), html_text
    assert "<" not in outside, html_text
    assert all(ENTITY.match(outside, i) for i, ch in enumerate(outside) if ch == "&"), html_text
    return plain


@dataclass
class Inputs:
    post: str
    author: str
    link: str
    operator: str
    executor: str
    dept_a: str
    dept_b: str
    reason: str
    draft: str
    comment: str
    info: str
    reply: str


DEPT = 50       # a department's name is at most 64 characters (bot.services.access.MAX_DEPARTMENT_NAME)
name = raw.map(lambda s: s[:DEPT])
inputs = st.builds(Inputs, raw, raw, raw, raw, raw, name, name, raw, raw, raw, raw, raw)


@dataclass
class Rendered:
    """What each path showed, by the name of the path."""
    texts: dict[str, list[str]] = field(default_factory=dict)

    def add(self, path: str, html_text: str, limit: int = MAX_TEXT) -> None:
        plain = shown(html_text)
        assert len(plain.encode("utf-16-le")) // 2 <= limit, f"{path}: longer than Telegram takes"
        self.texts.setdefault(path, []).append(plain)

    def add_outgoing(self, path: str, out: list[Outgoing]) -> None:
        for o in out:
            if isinstance(o, Text | Edit):
                self.add(path, o.text)
            elif isinstance(o, Photo):
                self.add(path, o.caption, MAX_CAPTION)

    def shows(self, path: str, *needles: str) -> None:
        assert path in self.texts, f"{path} rendered nothing"
        for needle in needles:
            assert any(needle in t for t in self.texts[path]), f"{path} does not show {needle!r}"


async def _render_everything(x: Inputs, directory: Path) -> tuple[Rendered, dict[str, str]]:
    calendar = WorkCalendar(DEFAULT_SCHEDULE, MSK)
    clock = FakeClock(msk(2026, 12, 1, 10, 0))
    db = await open_database(directory / "bot.sqlite3")
    try:
        access = AccessService(db, clock, admin_ids=[ADMIN], operator_ids=[], head_chat_id=HEAD)
        # cl. 19's filter has its own tests; here every text must reach the renderers
        surges = SurgeService(db, calendar, clock, access.head_chat_id)
        cases = CaseService(db, Deadlines(calendar), clock, find_profanity=lambda text: [], surges=surges)
        renderer = NoticeRenderer(cases, access, clock, MSK)
        await access.accept_invite(await access.create_invite(ADMIN, org_id=1), OPERATOR, framed(x.operator))
        operator = Actor(OPERATOR, Role.OPERATOR, framed(x.operator))
        dept_a = await access.bind_department(ADMIN, -1001, framed(x.dept_a) + " А", org_id=1)
        dept_b = await access.bind_department(ADMIN, -1002, framed(x.dept_b) + " Б", org_id=1)
        assert dept_a.id is not None and dept_b.id is not None
        exec_a = Actor(201, Role.EXECUTOR, framed(x.executor), department_id=dept_a.id)
        exec_b = Actor(301, Role.EXECUTOR, "Исполнитель Б", department_id=dept_b.id)

        def post(text: str) -> NewPost:
            return NewPost(platform="vk", text=text, operator_id=OPERATOR, detected_at=clock.now(),
                           link=framed(x.link), author=framed(x.author), card_chat=OPERATOR)

        out = Rendered()
        outbox = OutboxRepository()

        async def deliver() -> None:
            """Every notice the use cases queued, rendered as the sender would, right after the step."""
            for item in await outbox.due(db.conn, clock.now() + timedelta(days=1), limit=1000):
                out.add_outgoing(item.notice.kind.value, await renderer.render(item.notice))
                async with db.transaction() as conn:
                    await outbox.mark_sent(conn, item.id, clock.now())

        # One department: routed, accepted, a draft returned with a comment, again, approved, published.
        one = (await cases.register(post(framed(x.post)), operator)).case
        assert one.id is not None
        await cases.set_card(one.id, OPERATOR, 10, scope=Scope.all())
        await cases.mark_significant(one.id, operator)
        await cases.route(one.id, operator, [dept_a.id])
        await cases.set_department_card(one.id, dept_a.id, 11)
        await cases.accept(one.id, exec_a)
        for step in (lambda: cases.submit_draft(one.id, exec_a, DraftKind.ANSWER, framed(x.draft), []),
                     lambda: cases.return_draft(one.id, operator, framed(x.comment)),
                     lambda: cases.submit_draft(one.id, exec_a, DraftKind.ANSWER, framed(x.draft), []),
                     lambda: cases.approve(one.id, operator),
                     lambda: cases.publish(one.id, exec_a, "shot", "shot-u", framed(x.link))):
            await deliver()
            await step()
        # Two departments (cl. 17): one declines with a reason, the other sends its information.
        two = (await cases.register(post("второе " + framed(x.post)), operator)).case
        assert two.id is not None
        await cases.route(two.id, operator, [dept_a.id, dept_b.id])
        await cases.decline(two.id, exec_b, framed(x.reason))
        await cases.accept(two.id, exec_a)
        await cases.submit_info(two.id, exec_a, framed(x.info), [])
        # A third, waiting for department Б to accept it: the open list names who owes the next step.
        three = (await cases.register(post("третье " + framed(x.post)), operator)).case
        assert three.id is not None
        await cases.route(three.id, operator, [dept_b.id])
        await cases.mark_significant(three.id, operator)       # open and significant: in the digest
        # Three posts about one address (cl. 21): the surge alert to the head and to the operators.
        for i in range(3):
            await cases.register(post(f"{i} {framed(x.post)}\nяма на улице Ленина, 5"), operator)
        await deliver()
        # The notices the clocks and the author send, for every deadline of both cases.
        extra: list[Notice[Payload]] = [
            Notice(NoticeKind.AUTHOR_REPLIED, "department", dept_a.id, one.id, Words(framed(x.reply))),
            Notice(NoticeKind.TERM_CHANGED, "department", dept_b.id, three.id, FromCase()),
            Notice(NoticeKind.ANSWER_ANYWAY, "department", dept_b.id, three.id, FromCase()),
            # a chat Telegram refused: the admins are told, with Telegram's words
            await renderer.unreachable(Notice(NoticeKind.CASE_ROUTED, "department", dept_b.id, three.id, {}),
                                 framed(x.reply))]
        clock.advance(hours=26)                      # every clock ran out: the digest lists them
        for case in (await cases.get(one.id, scope=Scope.all()), await cases.get(two.id, scope=Scope.all())):
            for d in case.deadlines:
                assert d.id is not None
                due = d.due_at.isoformat()
                extra.append(Notice(NoticeKind.ESCALATION, "head", HEAD, case.id,
                                    Escalation(d.id, d.rule, due, d.department_id, True)))
                extra.append(Notice(NoticeKind.ESCALATION, "official", None, case.id,
                                    Escalation(d.id, d.rule, due, d.department_id, True)))
                if d.is_open:
                    for kind in (NoticeKind.REMINDER, NoticeKind.EXPIRED):
                        extra.append(Notice(kind, "owner", None, case.id, ClockDue(d.id, d.rule, due, True)))
        for n in extra:
            stored = Notice(n.kind, n.target_kind, n.target_id, n.case_id, encode(n.payload))
            out.add_outgoing(n.kind.value, await renderer.render(stored))
        # The renderers handlers call directly: history, lists, chains; the digest; the report's text.
        now = clock.now()
        for case in (await cases.get(one.id, scope=Scope.all()), await cases.get(two.id, scope=Scope.all())):
            out.add("card", render.case_card(case, now, MSK, lead=await cases.lead(case)))
            for part in render.chunk(render.history(await cases.history(case.id or 0), MSK).split("\n")):
                out.add("history", part)
            out.add("chain", render.chain_text(case, now, MSK, {f"operator:{OPERATOR}": framed(x.operator)}))
        open_cases = await cases.open_cases(scope=Scope.all())
        for part in render.open_list(open_cases, now, MSK, "Открытые", await cases.leads(open_cases)):
            out.add("open_list", part)
        digests = DigestService(db, calendar, clock, access.head_chat_id, person_name=access.person_name)
        for kind in ("morning", "evening"):
            out.add("digest", await digests.digest_text(kind, now, scope=Scope.all()))       # type: ignore[arg-type]
        reports = ReportService(db, calendar, clock, MSK, person_name=access.person_name)
        out.add("report", reports.summary_text(await reports.build(parse_period("month", now, MSK), scope=Scope.all())))
        return out, {"dept_a": dept_a.name, "dept_b": dept_b.name}
    finally:
        await db.close()


ALL_NASTY = "".join(NASTY)
LONG = '<&>"' * 1020                   # 4080 characters Telegram allows, five times as long escaped
SHORTER = '<&>"' * 12


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@example(Inputs(*[ALL_NASTY] * 5, ALL_NASTY[:DEPT], ALL_NASTY[-DEPT:], *[ALL_NASTY] * 5))
@example(Inputs(post=LONG, author=SHORTER, link=LONG, operator=SHORTER, executor=SHORTER, dept_a=SHORTER,
                dept_b=SHORTER, reason=LONG, draft=LONG, comment=LONG, info=LONG, reply=LONG))
@given(inputs)
def test_every_renderer_escapes_citizen_text_and_shows_it_literally(x: Inputs) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        out, names = asyncio.run(_render_everything(x, Path(tmp)))
    a, b = names["dept_a"], names["dept_b"]
    post, author, link = start(x.post), start(x.author), start(x.link)
    out.shows("intake_card", post, author, link)
    out.shows("case_routed", post, author, link, a)
    out.shows("card_refresh", post, a)
    out.shows("card", post, author, link, a, b)
    out.shows("significant", post, link)
    out.shows("draft_for_approval", start(x.draft), start(x.executor), a)
    out.shows("draft_returned", start(x.comment))
    out.shows("draft_approved", start(x.draft))
    out.shows("published", link)
    out.shows("declined", b, start(x.reason))
    out.shows("info_received", start(x.info), a)
    out.shows("author_replied", start(x.reply))
    out.shows("admin_alert", start(x.reply))
    out.shows("term_changed")
    out.shows("answer_anyway")
    out.shows("chat_text", start(x.post))           # the surge alert to the head
    out.shows("surge_operators", start(x.post))
    out.shows("escalation", post, link, a, start(x.operator))
    out.shows("reminder")
    out.shows("expired")
    out.shows("history", start(x.operator), start(x.executor), start(x.reason), start(x.comment))
    out.shows("chain", a)
    out.shows("open_list", b)
    out.shows("digest", post, b, start(x.operator))
    out.shows("report", a, b)
