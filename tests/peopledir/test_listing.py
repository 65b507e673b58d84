"""GET /v1/people: cursor paging with the cursor in the body, and the strict filters."""

from __future__ import annotations

from typing import Any

import pytest

from .harness import Peopledir, detail_of, problem_of


def _walk(pd: Peopledir, limit: int, **filters: str) -> list[list[dict[str, Any]]]:
    """Every page of a walk, following nextCursor until it is null (bounded)."""
    pages: list[list[dict[str, Any]]] = []
    params: dict[str, Any] = {"limit": limit, **filters}
    for _ in range(100):
        response = pd.api.get("/v1/people", params=params)
        assert response.status_code == 200, response.text
        body = response.json()
        assert list(body) == ["results", "nextCursor"]
        pages.append(body["results"])
        if body["nextCursor"] is None:
            return pages
        params = {**params, "cursor": body["nextCursor"]}
    raise AssertionError("the walk did not end")


def test_an_empty_directory_is_one_empty_page(pd: Peopledir) -> None:
    assert pd.api.get("/v1/people").json() == {"results": [], "nextCursor": None}


def test_a_walk_returns_everyone_once_in_creation_order(pd: Peopledir) -> None:
    people = [pd.create() for _ in range(7)]
    pages = _walk(pd, 3)
    assert [len(page) for page in pages] == [3, 3, 1]
    assert [person for page in pages for person in page] == people


def test_a_full_last_page_still_has_a_cursor_and_an_empty_page_follows(pd: Peopledir) -> None:
    people = [pd.create() for _ in range(4)]
    pages = _walk(pd, 2)
    assert pages == [people[:2], people[2:], []]


def test_the_default_limit_is_50(pd: Peopledir) -> None:
    for _ in range(51):
        pd.create()
    first = pd.api.get("/v1/people").json()
    assert len(first["results"]) == 50
    second = pd.api.get("/v1/people", params={"cursor": first["nextCursor"]}).json()
    assert len(second["results"]) == 1
    assert second["nextCursor"] is None


def test_limit_200_is_allowed(pd: Peopledir) -> None:
    pd.create()
    assert pd.api.get("/v1/people", params={"limit": "200"}).status_code == 200


@pytest.mark.parametrize("limit", ["0", "201", "-1", "+5", "abc", "1.5", " 5", "٣"])
def test_a_bad_limit_is_400(pd: Peopledir, limit: str) -> None:
    response = pd.api.get("/v1/people", params={"limit": limit})
    assert detail_of(response, "invalid-request") == "limit must be an integer from 1 to 200."


def test_the_limit_may_change_during_a_walk(pd: Peopledir) -> None:
    people = [pd.create() for _ in range(5)]
    first = pd.api.get("/v1/people", params={"limit": 1}).json()
    rest = pd.api.get("/v1/people", params={"limit": 10, "cursor": first["nextCursor"]}).json()
    assert first["results"] + rest["results"] == people


def test_changes_during_a_walk_skip_nobody_and_repeat_nobody(pd: Peopledir) -> None:
    a, b, c, d = (pd.create() for _ in range(4))
    first = pd.api.get("/v1/people", params={"limit": 2}).json()
    assert first["results"] == [a, b]
    pd.api.delete(f"/v1/people/{b['id']}")  # the person the cursor points after
    pd.api.delete(f"/v1/people/{c['id']}")  # not read yet: does not appear
    e = pd.create()
    rest = pd.api.get("/v1/people", params={"limit": 10, "cursor": first["nextCursor"]}).json()
    assert rest["results"] == [d, e]


def test_a_cursor_works_with_a_new_token(pd: Peopledir) -> None:
    people = [pd.create() for _ in range(2)]
    cursor = pd.api.get("/v1/people", params={"limit": 1}).json()["nextCursor"]
    pd.use_token(pd.token())
    rest = pd.api.get("/v1/people", params={"cursor": cursor}).json()
    assert rest["results"] == people[1:]


@pytest.mark.parametrize(
    "cursor", ["garbage", "e30", "WzFd", "eyJhZnRlciI6IC0xLCAiZmlsdGVycyI6IHt9fQ", "%%%"]
)
def test_a_damaged_cursor_is_400(pd: Peopledir, cursor: str) -> None:
    pd.create()
    response = pd.api.get("/v1/people", params={"cursor": cursor})
    assert detail_of(response, "invalid-request") == "The cursor is not valid."


def test_a_cursor_must_come_with_the_filters_it_was_issued_for(pd: Peopledir) -> None:
    for _ in range(3):
        pd.create(active=True)
    first = pd.api.get("/v1/people", params={"limit": 1, "filter.active": "true"}).json()
    cursor = first["nextCursor"]
    for params in ({"cursor": cursor}, {"cursor": cursor, "filter.active": "false"}):
        response = pd.api.get("/v1/people", params=params)
        assert detail_of(response, "invalid-request") == (
            "The cursor was issued for other filters; send the same filters with it."
        )
    same = pd.api.get("/v1/people", params={"cursor": cursor, "filter.active": "true"})
    assert len(same.json()["results"]) == 2


def test_the_cursor_can_not_be_empty(pd: Peopledir) -> None:
    response = pd.api.get("/v1/people?cursor=")
    assert detail_of(response, "invalid-request") == (
        "The query parameter 'cursor' must not be empty."
    )


# -- filters -----------------------------------------------------------------------------------


def test_login_and_email_filters_are_exact_and_ignore_case(pd: Peopledir) -> None:
    alice = pd.create("alice", email="Alice@Example.com")
    pd.create("alice2", email="alice2@example.com")
    pd.create("malice", email="malice@example.com")
    for params in (
        {"filter.login": "ALICE"},
        {"filter.email": "alice@example.COM"},
        {"filter.login": "Alice", "filter.email": "ALICE@example.com"},
    ):
        assert pd.api.get("/v1/people", params=params).json()["results"] == [alice], params
    assert pd.api.get("/v1/people", params={"filter.login": "alic"}).json()["results"] == []
    both = {"filter.login": "alice", "filter.email": "alice2@example.com"}
    assert pd.api.get("/v1/people", params=both).json()["results"] == []


def test_the_case_is_ignored_by_case_folding(pd: Peopledir) -> None:
    person = pd.create("x", email="strasse@example.com")
    response = pd.api.get("/v1/people", params={"filter.email": "STRAßE@example.com"})
    assert response.json()["results"] == [person]


def test_the_active_filter(pd: Peopledir) -> None:
    on, off = pd.create(active=True), pd.create(active=False)
    assert pd.api.get("/v1/people?filter.active=true").json()["results"] == [on]
    assert pd.api.get("/v1/people?filter.active=false").json()["results"] == [off]
    for value in ("True", "1", "yes"):
        response = pd.api.get("/v1/people", params={"filter.active": value})
        assert detail_of(response, "invalid-request") == "filter.active must be true or false."


def test_the_employee_id_filter_is_case_sensitive(pd: Peopledir) -> None:
    person = pd.create(work={"employeeId": "E-1"})
    pd.create(work={"employeeId": "e-1"})
    pd.create()
    response = pd.api.get("/v1/people", params={"filter.employeeId": "E-1"})
    assert response.json()["results"] == [person]


def test_filters_page_like_everything_else(pd: Peopledir) -> None:
    wanted = [pd.create(active=False) for _ in range(3)]
    for _ in range(3):
        pd.create(active=True)
    pages = _walk(pd, 2, **{"filter.active": "false"})
    assert pages == [wanted[:2], wanted[2:]]


@pytest.mark.parametrize(
    "query",
    [
        "email=alice@example.com",
        "login=alice",
        "filter.name=Alice",
        "filter.displayName=Alice",
        "filter=login eq alice",
        "sort=login",
        "page=2",
        "Filter.login=alice",
        "access_token=x",
    ],
)
def test_unknown_parameters_are_400(pd: Peopledir, query: str) -> None:
    pd.create("alice")
    response = pd.api.get(f"/v1/people?{query}")
    name = query.split("=", 1)[0]
    assert detail_of(response, "invalid-request") == (
        f"Unknown query parameter '{name}'; this endpoint accepts: limit, cursor, "
        "filter.login, filter.email, filter.active, filter.employeeId."
    )


@pytest.mark.parametrize("query", ["filter.login=a&filter.login=b", "limit=1&limit=1"])
def test_repeated_parameters_are_400(pd: Peopledir, query: str) -> None:
    name = query.split("=", 1)[0]
    response = pd.api.get(f"/v1/people?{query}")
    assert detail_of(response, "invalid-request") == f"The query parameter '{name}' is repeated."


@pytest.mark.parametrize("name", ["filter.login", "filter.email", "filter.active", "limit"])
def test_empty_parameters_are_400(pd: Peopledir, name: str) -> None:
    response = pd.api.get(f"/v1/people?{name}=")
    assert detail_of(response, "invalid-request") == (
        f"The query parameter '{name}' must not be empty."
    )


def test_percent_encoded_filter_values_are_decoded(pd: Peopledir) -> None:
    person = pd.create("a+b", email="a+b@example.com")
    response = pd.api.get("/v1/people?filter.email=A%2Bb%40example.com")
    assert response.json()["results"] == [person]
    problem_of(pd.api.get("/v1/people?filter.bogus=%2B"), "invalid-request")
