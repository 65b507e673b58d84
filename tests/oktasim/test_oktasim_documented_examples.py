"""Every `filter` and `search` example of Okta's listUsers and listGroups (the Management API
spec, okta/okta-management-openapi-spec), and the reference's `sw` example, run against one org:
each is accepted, and selects what its description says.

The org: users in the statuses the examples name, one of them with the login, department and
array attribute they name; an Okta group named as in the examples, another, and an imported
app group with a samAccountName. Every record was written today, so the examples' dates
(2013 to 2024) are all in the past.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from oktasim_harness import Okta, serving


@dataclass(frozen=True)
class Org:
    okta: Okta
    ids: dict[str, str]  # name used below -> id
    type_id: str
    source_id: str


@pytest.fixture(scope="module")
def org() -> Iterator[Org]:
    with serving(custom_attributes=("scimExternalId", "arrayAttr")) as okta:
        ids = {
            "staged": okta.create(activate=False, department="Engineering")["id"],
            "active": okta.create(
                "login@example.com",
                password=True,
                department="Engineering",
                arrayAttr=["arrayAttrVal1", "arrayAttrVal2"],
                lastName="Smith",
            )["id"],
            "locked": okta.create(password=True)["id"],
            "recovery": okta.create(password=True)["id"],
        }
        okta.sim.force_status(ids["locked"], "LOCKED_OUT")
        reset = okta.lifecycle(ids["recovery"], "reset_password", sendEmail="false")
        assert reset.status_code == 200, reset.text
        ids["west"] = okta.create_group("West Coast users")["id"]
        ids["other"] = okta.create_group("Sales")["id"]
        ids["app"] = okta.sim.add_app_group(
            "Engineering", profile={"samAccountName": "West Coast Eng"}
        )
        ids["everyone"] = okta.everyone()["id"]
        users = okta.client.get(f"/api/v1/users/{ids['active']}").json()
        app = okta.client.get(f"/api/v1/groups/{ids['app']}").json()
        yield Org(okta, ids, users["type"]["id"], app["source"]["id"])


USERS = ("staged", "active", "locked", "recovery")
GROUPS = ("west", "other", "app", "everyone")

USER_FILTERS = [
    ('status eq "LOCKED_OUT"', {"locked"}),
    ('profile.login eq "login@example.com"', {"active"}),
    (
        'lastUpdated gt "2013-06-01T00:00:00.000Z" and lastUpdated lt "2014-01-01T00:00:00.000Z"',
        set(),
    ),
    (
        'lastUpdated gt "2013-06-01T00:00:00.000Z" and (status eq "LOCKED_OUT" or status eq '
        '"RECOVERY")',
        {"locked", "recovery"},
    ),
]
USER_SEARCHES = [
    ('status eq "STAGED"', {"staged"}),
    ('lastUpdated gt "2014-01-01T00:00:00.000Z"', set(USERS)),
    ('id eq "00u1ero7vZFVEIYLWPBN"', set()),
    (
        'profile.department eq "Engineering" and (created lt "2014-01-01T00:00:00.000Z" or '
        'status eq "ACTIVE")',
        {"active"},
    ),
    ('profile.arrayAttr eq "arrayAttrVal1"', {"active"}),
    ('type.id eq "otyfnjfba4ye7pgjB0g4"', set()),
    # The spec's way round the missing `ne`.
    ('(status lt "STAGED" or status gt "STAGED")', {"active", "locked", "recovery"}),
    ('profile.lastName sw "Smi"', {"active"}),
]
GROUP_SEARCHES = [
    ('type eq "APP_GROUP"', {"app"}),
    ('lastMembershipUpdated gt "2024-01-01T00:00:00.000Z"', set(GROUPS)),
    ('id eq "00gak46y5hydV6NdM0g4"', set()),
    ('profile.name eq "West Coast users"', {"west"}),
    ('profile.samAccountName sw "West Coast"', {"app"}),
    ('source.id eq "0oa2v0el0gP90aqjJ0g7"', set()),
    (
        'type eq "APP_GROUP" and (created lt "2014-01-01T00:00:00.000Z" and source.id eq '
        '"0oa2v0el0gP90aqjJ0g7")',
        set(),
    ),
]
GROUP_FILTERS = [
    ('id eq "00g1emaKYZTWRYYRRTSK"', set()),
    ('type eq "OKTA_GROUP"', {"west", "other"}),
    ('type eq "OKTA_GROUP" and lastUpdated gt "2016-11-11T00:00:00.000Z"', {"west", "other"}),
    (
        'type eq "OKTA_GROUP" and (lastUpdated lt "2015-11-11T00:00:00.000Z" or '
        'lastMembershipUpdated lt "2015-11-11T00:00:00.000Z")',
        set(),
    ),
]


def _found(org: Org, path: str, kind: str, expression: str) -> set[str]:
    response = org.okta.client.get(path, params={kind: expression})
    assert response.status_code == 200, response.text
    names = {value: name for name, value in org.ids.items()}
    return {names.get(item["id"], item["id"]) for item in response.json()}


@pytest.mark.parametrize(("expression", "expected"), USER_FILTERS)
def test_users_filter_examples(org: Org, expression: str, expected: set[str]) -> None:
    assert _found(org, "/api/v1/users", "filter", expression) == expected


@pytest.mark.parametrize(("expression", "expected"), USER_SEARCHES)
def test_users_search_examples(org: Org, expression: str, expected: set[str]) -> None:
    assert _found(org, "/api/v1/users", "search", expression) == expected


@pytest.mark.parametrize(("expression", "expected"), GROUP_SEARCHES)
def test_groups_search_examples(org: Org, expression: str, expected: set[str]) -> None:
    assert _found(org, "/api/v1/groups", "search", expression) == expected


@pytest.mark.parametrize(("expression", "expected"), GROUP_FILTERS)
def test_groups_filter_examples(org: Org, expression: str, expected: set[str]) -> None:
    assert _found(org, "/api/v1/groups", "filter", expression) == expected


def test_the_examples_ids_match_the_orgs_own(org: Org) -> None:
    """The examples name ids of Okta's own orgs; with this org's ids they find its records."""
    assert _found(org, "/api/v1/users", "search", f'type.id eq "{org.type_id}"') == set(USERS)
    active = org.ids["active"]
    assert _found(org, "/api/v1/users", "search", f'id eq "{active}"') == {"active"}
    assert _found(org, "/api/v1/groups", "search", f'source.id eq "{org.source_id}"') == {"app"}
    west = org.ids["west"]
    assert _found(org, "/api/v1/groups", "filter", f'id eq "{west}"') == {"west"}
