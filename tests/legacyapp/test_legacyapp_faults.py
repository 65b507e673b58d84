"""Fault injection (latency, errors, hangs, drops), seeds, the no-faults header, reset and the
synthetic accounts option, and the store under concurrent requests."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from legacyapp_harness import (
    API_KEY,
    JSON_UTF8,
    NO_FAULTS,
    Ledger,
    code_of,
    rate_headers,
    serving,
)
from waits import until

from legacyapp import Sandbox, SandboxOptions

ACCOUNT = {
    "data": {
        "username": "ann@example.com",
        "first_name": "Ann",
        "last_name": "Example",
        "email": "ann@example.com",
    }
}


def _post_catching(errors: list[BaseException], url: str, timeout: float) -> None:
    try:
        httpx.post(url, json=ACCOUNT, headers={"X-Api-Key": API_KEY}, timeout=timeout)
    except httpx.HTTPError as error:
        errors.append(error)


# -- latency ---------------------------------------------------------------------------------


def test_latency_delays_faultable_requests_only() -> None:
    with serving(latency_ms=250) as ledger:
        ledger.client.get("/api/v2/accounts")
        assert ledger.clock.sleeps == [0.25]
        ledger.client.get("/api/v2/accounts", headers=NO_FAULTS)
        assert ledger.clock.sleeps == [0.25]


def test_latency_is_off_by_default() -> None:
    with serving() as ledger:
        ledger.client.get("/api/v2/accounts")
        assert ledger.clock.sleeps == []


# -- errors ----------------------------------------------------------------------------------


def test_error_rate_answers_500_or_503_without_applying() -> None:
    with serving(error_rate=1.0, seed=4) as ledger:
        responses = [ledger.client.post("/api/v2/accounts", json=ACCOUNT) for _ in range(16)]
        statuses = {response.status_code for response in responses}
        assert statuses == {500, 503}
        assert ledger.sandbox.accounts() == []
        assert [status for _, _, status in ledger.sandbox.request_log] == [
            response.status_code for response in responses
        ]
        for response in responses:
            assert rate_headers(response)[0] == 300


def test_the_500_is_the_json_internal_error() -> None:
    with serving(error_rate=1.0, seed=4) as ledger:
        response = next(
            response
            for response in (ledger.client.get("/api/v2/accounts") for _ in range(16))
            if response.status_code == 500
        )
        assert response.headers["Content-Type"] == JSON_UTF8
        assert response.json() == {
            "error": {"code": "internal", "message": "internal server error"}
        }


def test_the_503_is_the_proxys_html_page() -> None:
    with serving(error_rate=1.0, seed=4) as ledger:
        response = next(
            response
            for response in (ledger.client.get("/api/v2/accounts") for _ in range(16))
            if response.status_code == 503
        )
        assert response.headers["Content-Type"] == "text/html"
        assert response.text.startswith("<!DOCTYPE html>")
        assert "503 Service Unavailable" in response.text
        with pytest.raises(ValueError, match="Expecting value"):
            response.json()


def test_error_faults_count_against_the_limit() -> None:
    with serving(error_rate=1.0, seed=1, rate_limit=2) as ledger:
        remaining = [rate_headers(ledger.client.get("/api/v2/accounts"))[1] for _ in range(3)]
        assert remaining == [1, 0, 0]


# -- timeouts --------------------------------------------------------------------------------


def test_timeout_hangs_without_applying_then_closes() -> None:
    with serving(timeout_rate=1.0, hang_s=0.2) as ledger:
        with pytest.raises(httpx.RemoteProtocolError):
            ledger.client.post("/api/v2/accounts", json=ACCOUNT)
        assert ledger.sandbox.accounts() == []
        assert ledger.sandbox.request_log == [("POST", "/api/v2/accounts", 0)]
        # A hung request was never counted.
        response = ledger.client.get("/api/v2/accounts", headers=NO_FAULTS)
        assert rate_headers(response)[1] == 300


def test_a_hanging_request_does_not_block_others_and_ends_at_stop() -> None:
    errors: list[BaseException] = []
    with serving(timeout_rate=1.0, hang_s=60) as ledger:
        hung = threading.Thread(
            target=_post_catching, args=(errors, f"{ledger.url}/api/v2/accounts", 30.0)
        )
        hung.start()
        until(lambda: len(ledger.sandbox.request_log) == 1)
        other = ledger.client.get("/api/v2/accounts", headers=NO_FAULTS)
        assert other.status_code == 200
        assert hung.is_alive()
    hung.join(timeout=10)
    assert not hung.is_alive()
    assert len(errors) == 1
    # Closed by the stopping server, long before the client's own 30 s timeout.
    assert isinstance(errors[0], httpx.RemoteProtocolError)


# -- drops -----------------------------------------------------------------------------------


def test_drop_applies_the_write_then_closes_without_a_byte() -> None:
    with serving(drop_rate=1.0) as ledger:
        with pytest.raises(httpx.RemoteProtocolError, match="without sending"):
            ledger.client.post("/api/v2/accounts", json=ACCOUNT)
        assert [account["username"] for account in ledger.sandbox.accounts()] == ["ann@example.com"]
        assert ledger.sandbox.request_log == [("POST", "/api/v2/accounts", 0)]
        with pytest.raises(httpx.RemoteProtocolError):
            ledger.client.post("/api/v2/accounts/1001/disable")
        assert ledger.sandbox.accounts()[0]["status"] == "disabled"
        retried = ledger.client.post("/api/v2/accounts/1001/disable", headers=NO_FAULTS)
        assert code_of(retried) == (409, "invalid_state")  # what a blind retry runs into
        assert rate_headers(retried)[1] == 298  # both dropped requests were counted


# -- seeds and the no-faults header ----------------------------------------------------------


def _pattern(seed: int) -> list[int]:
    with serving(seed=seed, error_rate=0.5) as ledger:
        return [ledger.client.get("/api/v2/accounts").status_code for _ in range(24)]


def test_a_seed_replays_the_same_faults() -> None:
    first = _pattern(11)
    assert first == _pattern(11)
    assert first != _pattern(12)
    assert 200 in first
    assert set(first) - {200}


def test_no_faults_header_is_never_faulted() -> None:
    with serving(error_rate=0.5, timeout_rate=0.25, drop_rate=0.25, rate_limit=1) as ledger:
        for number in range(6):
            body = {"data": {**ACCOUNT["data"], "username": f"v{number}@example.com"}}
            response = ledger.client.post("/api/v2/accounts", json=body, headers=NO_FAULTS)
            assert response.status_code == 201
        assert len(ledger.sandbox.accounts()) == 6


@pytest.mark.parametrize("value", ["true", "0", "yes", ""])
def test_only_the_value_1_skips_faults(value: str) -> None:
    with serving(error_rate=1.0) as ledger:
        response = ledger.client.get("/api/v2/accounts", headers={"X-Legacyapp-No-Faults": value})
        assert response.status_code in (500, 503)


# -- options, reset and synthetic accounts ---------------------------------------------------


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"error_rate": 0.6, "drop_rate": 0.6}, "more than 1"),
        ({"timeout_rate": 1.5}, "within"),
        ({"error_rate": -0.1}, "within"),
        ({"rate_limit": 0}, "rate_limit"),
        ({"rate_window_s": 0}, "rate_window_s"),
        ({"latency_ms": -1}, "latency_ms"),
        ({"hang_s": -1}, "hang_s"),
        ({"accounts": -1}, "accounts"),
        ({"api_key": ""}, "api_key"),
    ],
)
def test_invalid_options(options: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        SandboxOptions(**options)


def test_reset_restores_the_start_but_keeps_key_and_options() -> None:
    with serving(rate_limit=3, seed=2, error_rate=0.5) as ledger:
        before = [ledger.client.get("/api/v2/teams").status_code for _ in range(3)]
        ledger.create_account()
        ledger.create_team("Sales")
        ledger.sandbox.reset()
        assert (ledger.sandbox.accounts(), ledger.sandbox.teams()) == ([], [])
        assert ledger.sandbox.request_log == []
        after = [ledger.client.get("/api/v2/teams").status_code for _ in range(3)]
        assert after == before  # the fault sequence and the window start again
        assert ledger.create_account()["id"] == 1001
        assert ledger.create_team("Sales")["id"] == 1
        assert httpx.get(f"{ledger.url}/api/v2/teams", headers=NO_FAULTS).status_code == 401


def test_synthetic_accounts() -> None:
    with serving(accounts=30) as ledger:
        page = ledger.client.get("/api/v2/accounts", params={"page": 2}).json()
        assert page["meta"] == {"page": 2, "per_page": 25, "total": 30, "total_pages": 2}
        first = ledger.sandbox.accounts()[0]
        assert (first["id"], first["username"], first["status"]) == (
            1001,
            "user00001@example.com",
            "enabled",
        )
        assert ledger.sandbox.accounts()[-1]["employee_number"] == 30
        ledger.create_account()
        ledger.sandbox.reset()
        assert len(ledger.sandbox.accounts()) == 30
        assert ledger.create_account()["id"] == 1031


def test_the_sandbox_answers_without_a_server() -> None:
    sandbox = Sandbox(SandboxOptions(api_key="k"))
    assert sandbox.accounts() == sandbox.teams() == []
    with pytest.raises(ValueError, match="no team with id 3"):
        sandbox.members(3)


# -- concurrency -----------------------------------------------------------------------------


def _concurrent_creates(ledger: Ledger, usernames: list[str]) -> list[httpx.Response]:
    # Clients built up front, so that the calls overlap rather than queue behind set-up.
    clients = [
        httpx.Client(base_url=ledger.url, headers={"X-Api-Key": API_KEY}, timeout=10)
        for _ in usernames
    ]
    try:
        with ThreadPoolExecutor(max_workers=len(usernames)) as pool:
            return list(
                pool.map(
                    lambda pair: pair[0].post(
                        "/api/v2/accounts",
                        json={"data": {**ACCOUNT["data"], "username": pair[1]}},
                    ),
                    zip(clients, usernames, strict=True),
                )
            )
    finally:
        for client in clients:
            client.close()


def test_concurrent_creates_of_one_username_make_one_account() -> None:
    with serving() as ledger:
        responses = _concurrent_creates(ledger, ["same@example.com"] * 12)
        assert sorted(response.status_code for response in responses) == [201] + [409] * 11
        assert len(ledger.sandbox.accounts()) == 1


def test_concurrent_creates_get_distinct_consecutive_ids() -> None:
    with serving() as ledger:
        responses = _concurrent_creates(ledger, [f"u{n}@example.com" for n in range(12)])
        ids = sorted(response.json()["data"]["id"] for response in responses)
        assert ids == list(range(1001, 1013))
