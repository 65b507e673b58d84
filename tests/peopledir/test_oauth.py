"""The token endpoint (RFC 6749 client credentials) and the bearer check (RFC 6750)."""

from __future__ import annotations

import base64
import re

import httpx
import pytest

from .harness import CLIENT, GRANT, Peopledir, detail_of, problem_of, serving

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def _oauth_error(response: httpx.Response, status: int, error: str) -> str:
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"] == "application/json"
    assert response.headers["Cache-Control"] == "no-store"
    body = response.json()
    assert set(body) == {"error", "error_description"}
    assert body["error"] == error
    description: str = body["error_description"]
    return description


def test_basic_authentication_issues_a_bearer_token(pd: Peopledir) -> None:
    response = pd.request_token()
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Pragma"] == "no-cache"
    body = response.json()
    assert list(body) == ["access_token", "token_type", "expires_in", "scope"]
    assert re.fullmatch(r"pdt_[A-Za-z0-9_-]{43}", body["access_token"])
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 3600
    assert body["scope"] == "people:read people:write"
    pd.use_token(body["access_token"])
    assert pd.api.get("/v1/people").status_code == 200


def test_client_secret_post_works_too(pd: Peopledir) -> None:
    form = {**GRANT, "client_id": CLIENT[0], "client_secret": CLIENT[1]}
    response = pd.request_token(form, auth=None)
    assert response.status_code == 200, response.text


def test_basic_credentials_are_form_decoded_before_comparing() -> None:
    # RFC 6749 2.3.1: id and secret are form-urlencoded, then joined by ":" and base64-encoded.
    with serving(client_id="app:1", client_secret="s e/cr+t") as pd:
        encoded = base64.b64encode(b"app%3A1:s+e%2Fcr%2Bt").decode()
        response = pd.anon.post(
            "/oauth2/token", data=GRANT, headers={"Authorization": f"Basic {encoded}"}
        )
        assert response.status_code == 200, response.text


def test_every_token_is_new_and_earlier_ones_keep_working(pd: Peopledir) -> None:
    first, second = pd.token(), pd.token()
    assert first != second
    for token in (first, second):
        pd.use_token(token)
        assert pd.api.get("/v1/people").status_code == 200


@pytest.mark.parametrize(
    "auth",
    [(CLIENT[0], "wrong"), ("someone-else", CLIENT[1]), (CLIENT[0].upper(), CLIENT[1])],
)
def test_wrong_client_credentials_are_invalid_client(pd: Peopledir, auth: tuple[str, str]) -> None:
    response = pd.request_token(auth=auth)
    description = _oauth_error(response, 401, "invalid_client")
    assert description == "Client authentication failed."
    assert response.headers["WWW-Authenticate"] == 'Basic realm="peopledir"'


def test_wrong_secret_in_the_body_is_invalid_client(pd: Peopledir) -> None:
    form = {**GRANT, "client_id": CLIENT[0], "client_secret": "nope"}
    _oauth_error(pd.request_token(form, auth=None), 401, "invalid_client")


@pytest.mark.parametrize(
    "form",
    [GRANT, {**GRANT, "client_id": CLIENT[0]}, {**GRANT, "client_secret": CLIENT[1]}],
)
def test_no_client_authentication_is_invalid_client(pd: Peopledir, form: dict[str, str]) -> None:
    description = _oauth_error(pd.request_token(form, auth=None), 401, "invalid_client")
    assert description == "Client authentication is required."


@pytest.mark.parametrize(
    "authorization", ["Basic !!!", "Basic " + base64.b64encode(b"no-colon").decode(), "Bearer x"]
)
def test_a_malformed_or_foreign_authorization_header_is_invalid_client(
    pd: Peopledir, authorization: str
) -> None:
    response = pd.anon.post("/oauth2/token", data=GRANT, headers={"Authorization": authorization})
    _oauth_error(response, 401, "invalid_client")


def test_two_authentication_methods_at_once_are_invalid_request(pd: Peopledir) -> None:
    form = {**GRANT, "client_secret": CLIENT[1]}
    description = _oauth_error(pd.request_token(form), 400, "invalid_request")
    assert description == "Use only one client authentication method per request."


def test_a_client_id_parameter_must_match_the_basic_user(pd: Peopledir) -> None:
    assert pd.request_token({**GRANT, "client_id": CLIENT[0]}).status_code == 200
    _oauth_error(pd.request_token({**GRANT, "client_id": "other"}), 401, "invalid_client")


def test_other_grant_types_are_unsupported(pd: Peopledir) -> None:
    response = pd.request_token({"grant_type": "password"})
    _oauth_error(response, 400, "unsupported_grant_type")


def test_request_shape_errors_are_invalid_request_and_come_before_client_checks(
    pd: Peopledir,
) -> None:
    wrong = ("x", "y")
    cases = [
        pd.anon.post("/oauth2/token", json=GRANT, auth=wrong),  # JSON, not a form
        pd.anon.post("/oauth2/token", content=b"scope=people%3Aread", headers=FORM, auth=wrong),
        pd.anon.post(
            "/oauth2/token",
            content=b"grant_type=client_credentials&grant_type=client_credentials",
            headers=FORM,
            auth=wrong,
        ),
        pd.anon.post(
            "/oauth2/token?grant_type=client_credentials", content=b"", headers=FORM, auth=wrong
        ),
        pd.anon.post("/oauth2/token", content=b"grant_type=\xff", headers=FORM, auth=wrong),
    ]
    descriptions = [_oauth_error(response, 400, "invalid_request") for response in cases]
    assert descriptions[1] == "The parameter 'grant_type' is required."
    assert descriptions[2] == "The parameter 'grant_type' is repeated."


def test_a_narrower_scope_can_be_requested(pd: Peopledir) -> None:
    response = pd.request_token({**GRANT, "scope": "people:read"})
    assert response.json()["scope"] == "people:read"
    both = pd.request_token({**GRANT, "scope": "people:write people:read"})
    assert both.json()["scope"] == "people:read people:write"


@pytest.mark.parametrize(
    ("scope", "description"),
    [
        ("people:admin", "The scope 'people:admin' is not available."),
        ("", "scope must be scope names separated by spaces."),
        ("people:read  people:write", "scope must be scope names separated by spaces."),
    ],
)
def test_unknown_or_malformed_scopes_are_invalid_scope(
    pd: Peopledir, scope: str, description: str
) -> None:
    response = pd.request_token({**GRANT, "scope": scope})
    assert _oauth_error(response, 400, "invalid_scope") == description


def test_a_client_cannot_get_a_scope_it_is_not_allowed() -> None:
    with serving(scopes=("people:read",)) as pd:
        assert pd.request_token().json()["scope"] == "people:read"
        response = pd.request_token({**GRANT, "scope": "people:write"})
        assert _oauth_error(response, 400, "invalid_scope") == (
            "The scope 'people:write' is not available."
        )


def test_only_post_reaches_the_token_endpoint(pd: Peopledir) -> None:
    response = pd.anon.get("/oauth2/token")
    problem_of(response, "method-not-allowed")
    assert response.headers["Allow"] == "POST"


# -- the bearer check --------------------------------------------------------------------------


def test_no_token_is_401_without_an_error_code(pd: Peopledir) -> None:
    for response in (
        pd.anon.get("/v1/people"),
        pd.anon.get("/v1/people", headers={"Authorization": f"Basic {CLIENT[0]}"}),
    ):
        assert detail_of(response, "unauthorized") == (
            "Send an access token in the Authorization header: Bearer <token>."
        )
        assert response.headers["WWW-Authenticate"] == 'Bearer realm="peopledir"'


def test_an_unknown_token_is_invalid_token(pd: Peopledir) -> None:
    response = pd.anon.get("/v1/people", headers={"Authorization": "Bearer pdt_made_up"})
    assert detail_of(response, "unauthorized") == "The access token is invalid."
    assert response.headers["WWW-Authenticate"] == (
        'Bearer realm="peopledir", error="invalid_token", '
        'error_description="The access token is invalid."'
    )


def test_the_scheme_name_is_case_insensitive(pd: Peopledir) -> None:
    token = pd.token()
    response = pd.anon.get("/v1/people", headers={"Authorization": f"bearer {token}"})
    assert response.status_code == 200


def test_a_token_expires_after_its_lifetime() -> None:
    with serving(token_lifetime_s=300) as pd:
        assert pd.request_token().json()["expires_in"] == 300
        pd.clock.advance(299.999)
        assert pd.api.get("/v1/people").status_code == 200
        pd.clock.advance(0.001)
        response = pd.api.get("/v1/people")
        assert detail_of(response, "unauthorized") == "The access token has expired."
        assert response.headers["WWW-Authenticate"] == (
            'Bearer realm="peopledir", error="invalid_token", '
            'error_description="The access token has expired."'
        )
        pd.use_token(pd.token())  # the remedy: a new token
        assert pd.api.get("/v1/people").status_code == 200


def test_revoked_tokens_are_invalid(pd: Peopledir) -> None:
    pd.app.revoke_tokens()
    assert detail_of(pd.api.get("/v1/people"), "unauthorized") == "The access token is invalid."


def test_the_token_is_checked_before_the_route(pd: Peopledir) -> None:
    problem_of(pd.anon.get("/v1/nowhere"), "unauthorized")
    problem_of(pd.anon.patch("/v1/people/p_x"), "unauthorized")
    problem_of(pd.api.get("/v1/nowhere"), "not-found")


@pytest.mark.parametrize(
    ("method", "path"),
    [("POST", "/v1/people"), ("PUT", "/v1/people/p_x"), ("DELETE", "/v1/people/p_x")],
)
def test_writes_need_people_write(pd: Peopledir, method: str, path: str) -> None:
    pd.use_token(pd.token("people:read"))
    response = pd.api.request(method, path, json={})
    assert detail_of(response, "insufficient-scope") == (
        "This operation needs the scope 'people:write'."
    )
    assert response.headers["WWW-Authenticate"] == (
        'Bearer realm="peopledir", error="insufficient_scope", scope="people:write"'
    )


@pytest.mark.parametrize("path", ["/v1/people", "/v1/people/p_x"])
def test_reads_need_people_read(pd: Peopledir, path: str) -> None:
    person = pd.create()
    pd.use_token(pd.token("people:write"))
    response = pd.api.get(path)
    assert detail_of(response, "insufficient-scope") == (
        "This operation needs the scope 'people:read'."
    )
    # write alone still creates, replaces and deletes
    assert pd.api.delete(f"/v1/people/{person['id']}").status_code == 204
