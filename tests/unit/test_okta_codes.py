"""Okta's refusals are read by errorCode, never by the HTTP status alone (connector/targets/okta/
codes.py): Okta answers Okta's documented bodies here, and each must become the right SCIM answer.

Bodies: the Management API spec's examples (ErrorAccessDenied, ErrorResourceNotFound,
ErrorTooManyRequests, ErrorApiValidationFailed), the duplicate-login body of Okta's error docs,
and the E0000038 edit refusal of Okta's support articles.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from connector.targets import pause as pause_module
from connector.targets.errors import (
    GroupNotFoundError,
    LoginConflictError,
    RejectedError,
    StateRefusedError,
    TargetError,
    UnavailableError,
    UserNotFoundError,
)
from connector.targets.okta.client import OktaApiError, OktaClient, OktaErrorBody
from connector.targets.okta.codes import Meaning, meaning, taken_attribute
from connector.targets.okta.groups import OktaGroups
from connector.targets.okta.users import OktaUsers
from connector.transport.budget import request_budget

USER = "00u1ero7vZFVEIYLWPBN"


def _error(status: int, code: str, summary: str, *causes: str) -> httpx.Response:
    return httpx.Response(
        status,
        json={
            "errorCode": code,
            "errorSummary": summary,
            "errorLink": code,
            "errorId": "sampleQPivGUj_ND5v78vbYWW",
            "errorCauses": [{"errorSummary": c} for c in causes],
        },
    )


ACCESS_DENIED = (403, "E0000006", "You do not have permission to perform the requested action")
STATUS_REFUSED = (403, "E0000038", "This operation is not allowed in the user's current status.")
NOT_FOUND = (404, "E0000007", f"Not found: Resource not found: {USER} (User)")
MASTERED = (
    403,
    "E0000023",
    "Operation failed because user profile is mastered under another system",
)
DUPLICATE = (
    400,
    "E0000001",
    "Api validation failed: login",
    "login: An object with this field already exists in the current organization",
)


def _body(status: int, code: str, summary: str, *causes: str) -> OktaApiError:
    return OktaApiError(OktaErrorBody(status, code, summary, list(causes)))


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        (ACCESS_DENIED, Meaning.FORBIDDEN),
        (STATUS_REFUSED, Meaning.STATE),
        ((403, "E0000016", "Activation failed because the user is already active"), Meaning.STATE),
        (MASTERED, Meaning.MASTERED),
        (NOT_FOUND, Meaning.NOT_FOUND),
        (
            (429, "E0000047", "API call exceeded rate limit due to too many requests."),
            Meaning.RATE_LIMITED,
        ),
        ((400, "E0000001", "Api validation failed: {0}"), Meaning.INVALID),
        (
            (409, "E0000112", "Cannot update this user because they are still being activated."),
            Meaning.BUSY,
        ),
        ((401, "E0000011", "Invalid token provided"), Meaning.CREDENTIALS),
        # No code this table knows: the status decides.
        ((403, "", "Forbidden"), Meaning.FORBIDDEN),
        ((404, "", "Not Found"), Meaning.NOT_FOUND),
        ((400, "E0009999", "Something new"), Meaning.INVALID),
        ((404, "E0000008", "The requested path was not found"), Meaning.NO_SUCH_PATH),
    ],
)
def test_meaning_is_read_from_the_code(answer: tuple[Any, ...], expected: Meaning) -> None:
    assert meaning(_body(*answer)) is expected


def test_a_taken_login_is_told_by_code_and_cause_shape() -> None:
    assert taken_attribute(_body(*DUPLICATE)) == "login"
    unique = _body(
        400,
        "E0000001",
        "Api validation failed: scimExternalId",
        "scimExternalId: An object with this field already exists in the current organization",
    )
    assert taken_attribute(unique) == "scimExternalId"
    # The words alone are not enough: another code, or a cause naming no property.
    assert taken_attribute(_body(403, "E0000006", "x", *DUPLICATE[3:])) is None
    loose = _body(400, "E0000001", "Api validation failed", "A request like this already exists")
    assert taken_attribute(loose) is None


Responder = Callable[[httpx.Request], httpx.Response]


def _users(respond: Responder) -> OktaUsers:
    async def token(refresh: bool) -> str:
        return "t0ken"

    client = OktaClient("https://org.okta.test", token, transport=httpx.MockTransport(respond))
    return OktaUsers(client)


def _deactivated(answer: httpx.Response) -> Responder:
    """Okta with a deactivated user whose edits it refuses with `answer`."""

    def respond(request: httpx.Request) -> httpx.Response:
        if request.method == "GET":
            return httpx.Response(200, json={"id": USER, "status": "DEPROVISIONED", "profile": {}})
        return answer

    return respond


@pytest.mark.parametrize(
    "answer", [STATUS_REFUSED, NOT_FOUND], ids=["403-E0000038", "404-E0000007"]
)
async def test_an_edit_refused_for_a_deactivated_user_is_a_state_refusal(
    answer: tuple[Any, ...],
) -> None:
    users = _users(_deactivated(_error(*answer)))
    with request_budget(5), pytest.raises(StateRefusedError) as refused:
        await users.update(USER, {"title": "x"})
    assert "Edit Deactivated User Profile Updates" in refused.value.detail
    assert refused.value.user.active is False
    await users.aclose()


async def test_a_state_refusal_of_an_active_user_says_okta_s_words() -> None:
    def respond(request: httpx.Request) -> httpx.Response:
        if request.method == "GET":
            return httpx.Response(200, json={"id": USER, "status": "ACTIVE", "profile": {}})
        return _error(*STATUS_REFUSED)

    users = _users(respond)
    with request_budget(5), pytest.raises(StateRefusedError) as refused:
        await users.update(USER, {"title": "x"})
    assert "E0000038" in refused.value.detail
    assert "ACTIVE" in refused.value.detail
    await users.aclose()


@pytest.mark.parametrize(
    ("answer", "raised", "words"),
    [
        (ACCESS_DENIED, UnavailableError, "grant the API token's admin the rights"),
        (MASTERED, RejectedError, "mastered by another system"),
        (DUPLICATE, LoginConflictError, "already exists"),
        (
            (
                400,
                "E0000001",
                "Api validation failed: email",
                "email: Does not match required pattern",
            ),
            RejectedError,
            "Does not match required pattern",
        ),
    ],
)
async def test_a_refused_edit_is_translated_by_its_code(
    answer: tuple[Any, ...], raised: type[TargetError], words: str
) -> None:
    users = _users(lambda request: _error(*answer))
    with request_budget(5), pytest.raises(raised, match=words) as caught:
        await users.update(USER, {"title": "x"})
    assert type(caught.value) is raised  # not a subclass (a StateRefusedError is a RejectedError)
    if isinstance(caught.value, UnavailableError):
        assert caught.value.retry_after >= 60
    await users.aclose()


async def test_reads_and_deletes_tell_not_found_by_code() -> None:
    users = _users(lambda request: _error(*NOT_FOUND))
    with request_budget(5):
        assert await users.get(USER) is None
        with pytest.raises(UserNotFoundError):
            await users.delete(USER)
    await users.aclose()
    # A 404 with another code is no missing user: the path is unknown, so OKTA_ORG_URL is wrong
    # (taking it for "not found" would have Entra drop or re-create users).
    misrouted = _users(lambda request: _error(404, "E0000008", "The requested path was not found"))
    with request_budget(5), pytest.raises(UnavailableError, match="OKTA_ORG_URL"):
        await misrouted.get(USER)
    await misrouted.aclose()


async def test_an_error_body_nested_past_json_s_reach_is_read_as_no_body() -> None:
    # 4,000 arrays in one another (what an 8 KiB error body can hold): neither orjson nor json
    # reads it (json raises RecursionError); it is an answer without Okta's error fields.
    nested = ("[" * 4000 + "]" * 4000).encode()
    users = _users(lambda request: httpx.Response(403, content=nested))
    with request_budget(5), pytest.raises(UnavailableError, match="Okta refused the connector"):
        await users.get(USER)
    await users.aclose()


async def test_group_refusals_are_translated_by_code() -> None:
    async def token(refresh: bool) -> str:
        return "t0ken"

    def respond(request: httpx.Request) -> httpx.Response:
        return (
            _error(*ACCESS_DENIED)
            if request.method == "GET"
            else _error(404, "E0000007", "Not found: Resource not found: 00g1 (UserGroup)")
        )

    groups = OktaGroups(
        OktaClient("https://org.okta.test", token, transport=httpx.MockTransport(respond))
    )
    with request_budget(5):
        with pytest.raises(UnavailableError, match="rights to manage groups"):
            await groups.get("00g1")
        with pytest.raises(GroupNotFoundError):
            await groups.delete("00g1")
    await groups.aclose()


async def test_an_update_while_okta_activates_the_user_is_sent_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(pause_module, "backoff", lambda attempt: 0.0)
    busy = (409, "E0000112", "Cannot update this user because they are still being activated.")
    answers = [_error(*busy), _error(*busy)]

    def respond(request: httpx.Request) -> httpx.Response:
        if answers:
            return answers.pop(0)
        return httpx.Response(200, json={"id": USER, "status": "ACTIVE", "profile": {"title": "x"}})

    users = _users(respond)
    with request_budget(5):
        updated = await users.update(USER, {"title": "x"})
    assert updated.profile == {"title": "x"}
    await users.aclose()
    always = _users(lambda request: _error(*busy))
    with request_budget(0.6), pytest.raises(UnavailableError, match="still activating"):
        await always.update(USER, {"title": "x"})
    await always.aclose()
