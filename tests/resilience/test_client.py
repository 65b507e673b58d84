"""The Okta client and users target under faults, against a scripted Okta (httpx.MockTransport):
backoff, the time budget (429 vs 503 with Retry-After), idempotent create, delete of a user
already gone, lifecycle already in place, and 401 → token refresh → retry."""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable
from email.utils import formatdate
from typing import Any

import httpx
import pytest
from clocks import Clock

from connector import telemetry
from connector.service import UserService
from connector.settings import Settings
from connector.targets.errors import RateLimitedError, UnavailableError, UserNotFoundError
from connector.targets.okta.client import OktaClient
from connector.targets.okta.users import OktaUsers
from connector.transport import backoff as backoff_module
from connector.transport.backoff import backoff
from connector.transport.budget import (
    MIN_ATTEMPT_SECONDS,
    attempt_seconds,
    remaining,
    request_budget,
)
from connector.use_case import ServiceBusyError

Handler = Callable[[httpx.Request], httpx.Response]
LOGIN = "ada@example.com"


def user_json(user_id: str = "00u1", status: str = "ACTIVE", **profile: str) -> dict[str, Any]:
    return {
        "id": user_id,
        "status": status,
        "created": "2026-01-01T00:00:00.000Z",
        "lastUpdated": "2026-01-01T00:00:00.000Z",
        "profile": {"login": LOGIN, "email": LOGIN, "firstName": "Ada", "lastName": "L"} | profile,
    }


def okta_error(status: int, code: str, summary: str, *causes: str) -> httpx.Response:
    body = {
        "errorCode": code,
        "errorSummary": summary,
        "errorCauses": [{"errorSummary": c} for c in causes],
    }
    return httpx.Response(status, json=body)


class ScriptedOkta:
    """Answers each call from a handler and records (method, path, token)."""

    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.calls: list[tuple[str, str, str]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.calls.append(
            (request.method, request.url.path, request.headers.get("authorization", ""))
        )
        return self.handler(request)

    def client(self, token: Callable[[bool], Any] | None = None) -> OktaClient:
        async def static(refresh: bool) -> str:
            return "t0ken"

        return OktaClient("http://okta.test", token or static, transport=httpx.MockTransport(self))


@pytest.fixture(autouse=True)
def fast_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep retries quick; the schedule itself is tested on its own below."""
    monkeypatch.setattr(backoff_module, "BASE_SECONDS", 0.01)
    monkeypatch.setattr(backoff_module, "CAP_SECONDS", 0.05)


# -- backoff and budget ----------------------------------------------------------------------


def test_backoff_is_capped_exponential_with_jitter() -> None:
    rng = random.Random(1)
    for attempt in range(12):
        ceiling = min(backoff_module.CAP_SECONDS, backoff_module.BASE_SECONDS * 2**attempt)
        waits = {backoff(attempt, rng) for _ in range(20)}
        assert all(ceiling / 2 <= w <= ceiling for w in waits)
        assert len(waits) > 1  # jitter: retries of many requests do not line up
    assert max(backoff(30, rng) for _ in range(50)) <= backoff_module.CAP_SECONDS


def test_a_try_gets_its_limit_what_the_budget_leaves_or_the_least_a_try_is_given() -> None:
    clock = Clock()
    with request_budget(2.0, clock=clock):
        assert attempt_seconds(10.0) == 2.0
        assert attempt_seconds(1.5) == 1.5
        assert attempt_seconds(None) == 2.0  # no limit of its own: the budget's
        clock.advance(1.9)
        assert attempt_seconds(10.0) == MIN_ATTEMPT_SECONDS
    assert attempt_seconds(3.0) == 3.0  # outside any request
    assert attempt_seconds(None) == float("inf")


def test_budget_is_scoped_to_one_request() -> None:
    clock = Clock()
    assert remaining() == float("inf")
    with request_budget(2.0, clock=clock):
        assert remaining() == 2.0
        clock.advance(0.25)
        assert remaining() == 1.75
        with request_budget(0.5, clock=clock):
            assert remaining() == 0.5
        assert remaining() == 1.75
    assert remaining() == float("inf")
    with request_budget(2.0):  # the real clock, by default
        assert 1.0 < remaining() <= 2.0


async def test_rate_limit_past_the_budget_is_a_429_with_retry_after() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        response = okta_error(429, "E0000047", "API call exceeded rate limit")
        now = time.time()
        response.headers.update(
            {
                "x-rate-limit-limit": "600",
                "x-rate-limit-remaining": "0",
                "x-rate-limit-reset": str(int(now) + 45),
                "date": formatdate(now, usegmt=True),
            }
        )
        return response

    okta = ScriptedOkta(handler)
    with (
        telemetry.recording("test") as record,
        request_budget(2.0),
        pytest.raises(RateLimitedError) as caught,
    ):
        await okta.client().send("GET", "/api/v1/users/00u1")
    assert record.wait_seconds == 0  # gave up at once: the reset is past the budget
    assert 40 <= caught.value.retry_after <= 47
    assert len(okta.calls) == 1


async def test_concurrency_429_is_retried_with_backoff() -> None:
    answers = iter([429, 429, 200])

    def handler(request: httpx.Request) -> httpx.Response:
        status = next(answers)
        if status == 429:
            response = okta_error(429, "E0000047", "API call exceeded rate limit")
            response.headers.update(
                {
                    "x-rate-limit-limit": "0",
                    "x-rate-limit-remaining": "0",
                    "x-rate-limit-reset": "1",
                }
            )
            return response
        return httpx.Response(200, json=user_json())

    okta = ScriptedOkta(handler)
    with request_budget(5.0):
        response = await okta.client().send("GET", "/api/v1/users/00u1")
    assert response.status_code == 200
    assert len(okta.calls) == 3


async def test_faults_past_the_budget_are_a_503_with_retry_after() -> None:
    okta = ScriptedOkta(lambda request: httpx.Response(502, text="<html>Bad Gateway</html>"))
    with (
        telemetry.recording("test") as record,
        request_budget(1.0),
        pytest.raises(UnavailableError) as caught,
    ):
        await okta.client().send("GET", "/api/v1/users/00u1")
    assert not isinstance(caught.value, RateLimitedError)
    # Its waits between tries fit in the budget (what the tries themselves took is not waited).
    assert 0 < record.wait_seconds < 1.0
    assert record.retries == len(okta.calls) - 1
    assert caught.value.retry_after >= 1
    assert len(okta.calls) > 1  # retried while the budget allowed


async def test_a_503_whose_retry_after_is_past_the_budget_gives_up_at_once_passing_it_on() -> None:
    # RFC 9110 §10.2.3: with a 503, Retry-After is how long the outage is expected to last.
    # Retrying sooner only spends the target's calls; Entra is told the target's own figure.
    okta = ScriptedOkta(lambda request: httpx.Response(503, headers={"Retry-After": "120"}))
    with (
        telemetry.recording("test") as record,
        request_budget(5.0),
        pytest.raises(UnavailableError) as caught,
    ):
        await okta.client().send("GET", "/api/v1/users/00u1")
    assert not isinstance(caught.value, RateLimitedError)
    assert caught.value.retry_after == 120
    assert (len(okta.calls), record.retries, record.wait_seconds) == (1, 0, 0)


async def test_a_503_whose_retry_after_fits_the_budget_waits_that_long_then_tries_again() -> None:
    answers = iter([httpx.Response(503, headers={"Retry-After": "0.3"})])

    def handler(request: httpx.Request) -> httpx.Response:
        return next(answers, None) or httpx.Response(200, json=user_json())

    okta = ScriptedOkta(handler)
    with telemetry.recording("test") as record, request_budget(5.0):
        response = await okta.client().send("GET", "/api/v1/users/00u1")
    assert response.status_code == 200
    assert len(okta.calls) == 2
    assert record.wait_seconds == pytest.approx(0.3)  # not the (here 0.01-0.05 s) backoff


async def test_service_turns_exhaustion_into_scim_429_and_503() -> None:
    from connector.mapping import load_schema

    def rate_limited(request: httpx.Request) -> httpx.Response:
        response = okta_error(429, "E0000047", "API call exceeded rate limit")
        response.headers.update(
            {
                "x-rate-limit-limit": "600",
                "x-rate-limit-remaining": "0",
                "x-rate-limit-reset": str(int(time.time()) + 30),
            }
        )
        return response

    catalog = load_schema(Settings.from_env({}))
    for handler, status in (
        (rate_limited, 429),
        (lambda request: httpx.Response(503, text="busy"), 503),
    ):
        service = UserService(catalog, OktaUsers(ScriptedOkta(handler).client()), 0.8)
        with pytest.raises(ServiceBusyError) as caught:
            await service.get("00u1")
        assert caught.value.status == status
        assert caught.value.retry_after >= 1


async def test_timeouts_are_retried_within_the_budget() -> None:
    answers = iter(["timeout", "ok"])

    def handler(request: httpx.Request) -> httpx.Response:
        if next(answers) == "timeout":
            raise httpx.ReadTimeout("no answer", request=request)
        return httpx.Response(200, json=user_json())

    okta = ScriptedOkta(handler)
    with request_budget(5.0):
        assert (await okta.client().send("GET", "/api/v1/users/00u1")).status_code == 200


# -- 401 → refresh → retry -------------------------------------------------------------------


async def test_401_refreshes_the_token_once_and_retries() -> None:
    reads: list[bool] = []

    async def token(refresh: bool) -> str:
        reads.append(refresh)
        return "rotated" if any(reads[:-1]) or refresh else "old"

    def handler(request: httpx.Request) -> httpx.Response:
        if request.headers["authorization"] != "SSWS rotated":
            return okta_error(401, "E0000011", "Invalid token provided")
        return httpx.Response(200, json=user_json())

    okta = ScriptedOkta(handler)
    with request_budget(5.0):
        response = await okta.client(token).send("GET", "/api/v1/users/00u1")
    assert response.status_code == 200
    assert [c[2] for c in okta.calls] == ["SSWS old", "SSWS rotated"]
    assert True in reads


async def test_a_token_that_stays_invalid_is_a_503_not_a_loop() -> None:
    okta = ScriptedOkta(lambda request: okta_error(401, "E0000011", "Invalid token provided"))
    with request_budget(5.0), pytest.raises(UnavailableError):
        await okta.client().send("GET", "/api/v1/users/00u1")
    assert len(okta.calls) == 2


# -- idempotent writes -----------------------------------------------------------------------


class FakeOrg:
    """A one-user Okta whose writes can be applied and then lose their answer."""

    def __init__(self) -> None:
        self.user: dict[str, Any] | None = None
        self.drop_next: set[str] = set()
        self.fail_next: dict[str, int] = {}

    def __call__(self, request: httpx.Request) -> httpx.Response:
        key = f"{request.method} {request.url.path}"
        if key in self.fail_next:
            return httpx.Response(self.fail_next.pop(key), text="<html>gateway</html>")
        response = self.apply(request)
        if key in self.drop_next:
            self.drop_next.discard(key)
            raise httpx.RemoteProtocolError("Server disconnected", request=request)
        return response

    def apply(self, request: httpx.Request) -> httpx.Response:
        path, method = request.url.path, request.method
        if method == "POST" and path == "/api/v1/users":
            profile = json.loads(request.content)["profile"]
            if self.user is not None and self.user["profile"]["login"] == profile["login"]:
                return okta_error(
                    400,
                    "E0000001",
                    "Api validation failed: login",
                    "login: An object with this field already exists in the current organization",
                )
            self.user = user_json(**profile)
            return httpx.Response(200, json=self.user)
        if self.user is None:
            return okta_error(404, "E0000007", f"Not found: Resource not found: {path}")
        if method == "GET":
            return httpx.Response(200, json=self.user)
        if method == "DELETE":
            if self.user["status"] == "DEPROVISIONED":
                self.user = None
            else:
                self.user["status"] = "DEPROVISIONED"
            return httpx.Response(204)
        if path.endswith("/lifecycle/deactivate"):
            if self.user["status"] == "DEPROVISIONED":
                return okta_error(404, "E0000007", "Not found: Resource not found")
            self.user["status"] = "DEPROVISIONED"
            return httpx.Response(200, json={})
        return okta_error(400, "E0000001", "unexpected call")


PROFILE = {"login": LOGIN, "email": LOGIN, "firstName": "Ada", "lastName": "L"}


async def test_create_after_a_dropped_answer_finds_the_user_instead_of_creating_twice() -> None:
    org = FakeOrg()
    org.drop_next.add("POST /api/v1/users")
    okta = ScriptedOkta(org)
    with request_budget(5.0):
        user = await OktaUsers(okta.client()).create(PROFILE, active=True)
    assert user.id == "00u1"
    posts = [c for c in okta.calls if c[0] == "POST"]
    assert len(posts) == 1  # looked the login up instead of sending the create again
    assert ("GET", f"/api/v1/users/{LOGIN}") in [(m, p) for m, p, _ in okta.calls]


async def test_create_after_a_5xx_is_sent_again_and_a_409_on_our_own_retry_is_success() -> None:
    org = FakeOrg()
    okta = ScriptedOkta(org)
    client = okta.client()

    # Okta applied the create but its gateway answered 502: the lookup races the write...
    answers = iter(["502-applied", "pass", "pass", "pass"])

    def flaky(request: httpx.Request) -> httpx.Response:
        if request.method == "POST" and next(answers) == "502-applied":
            org.apply(request)
            return httpx.Response(502, text="<html>Bad Gateway</html>")
        if request.method == "GET" and not getattr(flaky, "seen", False):
            flaky.seen = True  # type: ignore[attr-defined]
            return okta_error(404, "E0000007", "Not found")  # ...and misses it once
        return org(request)

    okta.handler = flaky
    with request_budget(5.0):
        user = await OktaUsers(client).create(PROFILE, active=True)
    assert user.profile["login"] == LOGIN
    assert org.user is not None
    assert org.user["id"] == user.id


async def test_create_of_a_login_someone_else_holds_is_still_a_conflict() -> None:
    from connector.targets.errors import LoginConflictError

    org = FakeOrg()
    org.user = user_json(firstName="Other")
    okta = ScriptedOkta(org)
    with request_budget(5.0), pytest.raises(LoginConflictError):
        await OktaUsers(okta.client()).create(PROFILE, active=True)


async def test_delete_whose_answers_were_lost_succeeds_when_the_user_is_gone() -> None:
    org = FakeOrg()
    org.user = user_json()
    org.drop_next.add("DELETE /api/v1/users/00u1")
    okta = ScriptedOkta(org)
    with request_budget(5.0):
        await OktaUsers(okta.client()).delete("00u1")
    assert org.user is None


async def test_delete_that_finds_the_user_deprovisioned_finishes_the_delete() -> None:
    org = FakeOrg()
    org.user = user_json(status="DEPROVISIONED")
    okta = ScriptedOkta(org)
    with request_budget(5.0):
        await OktaUsers(okta.client()).delete("00u1")
    assert org.user is None


async def test_delete_of_an_unknown_user_is_not_found() -> None:
    okta = ScriptedOkta(FakeOrg())
    with request_budget(5.0), pytest.raises(UserNotFoundError):
        await OktaUsers(okta.client()).delete("00u1")


async def test_deactivate_of_a_user_already_deactivated_is_success() -> None:
    org = FakeOrg()
    org.user = user_json()
    org.drop_next.add("POST /api/v1/users/00u1/lifecycle/deactivate")
    okta = ScriptedOkta(org)
    users = OktaUsers(okta.client())
    with request_budget(5.0):
        stale = users.to_user(user_json())
        result = await users.set_active(stale, False)
    assert result.active is False
    assert org.user is not None
    assert org.user["status"] == "DEPROVISIONED"
