"""Listing: the four modes, filter/search semantics and escaping, limits, cursors, Link lines."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from clocks import Clock
from oktasim_harness import Okta, error_code, next_url, raw_links, serving, shared_org

server, okta = shared_org()


def _ids(response: httpx.Response) -> set[str]:
    assert response.status_code == 200, response.text
    return {user["id"] for user in response.json()}


def _search(okta: Okta, expression: str) -> httpx.Response:
    return okta.client.get("/api/v1/users", params={"search": expression})


def _filter(okta: Okta, expression: str) -> httpx.Response:
    return okta.client.get("/api/v1/users", params={"filter": expression})


def test_no_query_skips_deprovisioned_but_filter_and_search_include_them(okta: Okta) -> None:
    alive = okta.create("alive@example.com")
    gone = okta.create("gone@example.com")
    okta.lifecycle(gone["id"], "deactivate")
    assert _ids(okta.client.get("/api/v1/users")) == {alive["id"]}
    assert gone["id"] in _ids(_filter(okta, 'status eq "DEPROVISIONED"'))
    assert gone["id"] in _ids(_search(okta, 'profile.login eq "gone@example.com"'))


def test_list_entries_carry_only_self_link(okta: Okta) -> None:
    user = okta.create()
    listed = okta.client.get("/api/v1/users").json()
    assert listed[0]["_links"] == {"self": {"href": f"{okta.url}/api/v1/users/{user['id']}"}}


def test_q_is_prefix_match_with_limit_10_and_no_next(okta: Okta) -> None:
    for number in range(12):
        okta.create(f"sam{number:02d}@example.com", firstName="Samantha")
    okta.create("zed@example.com", firstName="Zed")
    response = okta.client.get("/api/v1/users", params={"q": "sam"})
    assert len(response.json()) == 10
    assert next_url(response) is None
    assert _ids(okta.client.get("/api/v1/users", params={"q": "zed"})) != set()
    assert okta.client.get("/api/v1/users", params={"q": "amantha"}).json() == []


def test_search_is_case_insensitive_but_filter_is_case_sensitive(okta: Okta) -> None:
    user = okta.create("isaac.brock@example.com", firstName="Isaac")
    assert _ids(_search(okta, 'profile.login eq "ISAAC.BROCK@EXAMPLE.COM"')) == {user["id"]}
    assert _ids(_filter(okta, 'profile.login eq "ISAAC.BROCK@EXAMPLE.COM"')) == set()
    assert _ids(_filter(okta, 'profile.login eq "isaac.brock@example.com"')) == {user["id"]}


def test_search_keeps_diacritics(okta: Okta) -> None:
    accented = okta.create("isáàc.bröck@example.com")
    assert _ids(_search(okta, 'profile.login eq "isaac.brock@example.com"')) == set()
    assert _ids(_search(okta, 'profile.login eq "ISÁÀC.BRÖCK@example.com"')) == {accented["id"]}


def test_search_operators_and_logic(okta: Okta) -> None:
    ann = okta.create("ann@example.com", firstName="Ann", department="Sales")
    bob = okta.create("bob@example.com", firstName="Bob", department="R&D", password=True)
    okta.create("cy@example.com", firstName="Cy", department="Sales", activate=False)
    assert _ids(_search(okta, 'profile.firstName sw "a"')) == {ann["id"]}
    assert _ids(_search(okta, 'profile.email co "OB@"')) == {bob["id"]}
    assert _ids(
        _search(okta, 'profile.department eq "sales" and (status eq "PROVISIONED" or id eq "x")')
    ) == {ann["id"]}
    assert _ids(_search(okta, 'status eq "ACTIVE" or profile.firstName eq "ann"')) == {
        ann["id"],
        bob["id"],
    }
    assert _ids(_search(okta, '(status lt "STAGED" or status gt "STAGED")')) == {
        ann["id"],
        bob["id"],
    }
    assert _ids(_search(okta, "profile.department pr")) == _ids(okta.client.get("/api/v1/users"))
    assert _ids(_search(okta, f'type.id eq "{ann["type"]["id"]}" and profile.title pr')) == set()
    assert _ids(_search(okta, 'profile.firstName EQ "bob" AND status Eq "active"')) == {bob["id"]}


def test_search_on_custom_and_array_attributes() -> None:
    with serving(custom_attributes=("scimExternalId", "tags")) as okta:
        user = okta.create(scimExternalId="Ext-1", tags=["blue", "green"])
        assert _ids(_search(okta, 'profile.scimExternalId eq "ext-1"')) == {user["id"]}
        assert _ids(_search(okta, 'profile.tags eq "GREEN"')) == {user["id"]}


def test_date_comparisons(okta: Okta) -> None:
    user = okta.create()
    assert _ids(_filter(okta, 'lastUpdated gt "2013-06-01T00:00:00.000Z"')) == {user["id"]}
    assert _ids(_search(okta, 'created lt "2013-01-01T12:00:00.000-07:00"')) == set()
    bad = _search(okta, 'created gt "yesterday"')
    assert (bad.status_code, error_code(bad)) == (400, "E0000030")


@pytest.mark.parametrize(
    "expression",
    [
        'status ne "ACTIVE"',
        'profile.title co "x"',
        "profile.nosuch eq 1",
        'profile.login eq "unterminated',
        'profile.login eq "a" and',
        'not status eq "ACTIVE"',
        '(status eq "ACTIVE"',
        'status eq "ACTIVE")',
        "",
        'profile.login eq "bad \\q escape"',
        'status eq "ACTIVE" "extra"',
        'status xx "ACTIVE"',
    ],
)
def test_malformed_search_is_e0000031(okta: Okta, expression: str) -> None:
    response = _search(okta, expression)
    assert (response.status_code, error_code(response)) == (400, "E0000031")
    assert response.json()["errorSummary"] == "Invalid search criteria."


def test_search_names_only_the_documented_top_level_properties(okta: Okta) -> None:
    """listUsers `search` (spec): profile attributes, `type.id`, and the top-level `id`,
    `status`, `created`, `activated`, `statusChanged` and `lastUpdated`; no other."""
    user = okta.create(password=True)
    for name in ("created", "activated", "statusChanged", "lastUpdated"):
        assert _ids(_search(okta, f'{name} gt "2013-06-01T00:00:00.000Z"')) == {user["id"]}
    for expression in ('passwordChanged gt "2013-06-01T00:00:00.000Z"', "lastLogin pr"):
        refused = _search(okta, expression)
        assert refused.status_code == 400, refused.text
        assert error_code(refused) == "E0000031"
    # sortBy takes "any single property" (spec), these two included.
    sorted_by = okta.client.get(
        "/api/v1/users", params={"search": 'status eq "ACTIVE"', "sortBy": "passwordChanged"}
    )
    assert sorted_by.status_code == 200, sorted_by.text


@pytest.mark.parametrize(
    "expression",
    [
        'profile.firstName sw "A"',
        'profile.department eq "Sales"',
        'created gt "2013-06-01T00:00:00.000Z"',
        'status gt "A"',
        'profile.email co "a"',
    ],
)
def test_filter_rejects_search_only_syntax(okta: Okta, expression: str) -> None:
    response = _filter(okta, expression)
    assert (response.status_code, error_code(response)) == (400, "E0000031")


def test_filter_and_search_together(okta: Okta) -> None:
    response = okta.client.get(
        "/api/v1/users", params={"filter": 'status eq "ACTIVE"', "search": 'status eq "ACTIVE"'}
    )
    assert (response.status_code, error_code(response)) == (400, "E0000033")


def test_escaped_values_cannot_widen_a_search(okta: Okta) -> None:
    tricky = 'a"b\\c" or status eq "ACTIVE'
    victim = okta.create("victim@example.com", password=True)
    target = okta.create("target@example.com", nickName=tricky)
    escaped = tricky.replace("\\", "\\\\").replace('"', '\\"')
    assert _ids(_search(okta, f'profile.nickName eq "{escaped}"')) == {target["id"]}
    assert victim["id"] not in _ids(_search(okta, f'profile.nickName eq "{escaped}"'))
    unescaped = _search(okta, f'profile.nickName eq "{tricky}"')
    assert (unescaped.status_code, error_code(unescaped)) == (400, "E0000031")
    quote_only = okta.create("quote@example.com", lastName='bob"smith')
    assert _ids(_search(okta, 'profile.lastName eq "bob\\"smith"')) == {quote_only["id"]}


def test_limit_defaults_and_clamps(okta: Okta) -> None:
    for _ in range(3):
        okta.create()
    response = okta.client.get("/api/v1/users", params={"limit": "500"})
    assert raw_links(response)[0].startswith(f"<{okta.url}/api/v1/users?limit=200")
    bad = okta.client.get("/api/v1/users", params={"limit": "many"})
    assert bad.status_code == 400


def test_pagination_across_more_than_200_users(okta: Okta) -> None:
    created = {okta.create()["id"] for _ in range(205)}
    first = okta.client.get("/api/v1/users")
    links = raw_links(first)
    assert len(links) == 2
    assert links[0] == f'<{okta.url}/api/v1/users?limit=200>; rel="self"'
    assert links[1].endswith('>; rel="next"')
    assert len(first.json()) == 200
    url = next_url(first)
    assert url is not None
    second = okta.client.get(url)
    assert len(second.json()) == 5
    assert next_url(second) is None
    assert _ids(first) | _ids(second) == created
    assert not _ids(first) & _ids(second)


def test_full_page_always_has_next_and_keeps_params(okta: Okta) -> None:
    for _ in range(4):
        okta.create()
    expression = 'status eq "PROVISIONED"'
    seen: list[str] = []
    response = okta.client.get("/api/v1/users", params={"filter": expression, "limit": "2"})
    while True:
        seen.extend(user["id"] for user in response.json())
        url = next_url(response)
        if url is None:
            break
        query = parse_qs(urlsplit(url).query)
        assert query["filter"] == [expression]
        assert query["limit"] == ["2"]
        response = okta.client.get(url)
    assert len(seen) == 4
    assert len(set(seen)) == 4
    # 4 users, limit 2: the second page is full, so a third (empty) page is announced.
    assert len([entry for entry in okta.sim.request_log if entry[0] == "GET"]) == 3


def test_bad_cursor(okta: Okta) -> None:
    response = okta.client.get("/api/v1/users", params={"after": "garbage!"})
    assert (response.status_code, error_code(response)) == (400, "E0000029")
    assert response.json()["errorCauses"] == [{"errorSummary": "Invalid cursor."}]


def test_search_sort_by(okta: Okta) -> None:
    for name in ("carol", "Alice", "bob"):
        okta.create(f"{name.lower()}@example.com", firstName=name)
    params = {"search": "profile.firstName pr", "sortBy": "profile.firstName"}
    ascending = okta.client.get("/api/v1/users", params=params).json()
    assert [u["profile"]["firstName"] for u in ascending] == ["Alice", "bob", "carol"]
    descending = okta.client.get(
        "/api/v1/users", params={**params, "sortOrder": "desc", "limit": "2"}
    )
    assert [u["profile"]["firstName"] for u in descending.json()] == ["carol", "bob"]
    url = next_url(descending)
    assert url is not None
    assert [u["profile"]["firstName"] for u in okta.client.get(url).json()] == ["Alice"]


def _listed_ids(okta: Okta, params: dict[str, str]) -> list[str]:
    """Every user a listing returns, two a page through its `next` links, in the order given."""
    seen: list[str] = []
    response = okta.client.get("/api/v1/users", params={**params, "limit": "2"})
    while True:
        assert response.status_code == 200, response.text
        seen.extend(user["id"] for user in response.json())
        url = next_url(response)
        if url is None:
            return seen
        response = okta.client.get(url)


def _three_named_out_of_id_order(okta: Okta) -> list[str]:
    """Three users whose ids, in ascending order, carry the first names Bob, Carol and Alice:
    then ordering by name, either way, differs from ordering by id, either way."""
    ids = sorted(okta.create()["id"] for _ in range(3))
    for user_id, name in zip(ids, ("Bob", "Carol", "Alice"), strict=True):
        updated = okta.client.post(
            f"/api/v1/users/{user_id}", json={"profile": {"firstName": name}}
        )
        assert updated.status_code == 200, updated.text
    return ids


@pytest.mark.parametrize(
    "listing",
    [{}, {"filter": 'status eq "PROVISIONED"'}, {"q": "Bob"}],
    ids=["plain", "filter", "q"],
)
@pytest.mark.parametrize(
    "sorting",
    [
        {"sortOrder": "desc"},
        {"sortBy": "profile.firstName"},
        {"sortBy": "profile.firstName", "sortOrder": "desc"},
    ],
    ids=["order", "by", "both"],
)
def test_sort_parameters_are_ignored_outside_search(
    okta: Okta, listing: dict[str, str], sorting: dict[str, str]
) -> None:
    # Reference section 5.2: sortBy and sortOrder are for `search` only. No error is documented
    # for them elsewhere, so they are ignored: the listing keeps its order by id.
    ids = _three_named_out_of_id_order(okta)
    expected = _listed_ids(okta, listing)
    assert expected == ([ids[0]] if "q" in listing else ids)
    assert _listed_ids(okta, {**listing, **sorting}) == expected


def test_search_sort_order_without_sort_by_is_ignored(okta: Okta) -> None:
    # Okta's spec (listUsers): without sortBy, sortOrder has no effect.
    ids = _three_named_out_of_id_order(okta)
    search = {"search": 'status eq "PROVISIONED"'}
    assert _listed_ids(okta, {**search, "sortOrder": "desc"}) == ids
    by_name = {**search, "sortBy": "profile.firstName"}
    assert _listed_ids(okta, by_name) == [ids[2], ids[0], ids[1]]
    assert _listed_ids(okta, {**by_name, "sortOrder": "desc"}) == [ids[1], ids[0], ids[2]]


def test_search_index_lag() -> None:
    clock = Clock()
    with serving(clock=clock, search_lag_ms=300) as okta:
        user = okta.create("late@example.com")
        expression = 'profile.login eq "late@example.com"'
        assert _ids(_search(okta, expression)) == set()
        assert _ids(okta.client.get("/api/v1/users")) == {user["id"]}
        assert okta.client.get(f"/api/v1/users/{user['id']}").status_code == 200
        clock.advance(0.299)
        assert _ids(_search(okta, expression)) == set()
        clock.advance(0.001)
        assert _ids(_search(okta, expression)) == {user["id"]}


def test_unknown_sort_property_is_rejected_even_without_results(okta: Okta) -> None:
    response = okta.client.get(
        "/api/v1/users", params={"search": 'status eq "ACTIVE"', "sortBy": "profile.nosuch"}
    )
    assert (response.status_code, error_code(response)) == (400, "E0000031")
