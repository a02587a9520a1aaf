"""The rating's pure rules (bot/domain/ratings.py): tallying facts, the order, ties, the unranked rule."""

from __future__ import annotations

from bot.domain.ratings import CaseFacts, OrgFigures, Verdict, rank, tally

MET, MISSED, NONE = Verdict.MET, Verdict.MISSED, Verdict.NONE


def figures(org_id: int, name: str, posts: int, met: int, due: int, reactions: list[float]) -> OrgFigures:
    return OrgFigures(org_id, name, posts=posts, answer_met=met, answer_due=due, reactions=reactions)


def test_a_given_case_counts_for_the_giver_only_as_its_misses_and_a_transfer_out() -> None:
    facts = [CaseFacts(1, given=True, answer=MISSED, final=NONE, reaction_minutes=None, drafts=2, returns=1,
                       declines=1),
             CaseFacts(1, given=True, answer=MET),           # met before the transfer: not the giver's figure
             CaseFacts(2, answer=MET, reaction_minutes=30.0, drafts=1)]
    out = {o.org_id: o for o in tally([(1, "А"), (2, "Б")], facts, [(1, 2), (1, 2)])}
    assert (out[1].posts, out[1].answer_met, out[1].answer_due, out[1].overdue) == (0, 0, 1, 1)
    assert (out[1].drafts, out[1].returns, out[1].declines, out[1].reactions) == (0, 0, 0, [])
    assert (out[1].transfers_out, out[1].transfers_in, out[2].transfers_in) == (2, 0, 2)
    assert (out[2].posts, out[2].answer_share, out[2].median_minutes) == (1, 1.0, 30.0)


def test_cases_and_transfers_of_organisations_not_listed_are_ignored() -> None:
    out = tally([(1, "А")], [CaseFacts(9, answer=MET)], [(9, 1), (1, 9)])
    assert (out[0].posts, out[0].transfers_in, out[0].transfers_out) == (0, 1, 1)


def test_order_by_share_then_median_with_shared_places_and_the_unranked_after() -> None:
    lines = rank([
        figures(1, "Альфа", 5, 4, 5, [60, 80]),          # 80 %, median 70
        figures(2, "Бета", 4, 4, 4, [200]),              # 100 %
        figures(3, "Гамма", 3, 4, 5, [50, 90]),          # 80 %, median 70: tied with Альфа
        figures(4, "Дельта", 2, 0, 0, []),               # no clock decided: last of the ranked
        figures(5, "Ёж", 1, 1, 1, [10]),                 # one post: no place, however good
        figures(6, "Жук", 0, 0, 0, []),                  # nothing at all
        figures(7, "Зета", 6, 4, 5, [40, 60]),           # 80 %, median 50: before the tie
    ])
    assert [(ln.place, ln.figures.name) for ln in lines] == [
        (1, "Бета"), (2, "Зета"), (3, "Альфа"), (3, "Гамма"), (5, "Дельта"), (None, "Ёж"), (None, "Жук")]


def test_exactly_two_posts_are_ranked() -> None:
    assert [ln.place for ln in rank([figures(1, "А", 2, 1, 2, [5]), figures(2, "Б", 1, 1, 1, [5])])] == [1, None]


def test_shares_and_statistics_with_nothing_to_count_are_none() -> None:
    o = OrgFigures(1, "А")
    assert (o.answer_share, o.final_share, o.returns_share, o.median_minutes, o.mean_minutes) == (
        None, None, None, None, None)
