"""Create, read, update, validation, uniqueness, auth and the HTTP envelope."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from oktasim_harness import (
    NO_FAULTS,
    PASSWORD,
    TIMESTAMP,
    TOKEN,
    USER_ID,
    Okta,
    error_code,
    profile,
    serving,
    shared_org,
)

server, okta = shared_org()


def _create(okta: Okta, body: dict[str, Any], **params: str) -> httpx.Response:
    return okta.client.post("/api/v1/users", json=body, params=params)


# -- create --------------------------------------------------------------------------------


def test_create_returns_200_and_provisioned_without_password(okta: Okta) -> None:
    response = _create(okta, {"profile": profile("ann@example.com")})
    assert response.status_code == 200
    user = response.json()
    assert user["status"] == "PROVISIONED"
    assert user["activated"] is None
    assert user["passwordChanged"] is None
    assert "password" not in user["credentials"]
    assert okta.sim.emails_sent == [(user["id"], "activation")]


def test_create_with_password_is_active_and_silent(okta: Okta) -> None:
    body = {"profile": profile("ann@example.com"), "credentials": {"password": {"value": PASSWORD}}}
    user = _create(okta, body).json()
    assert user["status"] == "ACTIVE"
    assert TIMESTAMP.match(user["activated"])
    assert user["credentials"]["password"] == {}
    assert okta.sim.emails_sent == []


def test_create_with_activate_false_is_staged(okta: Okta) -> None:
    user = _create(okta, {"profile": profile("ann@example.com")}, activate="false").json()
    assert user["status"] == "STAGED"
    assert okta.sim.emails_sent == []


def test_next_login_change_password(okta: Okta) -> None:
    with_password = {
        "profile": profile("ann@example.com"),
        "credentials": {"password": {"value": PASSWORD}},
    }
    expired = _create(okta, with_password, nextLogin="changePassword")
    assert expired.json()["status"] == "PASSWORD_EXPIRED"
    staged = _create(
        okta, {"profile": profile("bob@example.com")}, nextLogin="changePassword", activate="false"
    )
    assert (staged.status_code, error_code(staged)) == (400, "E0000125")
    no_password = _create(okta, {"profile": profile("cy@example.com")}, nextLogin="changePassword")
    assert (no_password.status_code, error_code(no_password)) == (400, "E0000124")


def test_user_json_shape_matches_okta(okta: Okta) -> None:
    body = {"profile": profile("ann@example.com"), "credentials": {"password": {"value": PASSWORD}}}
    user = _create(okta, body, activate="false").json()
    assert list(user) == [
        "id",
        "status",
        "created",
        "activated",
        "statusChanged",
        "lastLogin",
        "lastUpdated",
        "passwordChanged",
        "type",
        "profile",
        "credentials",
        "_links",
    ]
    assert USER_ID.match(user["id"])
    assert user["type"]["id"].startswith("oty")
    assert len(user["type"]["id"]) == 20
    for name in ("created", "statusChanged", "lastUpdated", "passwordChanged"):
        assert TIMESTAMP.match(user[name])
    assert user["lastLogin"] is None
    assert user["activated"] is None
    assert user["profile"]["mobilePhone"] is None
    assert user["profile"]["secondEmail"] is None
    assert user["credentials"]["emails"] == [
        {"value": "ann@example.com", "status": "VERIFIED", "type": "PRIMARY"}
    ]
    assert user["credentials"]["provider"] == {"type": "OKTA", "name": "OKTA"}
    links = user["_links"]
    assert set(links) == {"schema", "activate", "self", "resetFactors", "type"}
    assert links["activate"] == {
        "href": f"{okta.url}/api/v1/users/{user['id']}/lifecycle/activate",
        "method": "POST",
    }
    assert links["schema"]["href"].endswith("/osc" + user["type"]["id"][3:])


def test_active_links(okta: Okta) -> None:
    user = okta.create(password=True)
    assert set(user["_links"]) == {
        "suspend",
        "schema",
        "resetPassword",
        "expirePassword",
        "changeRecoveryQuestion",
        "self",
        "type",
        "changePassword",
        "deactivate",
    }


@pytest.mark.parametrize(
    "login",
    ["ann@example.com", "ANN@EXAMPLE.COM", "ánn@example.com", "Ånn@exämple.com"],
)
def test_duplicate_login_ignores_case_and_diacritics(okta: Okta, login: str) -> None:
    okta.create("ann@example.com")
    response = _create(okta, {"profile": profile(login)})
    assert response.status_code == 400
    body = response.json()
    assert body["errorCode"] == "E0000001"
    assert body["errorSummary"] == "Api validation failed: login"
    cause = "login: An object with this field already exists in the current organization"
    assert body["errorCauses"] == [{"errorSummary": cause}]
    assert body["errorLink"] == "E0000001"
    assert body["errorId"].startswith("oae")


def test_missing_required_fields(okta: Okta) -> None:
    response = _create(okta, {"profile": {"email": "ann@example.com", "lastName": "X"}})
    body = response.json()
    assert response.status_code == 400
    assert body["errorSummary"] == "Api validation failed: login"
    assert body["errorCauses"] == [
        {"errorSummary": "login: The field cannot be left blank"},
        {"errorSummary": "firstName: The field cannot be left blank"},
    ]


@pytest.mark.parametrize(
    ("changes", "failing"),
    [
        ({"login": "not-an-email"}, "login"),
        ({"login": "a@b"}, "login"),
        ({"login": "x" * 95 + "@example.com"}, "login"),
        ({"email": "nope"}, "email"),
        ({"firstName": "x" * 51}, "firstName"),
        ({"lastName": ""}, "lastName"),
        ({"countryCode": "USA"}, "countryCode"),
        ({"secondEmail": "bad"}, "secondEmail"),
        ({"city": 7}, "city"),
        ({"favouriteColour": "blue"}, "favouriteColour"),
    ],
)
def test_profile_validation(okta: Okta, changes: dict[str, Any], failing: str) -> None:
    response = _create(okta, {"profile": {**profile("ann@example.com"), **changes}})
    assert response.status_code == 400
    assert response.json()["errorSummary"] == f"Api validation failed: {failing}"
    assert response.json()["errorCode"] == "E0000001"


def test_custom_attribute_and_base_attributes_round_trip(okta: Okta) -> None:
    extra: dict[str, Any] = {"scimExternalId": "ext-1", "department": "R&D", "countryCode": "NZ"}
    user = okta.create("ann@example.com", **extra)
    for name, value in extra.items():
        assert user["profile"][name] == value


def test_configured_custom_attributes() -> None:
    with serving(custom_attributes=("employeeBadge",)) as okta:
        assert okta.create(employeeBadge="B-7")["profile"]["employeeBadge"] == "B-7"
        response = _create(okta, {"profile": profile("x@example.com", scimExternalId="e")})
        assert response.status_code == 400


def test_weak_password_is_rejected(okta: Okta) -> None:
    body = {"profile": profile("ann@example.com"), "credentials": {"password": {"value": "short"}}}
    response = _create(okta, body)
    assert (response.status_code, response.json()["errorSummary"]) == (
        400,
        "Api validation failed: password",
    )


def test_too_many_group_ids(okta: Okta) -> None:
    body = {"profile": profile("ann@example.com"), "groupIds": [f"00g{i}" for i in range(21)]}
    response = _create(okta, body)
    assert (response.status_code, error_code(response)) == (400, "E0000093")


def test_group_ids_that_are_not_a_list_of_ids_are_malformed(okta: Okta) -> None:
    for group_ids in ("00g1", [1]):
        body = {"profile": profile("ann@example.com"), "groupIds": group_ids}
        response = _create(okta, body)
        assert (response.status_code, error_code(response)) == (400, "E0000003")


# -- read ----------------------------------------------------------------------------------


def test_get_by_id_login_and_shortname(okta: Okta) -> None:
    user = okta.create("ann.lee@example.com")
    for key in (user["id"], "ann.lee@example.com", "ANN.LEE@example.com", "ann.lee"):
        response = okta.client.get(f"/api/v1/users/{key}")
        assert response.status_code == 200, key
        assert response.json()["id"] == user["id"]


def test_ambiguous_shortname_is_not_found(okta: Okta) -> None:
    okta.create("ann@example.com")
    okta.create("ann@example.org")
    response = okta.client.get("/api/v1/users/ann")
    assert response.status_code == 404


def test_unknown_user_has_okta_404_body(okta: Okta) -> None:
    response = okta.client.get("/api/v1/users/00uNOPE")
    assert response.status_code == 404
    body = response.json()
    assert body["errorCode"] == "E0000007"
    assert body["errorSummary"] == "Not found: Resource not found: 00uNOPE (User)"
    assert body["errorCauses"] == []


# -- update --------------------------------------------------------------------------------


def test_partial_update_merges_and_null_clears(okta: Okta) -> None:
    user = okta.create("ann@example.com", title="Engineer", city="Oslo")
    response = okta.client.post(
        f"/api/v1/users/{user['id']}", json={"profile": {"nickName": "Annie", "city": None}}
    )
    assert response.status_code == 200
    updated = response.json()["profile"]
    assert updated["nickName"] == "Annie"
    assert updated["title"] == "Engineer"
    assert "city" not in updated
    assert response.json()["lastUpdated"] >= user["lastUpdated"]


def test_put_replaces_profile(okta: Okta) -> None:
    user = okta.create("ann@example.com", title="Engineer")
    response = okta.client.put(
        f"/api/v1/users/{user['id']}", json={"profile": profile("ann@example.com", city="Oslo")}
    )
    assert response.status_code == 200
    assert "title" not in response.json()["profile"]
    assert response.json()["profile"]["city"] == "Oslo"
    incomplete = okta.client.put(f"/api/v1/users/{user['id']}", json={"profile": {"city": "X"}})
    assert incomplete.status_code == 400


@pytest.mark.parametrize("method", ["POST", "PUT"])
def test_update_checks_uniqueness(okta: Okta, method: str) -> None:
    okta.create("ann@example.com")
    bob = okta.create("bob@example.com")
    response = okta.client.request(
        method,
        f"/api/v1/users/{bob['id']}",
        json={"profile": profile("ANN@example.com")},
    )
    assert response.status_code == 400
    assert response.json()["errorCauses"][0]["errorSummary"].startswith("login: An object")
    own = okta.client.post(
        f"/api/v1/users/{bob['id']}", json={"profile": {"login": "BOB@example.com"}}
    )
    assert own.status_code == 200


def test_update_unknown_user(okta: Okta) -> None:
    response = okta.client.post("/api/v1/users/00uMISSING", json={"profile": {}})
    assert (response.status_code, error_code(response)) == (404, "E0000007")


# -- envelope, auth and routing ------------------------------------------------------------


def test_every_response_has_okta_headers(okta: Okta) -> None:
    responses = [
        okta.client.get("/api/v1/users"),
        okta.client.get("/api/v1/users/nobody"),
        okta.client.get("/api/v1/unknown"),
        httpx.get(f"{okta.url}/api/v1/users"),
        okta.client.post("/api/v1/users", content=b"{"),
    ]
    for response in responses:
        for header in (
            "X-Okta-Request-Id",
            "X-Rate-Limit-Limit",
            "X-Rate-Limit-Remaining",
            "X-Rate-Limit-Reset",
            "Date",
        ):
            assert header in response.headers, (response.status_code, header)
        assert response.headers["Content-Type"] == "application/json"


def test_auth_errors_and_token_rotation(okta: Okta) -> None:
    missing = httpx.get(f"{okta.url}/api/v1/users")
    assert (missing.status_code, error_code(missing)) == (403, "E0000005")
    wrong = httpx.get(f"{okta.url}/api/v1/users", headers={"Authorization": "SSWS nope"})
    assert (wrong.status_code, error_code(wrong)) == (401, "E0000011")
    assert wrong.json()["errorSummary"] == "Invalid token provided"
    okta.sim.set_token("n3w")
    assert okta.client.get("/api/v1/users").status_code == 401
    fresh = httpx.get(f"{okta.url}/api/v1/users", headers={"Authorization": "SSWS n3w"})
    assert fresh.status_code == 200
    assert TOKEN != "n3w"


def test_routing_errors(okta: Okta) -> None:
    unknown = okta.client.get("/api/v1/apps")
    assert (unknown.status_code, error_code(unknown)) == (404, "E0000008")
    wrong_method = okta.client.patch("/api/v1/users/00u1", json={})
    assert (wrong_method.status_code, error_code(wrong_method)) == (405, "E0000022")
    delete_collection = okta.client.delete("/api/v1/users")
    assert delete_collection.status_code == 405


def test_malformed_json_and_media_type(okta: Okta) -> None:
    headers = {"Content-Type": "application/json"}
    malformed = okta.client.post("/api/v1/users", content=b"{not json", headers=headers)
    assert (malformed.status_code, error_code(malformed)) == (400, "E0000003")
    assert malformed.json()["errorSummary"] == "The request body was not well-formed."
    array = okta.client.post("/api/v1/users", content=b"[]", headers=headers)
    assert error_code(array) == "E0000003"
    text = okta.client.post("/api/v1/users", content=b"{}", headers={"Content-Type": "text/plain"})
    assert (text.status_code, error_code(text)) == (400, "E0000021")


def test_request_log_and_reset(okta: Okta) -> None:
    user = okta.create("ann@example.com")
    okta.client.get(f"/api/v1/users/{user['id']}")
    okta.client.get("/api/v1/users", params={"limit": "5"})
    assert okta.sim.request_log == [
        ("POST", "/api/v1/users", 200),
        ("GET", f"/api/v1/users/{user['id']}", 200),
        ("GET", "/api/v1/users?limit=5", 200),
    ]
    assert [u["id"] for u in okta.sim.users()] == [user["id"]]
    okta.sim.reset()
    assert okta.sim.users() == []
    assert okta.sim.request_log == []
    assert okta.client.get(f"/api/v1/users/{user['id']}", headers=NO_FAULTS).status_code == 404


def test_login_must_look_like_an_email_unless_the_org_relaxed_it() -> None:
    body = {"profile": {**profile("x@example.com"), "login": "jdoe-at-example"}}
    with serving() as strict:
        refused = strict.client.post("/api/v1/users", json=body)
        assert refused.status_code == 400
        assert "Username must be in the form of an email address" in refused.text
    with serving(any_login=True) as relaxed:
        created = relaxed.client.post("/api/v1/users", json=body)
        assert created.status_code == 200, created.text
        assert created.json()["profile"]["login"] == "jdoe-at-example"
