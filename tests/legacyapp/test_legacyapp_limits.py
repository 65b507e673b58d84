"""The fixed-window rate limit per API key, driven by a fake clock, and the no-faults header."""

from __future__ import annotations

import httpx
import pytest
from legacyapp_harness import NO_FAULTS, code_of, error_of, rate_headers, serving

from legacyapp.ratelimit import RateLimiter
from simkit.clock import FakeClock


def test_default_limit_is_300_per_60_seconds() -> None:
    with serving() as ledger:
        assert rate_headers(ledger.client.get("/api/v2/accounts")) == (300, 299, 60)
        assert rate_headers(ledger.client.get("/api/v2/accounts")) == (300, 298, 60)


@pytest.mark.parametrize(
    ("elapsed", "reset"), [(0.0, 60), (0.4, 60), (10.0, 50), (10.5, 50), (58.2, 2), (59.999, 1)]
)
def test_reset_header_is_a_delta(elapsed: float, reset: int) -> None:
    with serving() as ledger:
        ledger.client.get("/api/v2/accounts")  # opens the window at START
        ledger.clock.advance(elapsed)
        assert rate_headers(ledger.client.get("/api/v2/accounts"))[2] == reset


def test_a_new_window_opens_when_the_old_one_ends() -> None:
    with serving(rate_limit=2) as ledger:
        for _ in range(3):
            ledger.client.get("/api/v2/accounts")
        ledger.clock.advance(60)
        response = ledger.client.get("/api/v2/accounts")
        assert (response.status_code, rate_headers(response)) == (200, (2, 1, 60))


def test_over_the_limit_is_429_with_retry_after_and_not_applied() -> None:
    with serving(rate_limit=3) as ledger:
        remaining = [rate_headers(ledger.client.get("/api/v2/accounts"))[1] for _ in range(3)]
        assert remaining == [2, 1, 0]
        ledger.clock.advance(12.3)
        limited = ledger.client.post("/api/v2/teams", json={"data": {"name": "Sales"}})
        assert code_of(limited) == (429, "rate_limited")
        assert error_of(limited)["message"] == ("rate limit of 3 requests exceeded; retry in 48 s")
        assert rate_headers(limited) == (3, 0, 48)
        assert limited.headers["Retry-After"] == "48"
        assert ledger.sandbox.teams() == []
        assert ledger.sandbox.request_log[-1] == ("POST", "/api/v2/teams", 429)


def test_errors_count_too() -> None:
    with serving(rate_limit=5) as ledger:
        ledger.client.get("/api/v2/accounts/404")
        ledger.client.post("/api/v2/accounts", json={"data": {}})
        ledger.client.put("/api/v2/accounts")
        assert rate_headers(ledger.client.get("/api/v2/nowhere"))[1] == 1


def test_rejected_keys_count_against_their_own_window() -> None:
    with serving(rate_limit=2) as ledger:
        wrong = {"X-Api-Key": "wrong"}
        first = httpx.get(f"{ledger.url}/api/v2/accounts", headers=wrong)
        second = httpx.get(f"{ledger.url}/api/v2/accounts", headers=wrong)
        assert [first.status_code, second.status_code] == [401, 401]
        assert [rate_headers(first)[1], rate_headers(second)[1]] == [1, 0]
        # The limiter runs before authentication: the third try is limited, not refused.
        assert code_of(httpx.get(f"{ledger.url}/api/v2/accounts", headers=wrong)) == (
            429,
            "rate_limited",
        )
        assert code_of(httpx.get(f"{ledger.url}/api/v2/accounts")) == (401, "unauthorized")
        assert rate_headers(ledger.client.get("/api/v2/accounts")) == (2, 1, 60)


def test_each_key_has_its_own_window() -> None:
    with serving(rate_limit=1) as ledger:
        assert ledger.client.get("/api/v2/accounts").status_code == 200
        assert ledger.client.get("/api/v2/accounts").status_code == 429
        other = httpx.get(f"{ledger.url}/api/v2/accounts", headers={"X-Api-Key": "other"})
        assert (other.status_code, rate_headers(other)[1]) == (401, 0)


def test_window_and_limit_are_configurable() -> None:
    with serving(rate_limit=7, rate_window_s=10) as ledger:
        assert rate_headers(ledger.client.get("/api/v2/accounts")) == (7, 6, 10)
        ledger.clock.advance(9.5)
        assert rate_headers(ledger.client.get("/api/v2/accounts")) == (7, 5, 1)
        ledger.clock.advance(0.5)
        assert rate_headers(ledger.client.get("/api/v2/accounts")) == (7, 6, 10)


def test_no_faults_requests_are_not_limited_and_do_not_count() -> None:
    with serving(rate_limit=2) as ledger:
        ledger.client.get("/api/v2/accounts")
        for _ in range(5):
            response = ledger.client.get("/api/v2/accounts", headers=NO_FAULTS)
            assert (response.status_code, rate_headers(response)) == (200, (2, 1, 60))
        assert rate_headers(ledger.client.get("/api/v2/accounts"))[1] == 0
        assert ledger.client.get("/api/v2/accounts").status_code == 429
        assert ledger.client.get("/api/v2/accounts", headers=NO_FAULTS).status_code == 200


def test_no_faults_headers_before_any_window() -> None:
    with serving(rate_limit=4, rate_window_s=30) as ledger:
        response = ledger.client.get("/api/v2/accounts", headers=NO_FAULTS)
        assert rate_headers(response) == (4, 4, 30)


def test_no_faults_requests_still_need_the_key() -> None:
    with serving() as ledger:
        response = httpx.get(f"{ledger.url}/api/v2/accounts", headers=NO_FAULTS)
        assert code_of(response) == (401, "unauthorized")


def test_the_clock_is_the_injected_one() -> None:
    clock = FakeClock(start=0.0)
    with serving(clock=clock) as ledger:
        assert ledger.create_account()["created_at"] == "1970-01-01T00:00:00Z"


def test_limiter_forgets_expired_windows_of_many_keys() -> None:
    limiter = RateLimiter(limit=1, window_s=1)
    for number in range(2000):
        assert limiter.take(f"key-{number}", now=float(number)).allowed
    assert not limiter.take("key-1999", now=1999.5).allowed
    assert limiter.take("key-0", now=2000.0).allowed
    assert limiter.tracked_keys < 1100


def test_the_key_is_the_configured_one() -> None:
    with serving(api_key="Secret-Key") as ledger:
        assert code_of(ledger.client.get("/api/v2/accounts")) == (401, "unauthorized")
        response = httpx.get(f"{ledger.url}/api/v2/accounts", headers={"X-Api-Key": "Secret-Key"})
        assert response.status_code == 200


@pytest.mark.parametrize(
    ("opened", "now", "reset"),
    [
        (0.0, 59.9999999, 1),  # a sliver before the end still says 1, never 0
        (0.2, 0.2 + 30, 30),  # 30.000000000000004 in floats: not rounded up to 31
        (1_796_000_000.1, 1_796_000_001.0, 60),  # 59.1 s left rounds up
        (5.0, 35.0, 30),
    ],
)
def test_reset_rounding(opened: float, now: float, reset: int) -> None:
    limiter = RateLimiter(limit=10, window_s=60)
    limiter.take("k", opened)
    verdict = limiter.take("k", now)
    assert (verdict.allowed, verdict.remaining, verdict.reset_s) == (True, 8, reset)
