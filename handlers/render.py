"""Texts of cards and notices, built from the case (citizen text always escaped, limits respected)."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, tzinfo

from bot import texts
from bot.domain.accountability import Party, Step, chain, owners
from bot.domain.model import Case, Draft, Event, Outcome, Owner, Status
from bot.domain.sources import check_length, platform_by_code
from bot.domain.workflow import clarification_since
from bot.services.place_index import AddressMatch
from deadlines.rules import Deadlines

CARD_EXCERPT = 700
MAX_SAME_ADDRESS = 3             # open cases at the same address named under a card, each with its button


LINK_SHOWN = 300        # the post's address as a message shows it (whole in the database and the XLSX)


def link_text(link: str) -> str:
    """A post's address, escaped and at most LINK_SHOWN characters: a link as long as a message made the
    card longer than Telegram takes, and the card never came."""
    return texts.esc(texts.excerpt(link, LINK_SHOWN))


def _local(dt: datetime | None, tz: tzinfo) -> str:
    return texts.when(dt.astimezone(tz) if dt else None)


def party_text(case: Case, party: Party, names: Mapping[str, str] | None = None, lead: Case | None = None) -> str:
    """A party as people read it: «оператор Иван Петров» (the name as Telegram gives it) or the department
    (of the case, or of its incident's lead post, whose departments an incident member's clocks follow)."""
    if party.kind == Owner.OPERATOR:
        name = (names or {}).get(party.key)
        return texts.PARTY_OPERATOR_NAMED.format(name=texts.esc(name)) if name else texts.CARD_OWNER_OPERATOR
    a = case.assignment(party.id) or (lead.assignment(party.id) if lead is not None else None)
    return texts.esc(a.department_name if a else (names or {}).get(party.key, "?"))


def owners_text(case: Case, parties: Sequence[Party], names: Mapping[str, str] | None = None,
                lead: Case | None = None) -> str:
    if not parties:
        return texts.CARD_OWNER_NOBODY
    return ", ".join(party_text(case, p, names, lead) for p in parties)


def deadlines_block(case: Case, now: datetime, tz: tzinfo, lead: Case | None = None) -> str:
    lines = []
    for d in case.open_deadlines():
        lines.append(texts.CARD_DEADLINE.format(
            marker=texts.CARD_OVERDUE if d.overdue(now) else texts.CARD_PENDING,
            rule=texts.RULE.get(d.rule, d.rule).capitalize(), due=_local(d.due_at, tz),
            owner=owners_text(case, owners(case, d, lead), lead=lead)))
    return "".join(lines)


def _step_line(case: Case, step: Step, now: datetime, tz: tzinfo, names: Mapping[str, str] | None) -> str:
    who = party_text(case, step.party, names)
    clause = texts.CLAUSE[step.rule]
    if step.closed_at is not None:
        met = texts.STEP_LATE if step.outcome == Outcome.MISSED else texts.STEP_ON_TIME
        template = texts.STEP_DONE.get(f"{step.rule}:{step.decision}") or texts.STEP_DONE[step.rule]
        return template.format(who=who, at=_local(step.closed_at, tz), met=met, clause=clause)
    term = (texts.STEP_TERM_PASSED if now > step.due_at else texts.STEP_TERM_UNTIL).format(
        clause=clause, due=_local(step.due_at, tz))
    return texts.STEP_WAITING[step.rule].format(who=who, since=_local(step.started_at, tz), term=term)


def inherited_note(case: Case, department_id: int, now: datetime, tz: tzinfo, deadlines: Deadlines) -> str:
    """The card of a department that received the case too late to meet its draft deadline says so plainly:
    the time was used up before it (``Assignment.inherited_from``), a miss is not its department's. The
    minutes left are the draft clock's own (working minutes: lunch and closing time do not count)."""
    a = case.assignment(department_id)
    draft = case.open_deadline("draft", department_id)
    if a is None or not a.inherited_from or draft is None:
        return ""
    due = _local(draft.due_at, tz)
    if now >= draft.due_at:
        return texts.DEPT_CARD_INHERITED_PASSED.format(due=due)
    left = deadlines.minutes_left("draft", now, draft.due_at, case.calendar_span)
    minutes = max(1, math.ceil(left - 1e-9))
    return texts.DEPT_CARD_INHERITED_SOON.format(minutes=minutes, due=due)


def chain_text(case: Case, now: datetime, tz: tzinfo, names: Mapping[str, str] | None = None) -> str:
    """The steps of the case, each with its time and whether it met its own deadline (cl. 9–17)."""
    return "\n".join(texts.STEP_BULLET.format(line=_step_line(case, step, now, tz, names))
                     for step in chain(case))


def case_card(case: Case, now: datetime, tz: tzinfo, *, header: str = "", lead: Case | None = None) -> str:
    flags = (texts.CARD_FLAG_URGENT if case.urgent else "") + (texts.CARD_FLAG_SIGNIFICANT if case.significant else "")
    flags += texts.CARD_FLAG_OFF_HOURS if case.calendar_since is not None and case.is_open else ""   # cl. 8
    depts = ""
    if case.assignments:
        items = ", ".join(f"{texts.esc(a.department_name)} ({texts.DEPT_STATE[a.state.value]})"
                          for a in case.assignments)
        depts = texts.CARD_DEPARTMENTS.format(items=items)
    media = texts.CARD_MEDIA.format(count=len(case.media)) if case.media else ""
    body = texts.CARD.format(
        number=case.number, platform=texts.esc(platform_by_code(case.platform).title), flags=flags,
        link=texts.CARD_LINK.format(link=link_text(case.link)) if case.link else "",
        author=texts.CARD_AUTHOR.format(author=texts.esc(case.author)) if case.author else "",
        detected=_local(case.detected_at, tz),
        excerpt=texts.esc(texts.excerpt(case.text, CARD_EXCERPT)) if case.text.strip() else texts.CARD_NO_TEXT,
        status=texts.STATUS[case.status.value] + _waits_author(case, tz), departments=depts + media, incident=_incident(case),
        deadlines=deadlines_block(case, now, tz, lead) if case.status not in (Status.CLOSED,) else "",
    )
    return (header + "\n\n" if header else "") + body


def _waits_author(case: Case, tz: tzinfo) -> str:
    """«Ждёт ответа автора с …»: a clarification request stopped the answer clock (docs/workflow.md)."""
    since = clarification_since(case)
    return texts.CARD_WAITS_AUTHOR.format(since=_local(since, tz)) if since else ""


def status_word(case: Case) -> str:
    """The status word of a list line; a post waiting for its incident's lead says so (cl. 21)."""
    if case.status == Status.NEW and case.incident_lead not in (None, case.number):
        return texts.STATUS_IN_INCIDENT.format(lead=case.incident_lead)
    return texts.STATUS[case.status.value]


def _incident(case: Case) -> str:
    if case.incident_lead is None or not case.is_open:
        return ""
    if case.incident_lead == case.number:
        return texts.CARD_INCIDENT_LEAD
    return texts.CARD_INCIDENT_MEMBER.format(lead=case.incident_lead)


def length_warning(case: Case, text: str) -> str:
    warning = check_length(case.platform, text)
    if warning is None:
        return ""
    return texts.LENGTH_WARNING.format(platform=texts.esc(warning.platform.title), length=warning.length,
                                       limit=warning.limit)


def draft_for_operator(case: Case, draft: Draft, tz: tzinfo, approve_by: datetime | None = None) -> str:
    """The approval request; ``approve_by`` (``workflow.approve_by``) when approving by the cl. 14 deadline
    would make the answer late (cl. 13–16 chained)."""
    due = case.open_deadline("approval")
    names = {a.department_id: a.department_name for a in case.assignments}
    media = texts.DRAFT_TO_OPERATOR_MEDIA.format(count=len(draft.media)) if draft.media else ""
    warning = length_warning(case, draft.text)
    template = texts.DRAFT_TO_OPERATOR
    if approve_by is not None:
        template = template.replace("\n\n{text}", "\n" + texts.APPROVE_BY.format(
            at=approve_by.astimezone(tz).strftime("%H:%M")) + "\n\n{text}", 1)
    return fit(lambda text: template.format(
        kind=texts.KIND[draft.kind.value], number=case.number,
        department=texts.esc(names.get(draft.department_id or 0, "")), author=texts.esc(draft.author_name),
        version=draft.version, due=_local(due.due_at if due else None, tz), text=text, media=media,
        warning=("\n\n" + warning) if warning else ""), draft.text, texts.MESSAGE_LIMIT)


def fit(make: Callable[[str], str], citizen_text: str, limit: int) -> str:
    """``make(escaped)``: the message with the escaped citizen text in its place, the text trimmed so the
    message stays within `limit`. A function, not a template holding "{text}": a name formatted into such
    a template before the text may itself hold "{text}" (a department called so took the draft's place)."""
    room = limit - len(make(""))
    text = citizen_text
    while True:
        escaped = texts.esc(text)
        if len(escaped) <= room or len(text) < 10:
            return make(escaped)
        # in proportion to what escaping made of it: `<` takes four characters, `&` five
        text = texts.excerpt(text, max(10, min(len(text) - 1, len(text) * room // len(escaped))))


def history(events: list[Event], tz: tzinfo) -> str:
    lines = [texts.HISTORY_TITLE]
    for e in events:
        what = texts.EVENT.get(e.kind, e.kind)
        if e.refused:
            what = texts.EVENT_REFUSED.format(what=texts.EVENT.get(e.kind.removeprefix("refused:"), e.kind))
        extra = ""
        for key in ("reason", "comment", "departments"):
            if key in e.payload and e.payload[key]:
                value = e.payload[key]
                extra = ": " + texts.esc(", ".join(value) if isinstance(value, list) else texts.excerpt(str(value), 120))
        who = texts.esc(e.payload.get("actor_name") or texts.ROLE.get(e.actor_role, e.actor_role))
        lines.append(texts.HISTORY_LINE.format(at=_local(e.at, tz), who=who, what=what + extra))
    return "\n".join(lines)


def open_list(cases: list[Case], now: datetime, tz: tzinfo, title: str,
              leads: Mapping[str, Case] | None = None) -> list[str]:
    """Lines of open cases, split into messages within Telegram's limit; ``leads``: the lead post of each
    incident member, by the member's number (its clocks follow the lead's, cl. 21)."""
    lines = []
    for c in cases:
        lead = (leads or {}).get(c.number)
        nxt = c.next_deadline()
        if nxt is None:
            lines.append(texts.OPEN_LINE_NO_DEADLINE.format(number=c.number, status=status_word(c)))
            continue
        lines.append(texts.OPEN_LINE.format(
            marker=texts.CARD_OVERDUE if nxt.overdue(now) else texts.CARD_PENDING, number=c.number,
            status=status_word(c), owner=owners_text(c, owners(c, nxt, lead), lead=lead),
            rule=texts.RULE.get(nxt.rule, nxt.rule), due=_local(nxt.due_at, tz)))
    return chunk([title, *lines])


def chunk(lines: list[str], limit: int = texts.MESSAGE_LIMIT) -> list[str]:
    """Lines joined into messages within `limit`; a line longer than a message goes out in pieces."""
    out: list[str] = []
    buf = ""
    for line in lines:
        for piece in pieces(line, limit):
            if buf and len(buf) + 1 + len(piece) > limit:
                out.append(buf)
                buf = ""
            buf = f"{buf}\n{piece}" if buf else piece
    if buf:
        out.append(buf)
    return out


def same_address(matches: Sequence[AddressMatch]) -> str:
    """«📍 По этому адресу (ул. Школьная, 3) уже открыто сообщение 2026-0041» under the operator's card."""
    return "".join("\n" + texts.SAME_ADDRESS_OPEN.format(address=texts.esc(m.label), number=m.number)
                   for m in matches[:MAX_SAME_ADDRESS])


def pieces(line: str, limit: int) -> list[str]:
    """An over-long line of escaped text (a post shown whole) in pieces of at most `limit`, cut at a line
    break or a space where there is one, never inside an entity (`&amp;`) or a tag: once the line was cut
    at the limit and the rest lost, a cut entity shown as debris, a cut tag refused by Telegram."""
    out: list[str] = []
    while len(line) > limit:
        cut = limit
        if line.rfind("&", 0, cut) > line.rfind(";", 0, cut):      # inside an entity: before it
            cut = line.rfind("&", 0, cut)
        if line.rfind("<", 0, cut) > line.rfind(">", 0, cut):      # inside a tag: before it
            cut = line.rfind("<", 0, cut)
        space = max(line.rfind("\n", 0, cut + 1), line.rfind(" ", 0, cut + 1))
        if space > limit // 2:
            out.append(line[:space])
            line = line[space + 1:]
        else:
            out.append(line[:cut or limit])
            line = line[cut or limit:]
    return [*out, line]
