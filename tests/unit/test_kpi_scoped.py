"""The KPI queries name the organisation (issue 14): ``storage.kpi_queries.scoped`` turns each query's
``ORG_FILTER`` marker into the scope's filter, bound by name like the rest of the query."""

from __future__ import annotations

import pytest

from bot.domain.orgs import Scope
from storage.kpi_queries import ANSWER_TIMES_SQL, DAILY_SQL, KPI_SQL, ORG_FILTER, PARTY_SQL, scoped

QUERIES = {"kpi": KPI_SQL, "party": PARTY_SQL, "answer_times": ANSWER_TIMES_SQL, "daily": DAILY_SQL}


@pytest.mark.parametrize("name", QUERIES)
def test_every_kpi_query_filters_one_organisation_by_a_named_parameter(name: str) -> None:
    sql, params = scoped(QUERIES[name], Scope.one(3), {"start": "a", "end": "b", "now": "c"})
    assert ORG_FILTER not in sql and "c.org_id IN (:org0)" in sql
    assert params == {"start": "a", "end": "b", "now": "c", "org0": 3}


@pytest.mark.parametrize("name", QUERIES)
def test_every_kpi_query_of_every_organisation_still_filters_on_the_column(name: str) -> None:
    sql, params = scoped(QUERIES[name], Scope.all(), {"start": "a"})
    assert "c.org_id IN (SELECT id FROM organisations)" in sql and params == {"start": "a"}


def test_a_query_without_the_marker_is_refused_rather_than_run_for_every_organisation() -> None:
    with pytest.raises(ValueError, match="organisation filter"):
        scoped("SELECT COUNT(*) FROM cases c", Scope.one(1), {})
