"""Golden answers: the simulator against Okta's own documented examples (status, error body,
headers), so its fidelity is pinned by Okta's documentation rather than by what a client expects.

Sources, as named on each example:
- spec: Okta Management OpenAPI spec (okta/okta-management-openapi-spec,
  dist/current/management-oneOfInheritance.yaml, 2026.06.3): components/examples
  ErrorResourceNotFound, ErrorInvalidTokenProvided, ErrorAccessDenied, ErrorTooManyRequests,
  ErrorApiValidationFailed; the createUser (200) and deleteUser (204) responses.
- error docs: developer.okta.com error-handling page, the duplicate-login E0000001 body.
- rate-limit docs: developer.okta.com rate limits, the 429 and the concurrency 429 headers.
- support: Okta support article on editing deactivated users via the API (403 E0000038).
- recorded: okta/okta-sdk-python integration cassettes (E0000007 for a deleted user).
"""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from oktasim_harness import TOKEN, Okta, profile, raw_links, serving

from oktasim.messages import Request

ERROR_ID = re.compile(r"^oae[A-Za-z0-9_-]{22}$")
REQUEST_ID = re.compile(r"^[0-9a-f]{32}$")


def _error_body(response: httpx.Response) -> dict[str, Any]:
    """The body with its per-error id checked and set aside (Okta makes a new one each time)."""
    assert response.headers["Content-Type"] == "application/json"
    body: dict[str, Any] = response.json()
    assert ERROR_ID.match(body.pop("errorId")), body
    return body


@pytest.fixture
def okta() -> Any:
    with serving() as running:
        yield running


def test_resource_not_found(okta: Okta) -> None:
    # spec ErrorResourceNotFound: 404, `Not found: {0}`; recorded: the {0} of a user.
    user_id = okta.create()["id"]
    for _ in range(2):
        assert okta.client.delete(f"/api/v1/users/{user_id}").status_code == 204  # spec: 204
    gone = okta.client.get(f"/api/v1/users/{user_id}")
    assert gone.status_code == 404
    assert _error_body(gone) == {
        "errorCode": "E0000007",
        "errorSummary": f"Not found: Resource not found: {user_id} (User)",
        "errorLink": "E0000007",
        "errorCauses": [],
    }


def test_invalid_token(okta: Okta) -> None:
    # spec ErrorInvalidTokenProvided: 401.
    refused = httpx.get(f"{okta.url}/api/v1/users", headers={"Authorization": "SSWS wrong"})
    assert refused.status_code == 401
    assert _error_body(refused) == {
        "errorCode": "E0000011",
        "errorSummary": "Invalid token provided",
        "errorLink": "E0000011",
        "errorCauses": [],
    }


def test_access_denied(okta: Okta) -> None:
    # spec ErrorAccessDenied: 403 (here: changing a group imported from a directory).
    group_id = okta.sim.add_app_group("Engineering")
    refused = okta.client.put(f"/api/v1/groups/{group_id}", json={"profile": {"name": "X"}})
    assert refused.status_code == 403
    assert _error_body(refused) == {
        "errorCode": "E0000006",
        "errorSummary": "You do not have permission to perform the requested action",
        "errorLink": "E0000006",
        "errorCauses": [],
    }


def test_duplicate_login(okta: Okta) -> None:
    # error docs: the duplicate-login body, 400.
    okta.create("ann@example.com")
    taken = okta.client.post("/api/v1/users", json={"profile": profile("ann@example.com")})
    assert taken.status_code == 400
    assert _error_body(taken) == {
        "errorCode": "E0000001",
        "errorSummary": "Api validation failed: login",
        "errorLink": "E0000001",
        "errorCauses": [
            {
                "errorSummary": "login: An object with this field already exists in the current "
                "organization"
            }
        ],
    }


def test_editing_a_deactivated_user(okta: Okta) -> None:
    # support: "HTTP 403 Forbidden | errorCode: E0000038" when updating a deactivated profile.
    user_id = okta.create()["id"]
    assert okta.lifecycle(user_id, "deactivate").status_code == 200
    refused = okta.client.post(f"/api/v1/users/{user_id}", json={"profile": {"title": "x"}})
    assert refused.status_code == 403
    assert _error_body(refused) == {
        "errorCode": "E0000038",
        "errorSummary": "This operation is not allowed in the user's current status.",
        "errorLink": "E0000038",
        "errorCauses": [],
    }


def test_rate_limited() -> None:
    # spec ErrorTooManyRequests; rate-limit docs: 429 with the bucket's limit, 0 remaining and
    # the reset as UTC epoch seconds.
    with serving(rate_limit_per_minute=1) as okta:
        assert okta.client.get("/api/v1/users").status_code == 200
        limited = okta.client.get("/api/v1/users")
    assert limited.status_code == 429
    assert _error_body(limited) == {
        "errorCode": "E0000047",
        "errorSummary": "API call exceeded rate limit due to too many requests.",
        "errorLink": "E0000047",
        "errorCauses": [],
    }
    assert limited.headers["X-Rate-Limit-Limit"] == "1"
    assert limited.headers["X-Rate-Limit-Remaining"] == "0"
    # UTC epoch seconds (a point in time), not a number of seconds to wait.
    assert int(limited.headers["X-Rate-Limit-Reset"]) > 1_500_000_000


def test_concurrency_limited() -> None:
    # rate-limit docs: the concurrency 429 carries limit 0 and remaining 0.
    with serving(concurrency_limit=1, timeout_rate=1.0, hang_s=0.2) as okta:
        sim = okta.sim
        hung = sim.handle(_get())
        refused = sim.handle(_get())
        assert hung.release is not None
        hung.release()
    assert refused.response is not None
    headers = dict(refused.response.headers)
    assert (refused.response.status, headers["X-Rate-Limit-Limit"]) == (429, "0")
    assert headers["X-Rate-Limit-Remaining"] == "0"
    assert int(headers["X-Rate-Limit-Reset"]) > 0
    assert refused.response.body["errorCode"] == "E0000047"


def _get() -> Request:
    return Request("GET", "/api/v1/users", "", {"authorization": f"SSWS {TOKEN}"}, None)


def test_success_envelope(okta: Okta) -> None:
    # spec createUser: 200 (not 201) with the user; every answer carries Okta's headers.
    created = okta.client.post("/api/v1/users", json={"profile": profile("env@example.com")})
    assert created.status_code == 200
    assert created.headers["Content-Type"] == "application/json"
    assert REQUEST_ID.match(created.headers["X-Okta-Request-Id"])
    for header in ("X-Rate-Limit-Limit", "X-Rate-Limit-Remaining", "X-Rate-Limit-Reset", "Date"):
        assert header in created.headers


def test_link_lines(okta: Okta) -> None:
    # legacy Users page: `self` then `next`, as two separate Link header lines.
    for n in range(3):
        okta.create(f"page{n}@example.com")
    page = okta.client.get("/api/v1/users", params={"limit": "2"})
    lines = raw_links(page)
    assert len(lines) == 2
    assert lines[0].startswith(f"<{okta.url}/api/v1/users?")
    assert lines[0].endswith('rel="self"')
    assert "after=" in lines[1]
    assert lines[1].endswith('rel="next"')


def test_user_paths_take_an_id_a_login_or_a_short_name(okta: Okta) -> None:
    # spec, parameter pathId of /api/v1/users/{id} (get, update, replace, delete, lifecycle):
    # "An ID, login, or login shortname (as long as the shortname is unambiguous)".
    user_id = okta.create("pat.doe@example.com")["id"]
    by_login = okta.client.post(
        "/api/v1/users/pat.doe%40example.com", json={"profile": {"title": "By login"}}
    )
    assert (by_login.status_code, by_login.json()["id"]) == (200, user_id)
    by_short = okta.client.post("/api/v1/users/pat.doe", json={"profile": {"title": "Short"}})
    assert by_short.json()["profile"]["title"] == "Short"
    assert okta.lifecycle("pat.doe", "deactivate").status_code == 200
    assert okta.client.delete("/api/v1/users/pat.doe%40example.com").status_code == 204
    assert okta.sim.users() == []
    okta.create("pat.doe@example.org")
    okta.create("pat.doe@example.net")
    ambiguous = okta.client.post("/api/v1/users/pat.doe", json={"profile": {"title": "x"}})
    assert ambiguous.status_code == 404
