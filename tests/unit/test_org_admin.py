"""Issue 14 §1: who may administer which organisation (bot/domain/org_admin.py), as a table."""

from __future__ import annotations

import pytest

from bot.domain import org_admin

ACTIVE = [1, 2, 3]          # organisation no. 4 is archived


@pytest.mark.parametrize(("deployment", "admin_of", "org_id", "allowed"), [
    (True, [], 1, True),          # a deployment admin: every active organisation
    (True, [], 3, True),
    (True, [], 4, False),         # … but not an archived one
    (False, [2], 2, True),        # an organisation's admin: their own
    (False, [2], 1, False),       # … never another's
    (False, [2, 3], 3, True),
    (False, [4], 4, False),       # their organisation archived: nothing
    (False, [], 1, False),        # anybody else
])
def test_who_may_administer_which_organisation(deployment: bool, admin_of: list[int], org_id: int,
                                               allowed: bool) -> None:
    assert org_admin.may_administer(org_id, deployment_admin=deployment, admin_of=admin_of,
                                    active=ACTIVE) is allowed


def test_the_organisations_administered_and_when_to_ask() -> None:
    assert org_admin.administered(deployment_admin=True, admin_of=[], active=ACTIVE) == [1, 2, 3]
    assert org_admin.administered(deployment_admin=False, admin_of=[3, 4], active=ACTIVE) == [3]
    assert org_admin.administered(deployment_admin=False, admin_of=[], active=ACTIVE) == []
    assert org_admin.must_ask([1, 2]) and not org_admin.must_ask([2]) and not org_admin.must_ask([1])


def test_only_deployment_admins_manage_organisations() -> None:
    assert org_admin.may_manage_orgs(deployment_admin=True)
    assert not org_admin.may_manage_orgs(deployment_admin=False)


@pytest.mark.parametrize(("chosen", "orgs", "current"), [
    (None, [1, 2], 1),            # nothing chosen: no. 1 for whoever administers it
    (2, [1, 2], 2),               # the last choice
    (3, [1, 2], 1),               # a choice no longer theirs (archived, taken away) is forgotten
    (None, [2, 3], 2),            # an organisation's admin: their first
    (None, [], 1),
])
def test_the_organisation_an_admin_acts_for(chosen: int | None, orgs: list[int], current: int) -> None:
    assert org_admin.current_org(chosen, orgs, 1) == current
