"""Listing groups: the plain list, `q`, `filter`, `search`, limits, cursors, `Link` lines and the
search index lag (on a fake clock)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from clocks import Clock
from oktasim_harness import Okta, error_code, next_url, raw_links, serving, shared_org

server, okta = shared_org()


def _names(response: httpx.Response) -> list[str]:
    assert response.status_code == 200, response.text
    return [group["profile"]["name"] for group in response.json()]


def _list(okta: Okta, **params: str) -> httpx.Response:
    return okta.client.get("/api/v1/groups", params=params)


def test_plain_list_has_every_type_ordered_by_id_with_a_self_link(okta: Okta) -> None:
    okta.create_group("Sales")
    okta.sim.add_app_group("Engineering")
    response = _list(okta)
    groups = response.json()
    assert sorted(group["type"] for group in groups) == ["APP_GROUP", "BUILT_IN", "OKTA_GROUP"]
    assert [group["id"] for group in groups] == sorted(group["id"] for group in groups)
    assert raw_links(response) == [f'<{okta.url}/api/v1/groups?limit=200>; rel="self"']
    # List entries are whole group objects, as recorded in 2025.
    assert set(groups[0]["_links"]) >= {"logo", "users", "apps"}


def test_pagination_across_more_than_200_groups(okta: Okta) -> None:
    created = {okta.create_group(f"Group {number:03d}")["id"] for number in range(204)}
    created.add(okta.everyone()["id"])
    first = _list(okta)
    links = raw_links(first)
    assert len(links) == 2
    assert links[0] == f'<{okta.url}/api/v1/groups?limit=200>; rel="self"'
    assert links[1].startswith(f"<{okta.url}/api/v1/groups?after=")
    assert links[1].endswith('&limit=200>; rel="next"')
    url = next_url(first)
    assert url is not None
    second = okta.client.get(url)
    assert len(first.json()) == 200
    assert len(second.json()) == 5
    assert next_url(second) is None
    seen = [group["id"] for group in first.json() + second.json()]
    assert set(seen) == created
    assert len(seen) == len(created)


def test_limit_is_clamped_to_200_and_must_be_a_positive_number(okta: Okta) -> None:
    assert raw_links(_list(okta, limit="10000"))[0].startswith(
        f"<{okta.url}/api/v1/groups?limit=200>"
    )
    for bad in ("0", "many"):
        response = _list(okta, limit=bad)
        assert (response.status_code, error_code(response)) == (400, "E0000001")


def test_a_full_page_announces_a_next_page_that_keeps_the_query(okta: Okta) -> None:
    for number in range(3):
        okta.create_group(f"Team {number}")
    expression = 'type eq "OKTA_GROUP"'
    response = _list(okta, filter=expression, limit="3")
    url = next_url(response)
    assert url is not None
    query = parse_qs(urlsplit(url).query)
    assert (query["filter"], query["limit"]) == ([expression], ["3"])
    last = okta.client.get(url)
    assert (last.json(), next_url(last)) == ([], None)


def test_bad_cursor(okta: Okta) -> None:
    response = _list(okta, after="garbage!")
    assert (response.status_code, error_code(response)) == (400, "E0000029")
    assert response.json()["errorCauses"] == [{"errorSummary": "Invalid cursor."}]


# -- q ---------------------------------------------------------------------------------------


def test_q_matches_name_prefixes_ignoring_case_exact_match_first_without_link(okta: Okta) -> None:
    okta.create_group("West Coast Users")
    okta.create_group("West")
    okta.create_group("Midwest")
    okta.sim.add_app_group("western imports")
    response = _list(okta, q="west")
    assert _names(response) == ["West", "West Coast Users", "western imports"]
    assert raw_links(response) == []
    assert _names(_list(okta, q="Every")) == ["Everyone"]


def test_q_returns_at_most_300_by_default_and_never_pages(okta: Okta) -> None:
    for number in range(301):
        okta.create_group(f"Dept {number:03d}")
    response = _list(okta, q="dept")
    assert len(response.json()) == 300
    assert next_url(response) is None
    assert len(_list(okta, q="dept", limit="5").json()) == 5


def test_q_combines_with_a_filter(okta: Okta) -> None:
    okta.create_group("Eng Okta")
    okta.sim.add_app_group("Eng Imported")
    assert _names(_list(okta, q="eng", filter='type eq "APP_GROUP"')) == ["Eng Imported"]


# -- filter ----------------------------------------------------------------------------------


def test_filter_by_type_id_and_dates(okta: Okta) -> None:
    sales = okta.create_group("Sales")
    okta.sim.add_app_group("Engineering")
    assert _names(_list(okta, filter='type eq "OKTA_GROUP"')) == ["Sales"]
    assert _names(_list(okta, filter='type eq "BUILT_IN"')) == ["Everyone"]
    assert _names(_list(okta, filter=f'id eq "{sales["id"]}"')) == ["Sales"]
    after_2013 = 'lastUpdated gt "2013-06-01T00:00:00.000Z"'
    assert len(_list(okta, filter=f'type eq "OKTA_GROUP" and {after_2013}').json()) == 1
    documented = (
        'type eq "OKTA_GROUP" and (lastUpdated lt "2015-11-11T00:00:00.000Z"'
        ' or lastMembershipUpdated lt "2015-11-11T00:00:00.000Z")'
    )
    assert _names(_list(okta, filter=documented)) == []


def test_filter_values_are_case_sensitive(okta: Okta) -> None:
    okta.create_group("Sales")
    assert _names(_list(okta, filter='type eq "okta_group"')) == []


@pytest.mark.parametrize(
    "expression",
    [
        'profile.name eq "Sales"',
        'created gt "2013-06-01T00:00:00.000Z"',
        'type sw "OKTA"',
        "id pr",
        'type eq "OKTA_GROUP" and',
    ],
)
def test_filter_rejects_what_only_search_allows(okta: Okta, expression: str) -> None:
    response = _list(okta, filter=expression)
    assert (response.status_code, error_code(response)) == (400, "E0000031")


def test_filter_and_search_together(okta: Okta) -> None:
    response = _list(okta, filter='type eq "OKTA_GROUP"', search='type eq "OKTA_GROUP"')
    assert (response.status_code, error_code(response)) == (400, "E0000033")


# -- search ----------------------------------------------------------------------------------


def test_search_operators_are_case_insensitive(okta: Okta) -> None:
    okta.create_group("West Coast Users", description="All Users West of The Rockies")
    okta.create_group("Squabble of Users", description="Keep Calm and Single Sign-On")
    assert _names(_list(okta, search='profile.name eq "west coast users"')) == ["West Coast Users"]
    assert _names(_list(okta, search='profile.name sw "SQUAB"')) == ["Squabble of Users"]
    assert _names(_list(okta, search='profile.description co "rockies"')) == ["West Coast Users"]
    both = _list(okta, search='profile.name co "users" and type eq "okta_group"')
    assert sorted(_names(both)) == ["Squabble of Users", "West Coast Users"]


def test_search_by_dates_type_id_and_source(okta: Okta) -> None:
    sales = okta.create_group("Sales")
    engineering = okta.sim.add_app_group("Engineering")
    source = okta.client.get(f"/api/v1/groups/{engineering}").json()["source"]["id"]
    assert _names(_list(okta, search='type eq "APP_GROUP"')) == ["Engineering"]
    assert _names(_list(okta, search=f'id eq "{sales["id"]}"')) == ["Sales"]
    assert _names(_list(okta, search=f'source.id eq "{source}"')) == ["Engineering"]
    documented = (
        'type eq "APP_GROUP" and (created lt "2014-01-01T00:00:00.000Z"'
        f' and source.id eq "{source}")'
    )
    assert _names(_list(okta, search=documented)) == []
    since = 'lastMembershipUpdated gt "2024-01-01T00:00:00.000Z" and type eq "OKTA_GROUP"'
    assert _names(_list(okta, search=since)) == ["Sales"]


def test_search_on_custom_and_imported_attributes() -> None:
    with serving(group_custom_attributes=("scimExternalId",)) as okta:
        okta.create_group("Sales", scimExternalId="Ext-9")
        okta.sim.add_app_group("Engineering", profile={"samAccountName": "West Coast Eng"})
        assert _names(_list(okta, search='profile.scimExternalId eq "ext-9"')) == ["Sales"]
        imported = _list(okta, search='profile.samAccountName sw "West Coast"')
        assert _names(imported) == ["Engineering"]


@pytest.mark.parametrize(
    "expression",
    [
        "profile.name pr",
        'profile.nosuch eq "x"',
        'profile.scimExternalId eq "x"',
        'type co "GROUP"',
        'status eq "ACTIVE"',
        'created sw "2024"',
        'profile.name ne "x"',
        "",
    ],
)
def test_malformed_or_unsupported_search_is_e0000031(okta: Okta, expression: str) -> None:
    response = _list(okta, search=expression)
    assert (response.status_code, error_code(response)) == (400, "E0000031")


def test_search_with_a_bad_date(okta: Okta) -> None:
    response = _list(okta, search='lastUpdated gt "yesterday"')
    assert (response.status_code, error_code(response)) == (400, "E0000030")


def test_search_sort_by_name_pages_both_ways(okta: Okta) -> None:
    for name in ("carol", "Alice", "bob"):
        okta.create_group(name)
    params = {"search": 'type eq "OKTA_GROUP"', "sortBy": "profile.name"}
    assert _names(_list(okta, **params)) == ["Alice", "bob", "carol"]
    descending = _list(okta, **params, sortOrder="desc", limit="2")
    assert _names(descending) == ["carol", "bob"]
    url = next_url(descending)
    assert url is not None
    assert _names(okta.client.get(url)) == ["Alice"]


def _listed_ids(okta: Okta, params: dict[str, str]) -> list[str]:
    """Every group a listing returns, two a page through its `next` links, in the order given."""
    seen: list[str] = []
    response = _list(okta, **params, limit="2")
    while True:
        assert response.status_code == 200, response.text
        seen.extend(group["id"] for group in response.json())
        url = next_url(response)
        if url is None:
            return seen
        response = okta.client.get(url)


def _three_named_out_of_id_order(okta: Okta) -> list[str]:
    """Three groups whose ids, in ascending order, are named bob, carol and Alice: then
    ordering by name, either way, differs from ordering by id, either way."""
    ids = sorted(okta.create_group(f"placeholder {number}")["id"] for number in range(3))
    for group_id, name in zip(ids, ("bob", "carol", "Alice"), strict=True):
        renamed = okta.client.put(f"/api/v1/groups/{group_id}", json={"profile": {"name": name}})
        assert renamed.status_code == 200, renamed.text
    return ids


@pytest.mark.parametrize(
    "sorting",
    [
        {"sortOrder": "desc"},
        {"sortBy": "profile.name"},
        {"sortBy": "profile.name", "sortOrder": "desc"},
    ],
    ids=["order", "by", "both"],
)
@pytest.mark.parametrize(
    "listing", [{}, {"filter": 'type eq "OKTA_GROUP"'}], ids=["plain", "filter"]
)
def test_sort_parameters_are_ignored_outside_search(
    okta: Okta, listing: dict[str, str], sorting: dict[str, str]
) -> None:
    # The spec (listGroups): sortBy and sortOrder apply to search queries only; no error is
    # documented for them elsewhere, so they are ignored: the listing keeps its order by id.
    ids = _three_named_out_of_id_order(okta)
    expected = _listed_ids(okta, listing)
    everyone = [] if listing else [okta.everyone()["id"]]
    assert expected == sorted(ids + everyone)
    assert _listed_ids(okta, {**listing, **sorting}) == expected


def test_search_sort_order_without_sort_by_is_ignored(okta: Okta) -> None:
    # The spec (listGroups): without sortBy, sortOrder has no effect.
    ids = _three_named_out_of_id_order(okta)
    search = {"search": 'type eq "OKTA_GROUP"'}
    assert _listed_ids(okta, {**search, "sortOrder": "desc"}) == ids
    by_name = {**search, "sortBy": "profile.name"}
    assert _listed_ids(okta, by_name) == [ids[2], ids[0], ids[1]]
    assert _listed_ids(okta, {**by_name, "sortOrder": "desc"}) == [ids[1], ids[0], ids[2]]


# -- eventual consistency --------------------------------------------------------------------


def test_q_filter_and_search_lag_behind_writes_but_get_and_the_plain_list_do_not() -> None:
    clock = Clock()
    with serving(clock=clock, search_lag_ms=300) as okta:
        group = okta.create_group("Late")
        queries = [
            {"q": "Late"},
            {"search": 'profile.name eq "Late"'},
            {"filter": f'id eq "{group["id"]}"'},
        ]
        for params in queries:
            assert _names(_list(okta, **params)) == [], params
        assert "Late" in _names(_list(okta))
        assert okta.client.get(f"/api/v1/groups/{group['id']}").status_code == 200
        clock.advance(0.3)
        for params in queries:
            assert _names(_list(okta, **params)) == ["Late"], params
        okta.client.put(f"/api/v1/groups/{group['id']}", json={"profile": {"name": "Renamed"}})
        assert _names(_list(okta, search='profile.name eq "Late"')) == ["Late"]
        clock.advance(0.3)
        assert _names(_list(okta, search='profile.name eq "Late"')) == []
        assert _names(_list(okta, search='profile.name eq "Renamed"')) == ["Renamed"]
        okta.client.delete(f"/api/v1/groups/{group['id']}")
        assert _names(_list(okta, q="Renamed")) == ["Renamed"]
        clock.advance(0.3)
        assert _names(_list(okta, q="Renamed")) == []


def test_a_name_is_taken_before_search_can_see_it() -> None:
    """Uniqueness does not depend on the lagging index (what a lookup-then-create can hit)."""
    clock = Clock()
    with serving(clock=clock, search_lag_ms=1000) as okta:
        okta.create_group("Sales")
        assert _names(_list(okta, search='profile.name eq "Sales"')) == []
        duplicate = okta.client.post("/api/v1/groups", json={"profile": {"name": "Sales"}})
        assert (duplicate.status_code, error_code(duplicate)) == (400, "E0000001")
