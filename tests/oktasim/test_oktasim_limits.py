"""Rate limits, the concurrency limit, fault injection, seeds and the no-faults header."""

from __future__ import annotations

import email.utils
import inspect
import math
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from clocks import Clock
from oktasim_harness import NO_FAULTS, TOKEN, error_code, profile, serving
from waits import until

from oktasim import Simulator, SimulatorOptions
from oktasim.ratelimit import (
    GROUP_BY_ID,
    GROUPS,
    OTHER,
    USER_READ,
    USER_WRITE,
    USERS_COLLECTION,
    bucket_for,
)


def _limits(response: httpx.Response) -> tuple[int, int, int]:
    headers = response.headers
    return (
        int(headers["X-Rate-Limit-Limit"]),
        int(headers["X-Rate-Limit-Remaining"]),
        int(headers["X-Rate-Limit-Reset"]),
    )


def _create_body(login: str) -> dict[str, Any]:
    return {"profile": profile(login)}


@pytest.mark.parametrize(
    ("method", "path", "bucket"),
    [
        ("GET", "/api/v1/users", USERS_COLLECTION),
        ("POST", "/api/v1/users", USERS_COLLECTION),
        ("GET", "/api/v1/users/00u1", USER_READ),
        ("POST", "/api/v1/users/00u1", USER_WRITE),
        ("PUT", "/api/v1/users/00u1", USER_WRITE),
        ("DELETE", "/api/v1/users/00u1", USER_WRITE),
        ("POST", "/api/v1/users/00u1/lifecycle/activate", OTHER),
        ("GET", "/api/v1/groups", GROUPS),
        ("POST", "/api/v1/groups", GROUPS),
        ("GET", "/api/v1/groups/00g1", GROUP_BY_ID),
        ("PUT", "/api/v1/groups/00g1", GROUP_BY_ID),
        ("DELETE", "/api/v1/groups/00g1", GROUP_BY_ID),
        ("GET", "/api/v1/groups/00g1/users", GROUPS),
        ("PUT", "/api/v1/groups/00g1/users/00u1", GROUPS),
        ("DELETE", "/api/v1/groups/00g1/users/00u1", GROUPS),
        ("GET", "/api/v1/groups/rules", GROUPS),
        ("GET", "/api/v1/users/00u1/groups", OTHER),
        ("GET", "/api/v1/meta/schemas/group/default", OTHER),
        ("GET", "/api/v1/apps", OTHER),
    ],
)
def test_bucket_matching(method: str, path: str, bucket: str) -> None:
    assert bucket_for(method, path) == bucket


def test_default_limits_are_the_tokens_half_of_the_workforce_limits() -> None:
    # "By default, each API token or OAuth 2.0 app can use up to 50% of a bucket's total rate
    # limit" (developer.okta.com, "Token and OAuth 2.0 app rate limits"): the token of an org
    # as shipped meets half of each Workforce bucket, and its headers say so.
    with serving() as okta:
        user_id = okta.create()["id"]
        assert _limits(okta.client.get("/api/v1/users"))[0] == 300
        assert _limits(okta.client.get(f"/api/v1/users/{user_id}"))[0] == 1000
        assert _limits(okta.client.post(f"/api/v1/users/{user_id}", json={}))[0] == 300
        assert _limits(okta.lifecycle(user_id, "reset_factors"))[0] == 600


def test_the_tokens_share_of_the_workforce_limits_is_an_option() -> None:
    with serving(token_share_percent=100) as okta:
        assert _limits(okta.client.get("/api/v1/users"))[0] == 600
    with serving(token_share_percent=1) as okta:
        assert _limits(okta.client.get("/api/v1/users"))[0] == 6
    for bad in (0, 101):
        with pytest.raises(ValueError, match="token_share_percent"):
            SimulatorOptions(token_share_percent=bad)


def test_the_tokens_share_runs_out_at_half_a_bucket() -> None:
    wall = Clock(EPOCH)
    with serving(token_share_percent=1, wall_clock=wall) as okta:
        remaining = [_limits(okta.client.get("/api/v1/users"))[1] for _ in range(6)]
        assert remaining == [5, 4, 3, 2, 1, 0]
        limited = okta.client.get("/api/v1/users")
        assert (limited.status_code, error_code(limited)) == (429, "E0000047")


# A wall clock for the rate limits: UTC epoch seconds, a quarter into a second.
EPOCH = 1_800_000_000.25


def test_rate_limit_429_and_headers() -> None:
    wall = Clock(EPOCH)
    with serving(rate_limit_per_minute=3, wall_clock=wall) as okta:
        remaining = [_limits(okta.client.get("/api/v1/users"))[1] for _ in range(3)]
        assert remaining == [2, 1, 0]
        wall.advance(30.0)
        limited = okta.client.get("/api/v1/users")
        assert (limited.status_code, error_code(limited)) == (429, "E0000047")
        assert limited.json()["errorSummary"] == (
            "API call exceeded rate limit due to too many requests."
        )
        limit, left, reset = _limits(limited)
        assert (limit, left) == (3, 0)
        # The window opened with the first call and lasts a minute, rounded up to a second.
        assert reset == math.ceil(EPOCH + 60)
        # The Date header comes from the same clock: a client reads the time left from both.
        assert limited.headers["Date"] == email.utils.formatdate(EPOCH + 30.0, usegmt=True)
        assert okta.client.get("/api/v1/users/nobody").status_code == 404  # another bucket
        verified = okta.client.get("/api/v1/users", headers=NO_FAULTS)
        assert verified.status_code == 200


def test_rate_limit_window_resets() -> None:
    wall = Clock(EPOCH)
    with serving(rate_limit_per_minute=1, rate_limit_window_s=0.3, wall_clock=wall) as okta:
        assert okta.client.get("/api/v1/users").status_code == 200
        wall.advance(0.29)
        assert okta.client.get("/api/v1/users").status_code == 429
        wall.advance(0.01)  # the window's end: a new one opens with this call
        renewed = okta.client.get("/api/v1/users")
        assert renewed.status_code == 200
        assert _limits(renewed) == (1, 0, math.ceil(EPOCH + 0.3 + 0.3))


def test_the_rate_limits_count_on_the_real_clock_by_default() -> None:
    assert inspect.signature(Simulator).parameters["wall_clock"].default is time.time


def test_no_faults_requests_do_not_count() -> None:
    with serving(rate_limit_per_minute=2) as okta:
        for _ in range(5):
            assert okta.client.get("/api/v1/users", headers=NO_FAULTS).status_code == 200
        assert _limits(okta.client.get("/api/v1/users"))[1] == 1


def test_concurrency_limit_429_with_zero_headers() -> None:
    # The latency fault's sleep holds the requests that got a slot until the test lets them go,
    # so the five calls overlap however slow the machine is.
    release = threading.Event()
    holding: list[float] = []

    def sleep(seconds: float) -> None:
        holding.append(seconds)
        release.wait(10.0)  # bounded: a failing test ends by itself

    with serving(concurrency_limit=2, latency_ms=500, sleep=sleep, wall_clock=Clock(EPOCH)) as okta:
        clients = [
            httpx.Client(base_url=okta.url, headers={"Authorization": f"SSWS {TOKEN}"})
            for _ in range(5)
        ]
        with ThreadPoolExecutor(max_workers=5) as pool:
            calls = [pool.submit(client.get, "/api/v1/users") for client in clients]
            try:  # two hold their slots in the sleep, three are refused meanwhile
                until(lambda: len(holding) == 2 and sum(call.done() for call in calls) == 3)
            finally:
                release.set()
            responses = [call.result() for call in calls]
        for client in clients:
            client.close()
        limited = [response for response in responses if response.status_code == 429]
        assert len(limited) == 3
        assert sum(response.status_code == 200 for response in responses) == 2
        for response in limited:
            limit, left, reset = _limits(response)
            assert (limit, left) == (0, 0)
            assert reset == math.ceil(EPOCH) + 1  # only a suggestion: a second ahead
            assert error_code(response) == "E0000047"


def test_latency_waits_through_the_injected_sleep() -> None:
    # The simulator's waits are recorded instead of slept: no test of a duration.
    slept: list[float] = []
    with serving(latency_ms=150, sleep=slept.append) as okta:
        assert okta.client.get("/api/v1/users").status_code == 200
        assert slept == [0.15]
        assert okta.client.post("/api/v1/users/nobody", json={}).status_code == 404
        assert slept == [0.15, 0.15]  # every faultable request, whatever its answer
        assert okta.client.get("/api/v1/users", headers=NO_FAULTS).status_code == 200
        assert slept == [0.15, 0.15]


def test_no_latency_means_no_sleep() -> None:
    slept: list[float] = []
    with serving(sleep=slept.append) as okta:
        assert okta.client.get("/api/v1/users").status_code == 200
    assert slept == []


def test_the_latency_fault_sleeps_on_the_real_clock_by_default() -> None:
    assert inspect.signature(Simulator).parameters["sleep"].default is time.sleep


def test_error_rate_answers_5xx_without_applying() -> None:
    with serving(error_rate=1.0) as okta:
        statuses = {
            okta.client.post("/api/v1/users", json=_create_body(f"u{i}@example.com")).status_code
            for i in range(12)
        }
        assert statuses <= {500, 502, 503}
        assert len(statuses) > 1
        assert okta.sim.users() == []
        failed = okta.client.get("/api/v1/users")
        assert "X-Okta-Request-Id" in failed.headers
        assert "X-Rate-Limit-Reset" in failed.headers


def test_internal_error_body() -> None:
    with serving(error_rate=1.0, seed=3) as okta:
        for _ in range(20):
            response = okta.client.get("/api/v1/users")
            if response.status_code == 500:
                assert error_code(response) == "E0000009"
                return
        pytest.fail("no 500 among 20 faulted requests")


def _call_catching(errors: list[BaseException], url: str, timeout: float) -> None:
    try:
        httpx.post(
            url,
            json=_create_body("slow@example.com"),
            headers={"Authorization": f"SSWS {TOKEN}"},
            timeout=timeout,
        )
    except httpx.HTTPError as error:
        errors.append(error)


def test_timeout_rate_hangs_without_applying_or_blocking_others() -> None:
    errors: list[BaseException] = []
    with serving(timeout_rate=1.0, hang_s=30) as okta:
        hung = threading.Thread(
            target=_call_catching, args=(errors, f"{okta.url}/api/v1/users", 30.0)
        )
        hung.start()
        until(lambda: okta.sim.request_log)  # the create has arrived, and hangs
        other = httpx.get(
            f"{okta.url}/api/v1/users",
            headers={"Authorization": f"SSWS {TOKEN}", **NO_FAULTS},
        )
        assert other.status_code == 200
        assert hung.is_alive()  # answered while the create still hangs: not queued behind it
        # What a client sees of a hang is a read timeout.
        with pytest.raises(httpx.ReadTimeout):
            okta.client.get("/api/v1/users", timeout=0.2)
        assert okta.sim.users() == []
        assert okta.sim.request_log[0] == ("POST", "/api/v1/users", 0)
    hung.join(timeout=10)  # stopping the simulator ends the hang
    assert not hung.is_alive()
    assert len(errors) == 1


def test_stop_ends_hung_requests() -> None:
    errors: list[BaseException] = []
    with serving(timeout_rate=1.0, hang_s=60) as okta:
        hung = threading.Thread(
            target=_call_catching, args=(errors, f"{okta.url}/api/v1/users", 10.0)
        )
        hung.start()
        until(lambda: okta.sim.request_log)
    hung.join(timeout=5)
    assert not hung.is_alive()
    assert len(errors) == 1
    assert isinstance(errors[0], httpx.RemoteProtocolError)


def test_drop_rate_applies_then_closes() -> None:
    with serving(drop_rate=1.0) as okta:
        with pytest.raises(httpx.RemoteProtocolError):
            okta.client.post("/api/v1/users", json=_create_body("dropped@example.com"))
        assert [user["profile"]["login"] for user in okta.sim.users()] == ["dropped@example.com"]
        assert okta.sim.request_log == [("POST", "/api/v1/users", 0)]


def _fault_pattern(seed: int) -> tuple[list[int], list[str]]:
    with serving(seed=seed, error_rate=0.5) as okta:
        statuses = [okta.client.get("/api/v1/users").status_code for _ in range(24)]
        ids = [okta.create()["id"] for _ in range(3)]
    return statuses, ids


def test_seed_reproducibility() -> None:
    first = _fault_pattern(11)
    assert first == _fault_pattern(11)
    assert first != _fault_pattern(12)
    assert 200 in first[0]
    assert set(first[0]) - {200}


def test_no_faults_header_is_never_faulted() -> None:
    with serving(error_rate=1.0, rate_limit_per_minute=1, concurrency_limit=1) as okta:
        for i in range(5):
            response = okta.client.post(
                "/api/v1/users", json=_create_body(f"v{i}@example.com"), headers=NO_FAULTS
            )
            assert response.status_code == 200
        assert len(okta.sim.users()) == 5


def test_invalid_fault_rates() -> None:
    with pytest.raises(ValueError, match="more than 1"):
        Simulator(SimulatorOptions(error_rate=0.6, drop_rate=0.6))
    with pytest.raises(ValueError, match="within"):
        Simulator(SimulatorOptions(timeout_rate=1.5))


def test_seeded_ids_repeat_after_reset() -> None:
    with serving(seed=5) as okta:
        first = [okta.create()["id"] for _ in range(2)]
        okta.sim.reset()
        assert [okta.create()["id"] for _ in range(2)] == first
