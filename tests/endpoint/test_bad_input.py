"""Client mistakes get a precise SCIM 4xx and change nothing in Okta."""

from __future__ import annotations

import os
from typing import Any

import pytest

from connector.http.runtime import reset_runtime

from .harness import CORE, ECMA, ENTERPRISE, Stack, new_user, patch

ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"


def _assert_scim_error(response: Any, status: int, scim_type: str | None = None) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/scim+json")
    body = response.json()
    assert body["schemas"] == [ERROR]
    assert body["status"] == str(status)
    assert "Traceback" not in body["detail"]
    if scim_type:
        assert body["scimType"] == scim_type


@pytest.mark.parametrize(
    ("content", "scim_type"),
    [
        (b"{not json", "invalidSyntax"),
        (b"", "invalidSyntax"),
        (b"[1, 2]", "invalidSyntax"),
        (b'{"userName": "\xff\xfe"}', "invalidSyntax"),
        (b"[" * 100_000 + b"]" * 100_000, "invalidSyntax"),
    ],
    ids=["malformed", "empty", "array", "not-utf8", "deeply-nested"],
)
def test_unreadable_create_bodies(okta_stack: Stack, content: bytes, scim_type: str) -> None:
    with okta_stack.client() as scim:
        response = scim.post(
            "/Users", content=content, headers={"Content-Type": "application/scim+json"}
        )
        _assert_scim_error(response, 400, scim_type)
    assert okta_stack.writes() == []


def test_oversize_body(okta_stack: Stack) -> None:
    with okta_stack.client() as scim:
        huge = new_user("big@example.com", title="x" * (1024 * 1024 + 1))
        _assert_scim_error(scim.post("/Users", json=huge), 413)
    assert okta_stack.writes() == []


@pytest.mark.parametrize(
    "changes",
    [
        {"userName": 5},
        {"userName": None},
        {"active": "maybe"},
        {"title": ["a"]},
        {"emails": "x@example.com"},
        {"name": "Alice"},
        {"nosuchattribute": "x"},
        {ENTERPRISE: {"nosuch": "x"}},
        {"urn:example:unknown:2.0:User:x": "y"},
    ],
)
def test_wrong_types_and_unknown_attributes_on_create(
    okta_stack: Stack, changes: dict[str, Any]
) -> None:
    with okta_stack.client() as scim:
        body = new_user("typed@example.com")
        body.update(changes)
        response = scim.post("/Users", json=body)
        _assert_scim_error(response, 400)
    assert okta_stack.writes() == []


@pytest.mark.parametrize(
    "operation",
    [
        {"op": "jump", "path": "title", "value": "x"},
        {"op": "replace", "path": "id", "value": "x"},
        {"op": "replace", "path": "meta.created", "value": "x"},
        {"op": "replace", "path": "title", "value": 7},
        {"op": "replace", "path": "nosuch", "value": "x"},
        {"op": "replace", "path": 'emails[type eq "work"', "value": "x"},
        {"op": "replace", "path": "name.nosuch", "value": "x"},
        {"op": "remove"},
        {"op": "replace", "value": "not an object"},
        {"op": "replace", "path": "active", "value": "perhaps"},
        {"op": "replace", "path": "userName", "value": ""},
        # The anchor under its ECMA2Host name is the same Okta login: no clearing it either.
        {"op": "remove", "path": f"{ECMA}:login"},
        {"op": "replace", "path": f"{ECMA}:login", "value": ""},
        {"op": "replace", "value": {ECMA: {"login": None}}},
    ],
)
def test_bad_patch_operations(okta_stack: Stack, operation: dict[str, Any]) -> None:
    with okta_stack.client() as scim:
        user_id = scim.post("/Users", json=new_user("p@example.com")).json()["id"]
        before = list(okta_stack.writes())
        good = {"op": "replace", "path": "nickName", "value": "fine"}
        response = scim.patch(f"/Users/{user_id}", json=patch(good, operation))
        _assert_scim_error(response, 400)
        assert okta_stack.writes() == before
    assert okta_stack.okta_user("p@example.com")["profile"].get("nickName") is None


def test_a_remove_without_a_path_is_no_target(okta_stack: Stack) -> None:
    """RFC 7644 §3.5.2.2: a remove whose path is unspecified fails with 400 noTarget."""
    with okta_stack.client() as scim:
        user_id = scim.post("/Users", json=new_user("r@example.com")).json()["id"]
        before = list(okta_stack.writes())
        response = scim.patch(f"/Users/{user_id}", json=patch({"op": "Remove"}))
        _assert_scim_error(response, 400, "noTarget")
        assert okta_stack.writes() == before


@pytest.mark.parametrize(
    "body",
    [
        {"Operations": [{"op": "add", "path": "title", "value": "x"}]},
        {"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": []},
        {"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": "x"},
    ],
)
def test_malformed_patch_bodies(okta_stack: Stack, body: dict[str, Any]) -> None:
    with okta_stack.client() as scim:
        user_id = scim.post("/Users", json=new_user("q@example.com")).json()["id"]
        before = list(okta_stack.writes())
        _assert_scim_error(scim.patch(f"/Users/{user_id}", json=body), 400)
        assert okta_stack.writes() == before


@pytest.mark.parametrize(
    "params",
    [{"startIndex": "abc"}, {"count": "1e9"}, {"filter": 'userName eq "x" or'}],
)
def test_bad_query_parameters(okta_stack: Stack, params: dict[str, str]) -> None:
    with okta_stack.client() as scim:
        _assert_scim_error(scim.get("/Users", params=params), 400)
    assert okta_stack.calls() == []


def test_filter_values_cannot_widen_the_search(okta_stack: Stack) -> None:
    with okta_stack.client() as scim:
        scim.post("/Users", json=new_user("victim@example.com"))
        attempts = [
            'externalId eq "x\\" or profile.login sw \\"v"',
            'externalId eq "\\\\" or id pr or \\"\\""',
            'displayName eq "a\\") or (status eq \\"ACTIVE"',
            'userName eq "*"',
            'userName eq "victim"',
        ]
        for attempt in attempts:
            response = scim.get("/Users", params={"filter": attempt})
            assert response.status_code in (200, 400), attempt
            if response.status_code == 200:
                assert response.json()["totalResults"] == 0, attempt


def test_bad_group_requests_are_clear_errors_and_write_nothing(okta_stack: Stack) -> None:
    with okta_stack.client() as scim:
        nameless = {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "members": []}
        _assert_scim_error(scim.post("/Groups", json=nameless), 400, "invalidValue")
        nested = {**nameless, "displayName": "g", "members": [{"value": "00g1", "type": "Group"}]}
        _assert_scim_error(scim.post("/Groups", json=nested), 400, "invalidValue")
        rename = patch({"op": "replace", "path": "displayName", "value": "x"})
        _assert_scim_error(scim.patch("/Groups/00gnosuchgroup0000000", json=rename), 404)
        _assert_scim_error(scim.get("/Groups/abc"), 404)
        listed = scim.get("/Groups", params={"filter": 'externalId eq "x"'}).json()
        assert listed["totalResults"] == 0
    assert okta_stack.writes() == []


def test_a_missing_okta_url_is_a_clear_503(okta_stack: Stack) -> None:
    os.environ.pop("OKTA_ORG_URL")
    reset_runtime()
    with okta_stack.client() as scim:
        response = scim.get("/Users", params={"filter": 'userName eq "a@example.com"'})
    assert response.status_code == 503
    assert response.headers["retry-after"] == "300"
    assert "OKTA_ORG_URL" in response.json()["detail"]


def test_a_lone_surrogate_is_a_400_everywhere_and_writes_nothing(okta_stack: Stack) -> None:
    """JSON can escape half a surrogate pair; that is no text any target can store."""
    lone = b'"\\ud800"'
    with okta_stack.client() as scim:
        user_id = scim.post("/Users", json=new_user("sur@example.com")).json()["id"]
        writes = len(okta_stack.writes())
        body = (
            b'{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":' + lone + b"}"
        )
        patched = (
            b'{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],'
            b'"Operations":[{"op":"replace","path":"title","value":' + lone + b"}]}"
        )
        search = b'{"filter":"userName eq \\"x\\"","attributes":[' + lone + b"]}"
        headers = {"Content-Type": "application/scim+json"}
        for method, path, content in (
            ("POST", "/Users", body),
            ("PUT", f"/Users/{user_id}", body),
            ("PATCH", f"/Users/{user_id}", patched),
            ("POST", "/Users/.search", search),
            ("POST", "/.search", search),
        ):
            answer = scim.request(method, path, content=content, headers=headers)
            _assert_scim_error(answer, 400, "invalidSyntax")
        listed = scim.get("/Users", params={"filter": 'userName eq "\\ud800"'})
        _assert_scim_error(listed, 400, "invalidFilter")
    assert len(okta_stack.writes()) == writes


GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"


def test_a_body_attribute_no_schema_has_is_invalid_syntax_and_writes_nothing(
    okta_stack: Stack,
) -> None:
    """A POST or PUT body has no `path`: an attribute the schemas do not define makes a body that
    does not conform to the schema, `invalidSyntax` (RFC 7644 §3.12, Table 9: `invalidPath` is
    PATCH's). Microsoft's SCIM Postman collection sends such bodies (`adreses`, `userame`)."""
    with okta_stack.client() as scim:
        user_id = scim.post("/Users", json=new_user("body@example.com")).json()["id"]
        group = {"schemas": [GROUP], "displayName": "Body errors", "members": []}
        group_id = scim.post("/Groups", json=group).json()["id"]
        before = list(okta_stack.writes())
        misspelt_user = {**new_user("body@example.com"), "adreses": [{"type": "work"}]}
        misspelt_group = {**group, "membrs": []}
        for method, path, body, name in (
            ("POST", "/Users", {**misspelt_user, "userName": "other@example.com"}, "adreses"),
            ("PUT", f"/Users/{user_id}", misspelt_user, "adreses"),
            ("POST", "/Groups", {**misspelt_group, "displayName": "Other"}, "membrs"),
            ("PUT", f"/Groups/{group_id}", misspelt_group, "membrs"),
        ):
            answer = scim.request(method, path, json=body)
            _assert_scim_error(answer, 400, "invalidSyntax")
            assert name in answer.json()["detail"], (method, path)
        # In a PATCH the same mistake is in the operation's path.
        wrong_path = patch({"op": "replace", "path": "adreses", "value": "x"})
        _assert_scim_error(scim.patch(f"/Users/{user_id}", json=wrong_path), 400, "invalidPath")
        wrong_path = patch({"op": "replace", "path": "membrs", "value": []})
        _assert_scim_error(scim.patch(f"/Groups/{group_id}", json=wrong_path), 400, "invalidPath")
        assert okta_stack.writes() == before


def test_an_extension_this_endpoint_lacks_is_named_whole(okta_stack: Stack) -> None:
    """A body carrying an extension object the endpoint does not serve (scim-sanity's Entra
    profile sends Microsoft's `…:Microsoft:Entra:2.0:User`) is refused naming that URN as sent,
    not the URN less its last segment."""
    entra = "urn:ietf:params:scim:schemas:extension:Microsoft:Entra:2.0:User"
    with okta_stack.client() as scim:
        body = new_user("ext@example.com")
        body["schemas"] = [CORE, entra]
        body[entra] = {"mailNickname": "ext"}
        answer = scim.post("/Users", json=body)
        _assert_scim_error(answer, 400)
        assert entra in answer.json()["detail"]
        assert "/Schemas" in answer.json()["detail"]
        user_id = scim.post("/Users", json=new_user("ext@example.com")).json()["id"]
        before = list(okta_stack.writes())
        pathless = patch({"op": "add", "value": {entra: {"mailNickname": "ext"}}})
        answer = scim.patch(f"/Users/{user_id}", json=pathless)
        _assert_scim_error(answer, 400)
        assert entra in answer.json()["detail"]
        assert okta_stack.writes() == before


def test_a_bad_attributes_parameter_is_refused_before_anything_is_written(
    okta_stack: Stack,
) -> None:
    """`attributes`/`excludedAttributes` shape the answer, and a value that names no attribute
    (Microsoft's Postman collection sends `emails[type eq "work"]`, a filter, which RFC 7644
    §3.10's attribute notation does not have) is a 400. It is refused before the request does
    anything: a create or PATCH that answered 400 after being applied would be resent by the
    client, and a listing answered 200 or 400 depending on whether anything was found."""
    bad = {"attributes": 'emails[type eq "work"]'}
    with okta_stack.client() as scim:
        user_id = scim.post("/Users", json=new_user("shape@example.com")).json()["id"]
        group = {"schemas": [GROUP], "displayName": "Shaped", "members": []}
        group_id = scim.post("/Groups", json=group).json()["id"]
        before = list(okta_stack.writes())
        title = patch({"op": "replace", "path": "title", "value": "Changed"})
        for method, path, body in (
            ("POST", "/Users", new_user("other@example.com")),
            ("PUT", f"/Users/{user_id}", {**new_user("shape@example.com"), "title": "Changed"}),
            ("PATCH", f"/Users/{user_id}", title),
            ("POST", "/Groups", {**group, "displayName": "Other"}),
            ("PUT", f"/Groups/{group_id}", {**group, "displayName": "Renamed"}),
        ):
            answer = scim.request(method, path, json=body, params=bad)
            _assert_scim_error(answer, 400, "invalidValue")
            assert "emails[type eq" in answer.json()["detail"], (method, path)
        assert okta_stack.writes() == before
        reads = len(okta_stack.calls())
        nobody = {"filter": 'userName eq "nobody@example.com"', **bad}
        _assert_scim_error(scim.get("/Users", params=nobody), 400, "invalidValue")
        no_group = {"filter": 'displayName eq "Nobody"', "excludedAttributes": "members[x"}
        _assert_scim_error(scim.get("/Groups", params=no_group), 400, "invalidValue")
        assert len(okta_stack.calls()) == reads
    assert okta_stack.okta_user("shape@example.com")["profile"].get("title") is None
