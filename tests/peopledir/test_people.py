"""Create, get, replace (PUT only) and delete, with the field rules and uniqueness."""

from __future__ import annotations

import re
from typing import Any

import pytest

from .harness import (
    ID_PATTERN,
    START_TEXT,
    Peopledir,
    detail_of,
    errors_of,
    person_body,
    problem_of,
)


def _full(login: str = "alice") -> dict[str, Any]:
    return person_body(
        login,
        displayName="Alice L",
        phone="+1 555 0100",
        work={"title": "Engineer", "department": "R&D", "employeeId": "E-1"},
    )


# -- create ------------------------------------------------------------------------------------


def test_create_answers_201_with_the_complete_person_and_its_location(pd: Peopledir) -> None:
    response = pd.api.post("/v1/people", json=person_body("alice"))
    assert response.status_code == 201
    assert response.headers["Content-Type"] == "application/json"
    person = response.json()
    assert re.fullmatch(ID_PATTERN, person["id"])
    assert response.headers["Location"] == f"/v1/people/{person['id']}"
    assert person == {
        "id": person["id"],
        "login": "alice",
        "email": "alice@example.com",
        "name": {"given": "Test", "family": "Person"},
        "displayName": None,
        "phone": None,
        "work": {"title": None, "department": None, "employeeId": None},
        "active": True,
        "createdAt": START_TEXT,
        "updatedAt": START_TEXT,
    }
    assert pd.app.people() == [person]
    assert pd.api.get(f"/v1/people/{person['id']}").json() == person


def test_ids_are_opaque_distinct_strings(pd: Peopledir) -> None:
    ids = {pd.create()["id"] for _ in range(20)}
    assert len(ids) == 20
    assert all(re.fullmatch(ID_PATTERN, person_id) for person_id in ids)


def test_a_person_can_be_created_inactive(pd: Peopledir) -> None:
    assert pd.create(active=False)["active"] is False


def test_empty_optional_strings_are_stored_as_null(pd: Peopledir) -> None:
    person = pd.create(displayName="", work={"title": "", "department": "Ops"})
    assert person["displayName"] is None
    assert person["work"] == {"title": None, "department": "Ops", "employeeId": None}


def test_strings_are_stored_exactly_as_sent(pd: Peopledir) -> None:
    person = pd.create("zoe", email="Zoë@Exämple.com", displayName="  Zoë  ")
    assert person["displayName"] == "  Zoë  "
    assert person["email"] == "Zoë@Exämple.com"  # the rule is the shape, not ASCII


def test_login_allows_only_its_characters(pd: Peopledir) -> None:
    assert pd.create("a.b_c-d@e+f", email="x@e.f")["login"] == "a.b_c-d@e+f"
    response = pd.api.post("/v1/people", json=person_body("zoë"))
    assert errors_of(response) == [("/login", "may contain only letters, digits and . _ - @ +")]


def test_every_fault_is_reported_in_order_sent_then_missing(pd: Peopledir) -> None:
    body = {
        "email": "alice(at)example.com",
        "name": {"given": "Alice", "middle": "P."},
        "login": "alice",
        "active": "yes",
    }
    response = pd.api.post("/v1/people", json=body)
    assert detail_of(response, "validation-error") == "4 fields are invalid."
    assert errors_of(response) == [
        ("/email", "must be an email address"),
        ("/name/middle", "unknown field"),
        ("/active", "must be a boolean"),
        ("/name/family", "is required"),
    ]
    assert pd.app.people() == []


def test_an_empty_body_misses_every_required_field(pd: Peopledir) -> None:
    response = pd.api.post("/v1/people", json={})
    assert detail_of(response, "validation-error") == "3 fields are invalid."
    assert errors_of(response) == [
        ("/login", "is required"),
        ("/email", "is required"),
        ("/name", "is required"),
    ]


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ({"login": ""}, ("/login", "must not be empty")),
        ({"login": "x" * 101}, ("/login", "must be at most 100 characters")),
        ({"login": 7}, ("/login", "must be a string")),
        ({"login": None}, ("/login", "must be a string")),
        ({"email": "a@b"}, ("/email", "must be an email address")),
        ({"email": "a@@b.c"}, ("/email", "must be an email address")),
        ({"email": "a b@c.d"}, ("/email", "must be an email address")),
        ({"email": "a@" + "b" * 250 + ".com"}, ("/email", "must be at most 254 characters")),
        ({"name": "Alice"}, ("/name", "must be an object")),
        ({"name": None}, ("/name", "must be an object")),
        ({"name": {"given": "A", "family": ""}}, ("/name/family", "must not be empty")),
        ({"displayName": "x" * 201}, ("/displayName", "must be at most 200 characters")),
        ({"phone": 5550100}, ("/phone", "must be a string")),
        ({"work": []}, ("/work", "must be an object")),
        ({"work": {"floor": 3}}, ("/work/floor", "unknown field")),
        ({"work": {"employeeId": "x" * 51}}, ("/work/employeeId", "must be at most 50 characters")),
        ({"active": 1}, ("/active", "must be a boolean")),
        ({"active": None}, ("/active", "must be a boolean")),
        ({"emails": []}, ("/emails", "unknown field")),
        ({"a/b~c": 1}, ("/a~1b~0c", "unknown field")),
        ({"id": "p_AAAAAAAAAAAAAAAA"}, ("/id", "is assigned by the server")),
    ],
)
def test_field_rules(pd: Peopledir, extra: dict[str, Any], expected: tuple[str, str]) -> None:
    response = pd.api.post("/v1/people", json={**person_body("alice"), **extra})
    assert errors_of(response) == [expected]
    assert pd.app.people() == []


def test_lengths_count_code_points(pd: Peopledir) -> None:
    assert pd.create(displayName="é" * 200)["displayName"] == "é" * 200


def test_timestamps_sent_on_create_are_ignored(pd: Peopledir) -> None:
    person = pd.create(createdAt="1999-01-01T00:00:00.000Z", updatedAt="x")
    assert person["createdAt"] == person["updatedAt"] == START_TEXT


def test_login_and_email_are_unique_ignoring_case(pd: Peopledir) -> None:
    pd.create("alice")
    taken_login = pd.api.post("/v1/people", json=person_body("ALICE", email="other@example.com"))
    assert detail_of(taken_login, "conflict") == "The login 'ALICE' is already in use."
    taken_email = pd.api.post("/v1/people", json=person_body("bob", email="Alice@EXAMPLE.com"))
    assert detail_of(taken_email, "conflict") == "The email 'Alice@EXAMPLE.com' is already in use."
    both = pd.api.post("/v1/people", json=person_body("Alice"))
    assert detail_of(both, "conflict") == "The login 'Alice' is already in use."
    assert len(pd.app.people()) == 1


def test_uniqueness_uses_case_folding(pd: Peopledir) -> None:
    pd.create("x", email="strasse@example.com")
    response = pd.api.post("/v1/people", json=person_body("y", email="STRASSE@example.com"))
    assert response.status_code == 409
    folded = pd.api.post("/v1/people", json=person_body("z", email="straße@example.com"))
    assert detail_of(folded, "conflict") == "The email 'straße@example.com' is already in use."


# -- get ---------------------------------------------------------------------------------------


def test_an_unknown_id_is_404(pd: Peopledir) -> None:
    response = pd.api.get("/v1/people/p_AAAAAAAAAAAAAAAA")
    assert detail_of(response, "not-found") == "No person has the id 'p_AAAAAAAAAAAAAAAA'."


def test_ids_are_compared_exactly(pd: Peopledir) -> None:
    person_id = pd.create()["id"]
    assert pd.api.get(f"/v1/people/{person_id.swapcase()}").status_code == 404
    assert pd.api.get(f"/v1/people/{person_id}/").status_code == 404


# -- replace -----------------------------------------------------------------------------------


def test_put_replaces_everything_and_clears_what_is_left_out(pd: Peopledir) -> None:
    person = pd.create(**{key: value for key, value in _full().items() if key != "login"})
    pd.clock.advance(90.5)
    body = person_body(
        person["login"], email=person["email"], name={"given": "Alice", "family": "K"}, active=True
    )
    body["work"] = {"title": "Lead"}
    response = pd.api.put(f"/v1/people/{person['id']}", json=body)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    replaced = response.json()
    assert replaced == {
        **person,
        "name": {"given": "Alice", "family": "K"},
        "displayName": None,
        "phone": None,
        "work": {"title": "Lead", "department": None, "employeeId": None},
        "updatedAt": "2026-12-01T10:01:30.500Z",
    }
    assert pd.app.people() == [replaced]


def test_put_needs_active_and_sets_it(pd: Peopledir) -> None:
    person = pd.create("alice")
    url = f"/v1/people/{person['id']}"
    assert errors_of(pd.api.put(url, json=person_body("alice"))) == [("/active", "is required")]
    disabled = pd.api.put(url, json=person_body("alice", active=False)).json()
    assert disabled["active"] is False
    assert pd.api.put(url, json=person_body("alice", active=True)).json()["active"] is True


def test_put_of_what_get_returned_changes_only_updated_at(pd: Peopledir) -> None:
    person = pd.create(**{key: value for key, value in _full().items() if key != "login"})
    pd.clock.advance(1)
    again = pd.api.put(f"/v1/people/{person['id']}", json=person).json()
    assert again == {**person, "updatedAt": "2026-12-01T10:00:01.000Z"}


def test_put_ignores_timestamps_but_the_id_must_match(pd: Peopledir) -> None:
    person = pd.create("alice")
    url = f"/v1/people/{person['id']}"
    body = person_body("alice", active=True, createdAt="1999-01-01T00:00:00.000Z")
    assert pd.api.put(url, json=body).json()["createdAt"] == START_TEXT
    other = pd.create()["id"]
    mismatch = pd.api.put(url, json={**body, "id": other})
    assert errors_of(mismatch) == [("/id", "must equal the id in the URL")]


def test_put_of_an_unknown_id_is_404_before_the_body(pd: Peopledir) -> None:
    response = pd.api.put("/v1/people/p_AAAAAAAAAAAAAAAA", content=b"{", headers={})
    problem_of(response, "not-found")
    assert pd.app.people() == []


def test_put_checks_uniqueness_against_others_only(pd: Peopledir) -> None:
    alice, bob = pd.create("alice"), pd.create("bob")
    own_case = pd.api.put(f"/v1/people/{alice['id']}", json=person_body("ALICE", active=True))
    assert own_case.json()["login"] == "ALICE"
    response = pd.api.put(
        f"/v1/people/{bob['id']}", json=person_body("bob", email="alice@example.com", active=True)
    )
    assert detail_of(response, "conflict") == "The email 'alice@example.com' is already in use."
    assert pd.api.get(f"/v1/people/{bob['id']}").json() == bob


def test_a_refused_put_changes_nothing(pd: Peopledir) -> None:
    person = pd.create("alice", displayName="Alice")
    pd.clock.advance(5)
    response = pd.api.put(f"/v1/people/{person['id']}", json={"login": "alice", "active": "no"})
    assert response.status_code == 400
    assert pd.app.people() == [person]


def test_there_is_no_patch(pd: Peopledir) -> None:
    person_id = pd.create()["id"]
    response = pd.api.patch(f"/v1/people/{person_id}", json={"active": False})
    assert detail_of(response, "method-not-allowed") == (
        "PATCH is not allowed here; use GET, PUT, DELETE."
    )
    assert response.headers["Allow"] == "GET, PUT, DELETE"
    collection = pd.api.delete("/v1/people")
    problem_of(collection, "method-not-allowed")
    assert collection.headers["Allow"] == "GET, POST"
    assert pd.app.people()[0]["active"] is True


# -- delete ------------------------------------------------------------------------------------


@pytest.mark.parametrize("active", [True, False])
def test_delete_works_in_any_state_and_only_once(pd: Peopledir, active: bool) -> None:
    person = pd.create("alice", active=active)
    response = pd.api.delete(f"/v1/people/{person['id']}")
    assert response.status_code == 204
    assert response.content == b""
    assert "Content-Type" not in response.headers
    assert "Content-Length" not in response.headers
    assert pd.app.people() == []
    problem_of(pd.api.get(f"/v1/people/{person['id']}"), "not-found")
    again = pd.api.delete(f"/v1/people/{person['id']}")
    assert detail_of(again, "not-found") == f"No person has the id '{person['id']}'."


def test_a_deleted_login_and_email_are_free_again_under_a_new_id(pd: Peopledir) -> None:
    first = pd.create("alice")
    pd.api.delete(f"/v1/people/{first['id']}")
    second = pd.create("alice")
    assert second["id"] != first["id"]


# -- bodies and query parameters ---------------------------------------------------------------


@pytest.mark.parametrize("content_type", [None, "text/plain", "application/merge-patch+json"])
def test_a_body_must_be_sent_as_json(pd: Peopledir, content_type: str | None) -> None:
    headers = {} if content_type is None else {"Content-Type": content_type}
    response = pd.api.post("/v1/people", content=b'{"login": "a"}', headers=headers)
    assert detail_of(response, "unsupported-media-type") == "Send the body as application/json."


def test_a_charset_parameter_is_accepted(pd: Peopledir) -> None:
    body = b'{"login": "a", "email": "a@b.cd", "name": {"given": "A", "family": "B"}}'
    headers = {"Content-Type": "Application/JSON; charset=utf-8"}
    assert pd.api.post("/v1/people", content=body, headers=headers).status_code == 201


@pytest.mark.parametrize(
    ("content", "detail"),
    [
        (b"{", "The request body is not valid JSON."),
        (b"", "The request body is not valid JSON."),
        (b'{"login": NaN}', "The request body is not valid JSON."),
        (b'{"login": "\\ud800"}', "The request body is not valid JSON."),
        (b'{"login": "\xff"}', "The request body is not valid JSON."),
        (b"[]", "The request body must be a JSON object."),
        (b'"alice"', "The request body must be a JSON object."),
    ],
)
def test_malformed_bodies_are_invalid_request(pd: Peopledir, content: bytes, detail: str) -> None:
    response = pd.api.post(
        "/v1/people", content=content, headers={"Content-Type": "application/json"}
    )
    assert detail_of(response, "invalid-request") == detail
    assert pd.app.people() == []


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
def test_single_person_endpoints_accept_no_query_parameters(pd: Peopledir, method: str) -> None:
    person = pd.create("alice")
    response = pd.api.request(
        method, f"/v1/people/{person['id']}?fields=login", json=person_body("alice", active=True)
    )
    assert detail_of(response, "invalid-request") == (
        "Unknown query parameter 'fields'; this endpoint accepts: none."
    )
    assert pd.app.people() == [person]


def test_create_accepts_no_query_parameters(pd: Peopledir) -> None:
    response = pd.api.post("/v1/people?dryRun=true", json=person_body("alice"))
    problem_of(response, "invalid-request")
    assert pd.app.people() == []


def test_unknown_paths_are_404(pd: Peopledir) -> None:
    for path in ("/v1/users", "/v1/people/", "/v2/people", "/", "/v1/people/p_x/enable"):
        problem_of(pd.api.get(path), "not-found")
    assert detail_of(pd.api.get("/v1/users"), "not-found") == "There is no resource at /v1/users."
