"""Rate limits (IETF RateLimit fields, clock-aligned windows), body framing, the request log,
reset, and what the wire looks like."""

from __future__ import annotations

import socket
from typing import Any

import httpx
import pytest

from .app import MAX_BODY_BYTES
from .harness import START, Peopledir, detail_of, person_body, problem_of, rate_headers, serving
from .messages import Request


def _get_people(pd: Peopledir) -> httpx.Response:
    return pd.api.get("/v1/people")


def test_every_response_carries_the_ratelimit_fields() -> None:
    with serving(rate_limit=10) as pd:  # the token request made by serving() counted
        responses = [
            _get_people(pd),
            pd.anon.get("/v1/people"),  # 401
            pd.api.get("/v1/nowhere"),  # 404
            pd.request_token(),  # the token endpoint
            pd.request_token(auth=("x", "y")),  # 401 invalid_client
        ]
        for remaining, response in zip(range(8, 3, -1), responses, strict=True):
            assert rate_headers(response) == (10, remaining, 60)
            assert response.headers["RateLimit-Policy"] == "10;w=60"


def test_windows_are_aligned_to_the_clock_and_reset_counts_down() -> None:
    with serving(rate_limit=5) as pd:  # START is 10:00:00, a window boundary
        pd.clock.advance(12.5)
        assert rate_headers(_get_people(pd)) == (5, 3, 48)  # 47.5 s left, rounded up
        pd.clock.advance(47.25)
        assert rate_headers(_get_people(pd)) == (5, 2, 1)  # 0.25 s left is still 1
        pd.clock.advance(0.25)  # 10:01:00: a new window
        assert rate_headers(_get_people(pd)) == (5, 4, 60)


def test_over_the_limit_is_429_with_retry_after_and_nothing_is_done() -> None:
    with serving(rate_limit=3) as pd:
        pd.create("alice")
        pd.clock.advance(20)
        _get_people(pd)
        response = pd.api.post("/v1/people", json=person_body("bob"))
        assert detail_of(response, "rate-limited") == (
            "The limit of 3 requests per 60 seconds is reached; retry in 40 seconds."
        )
        assert response.headers["Retry-After"] == "40"
        assert rate_headers(response) == (3, 0, 40)
        assert [person["login"] for person in pd.app.people()] == ["alice"]


def test_refused_requests_do_not_count_and_the_next_window_is_full() -> None:
    with serving(rate_limit=2) as pd:
        _get_people(pd)
        for _ in range(5):
            assert _get_people(pd).status_code == 429
        pd.clock.advance(60)
        assert rate_headers(_get_people(pd)) == (2, 1, 60)


def test_429_comes_before_authentication_and_the_token_endpoint() -> None:
    with serving(rate_limit=1) as pd:
        problem_of(pd.anon.get("/v1/people"), "rate-limited")
        problem_of(pd.request_token(), "rate-limited")


def test_the_window_length_is_configurable() -> None:
    with serving(rate_limit=100, rate_window_s=10) as pd:
        pd.clock.advance(3)
        response = _get_people(pd)
        assert rate_headers(response) == (100, 98, 7)
        assert response.headers["RateLimit-Policy"] == "100;w=10"


def test_the_default_is_3000_per_minute_for_the_whole_tenant(pd: Peopledir) -> None:
    # Driven in process: 2998 requests more than the fixture's token request and this GET.
    assert rate_headers(_get_people(pd)) == (3000, 2998, 60)
    request = Request("GET", "/v1/people", "", {})
    for _ in range(2998):
        pd.app.handle(request)
    assert problem_of(_get_people(pd), "rate-limited")["status"] == 429


# -- body framing ------------------------------------------------------------------------------


def _raw(pd: Peopledir, head: str, body: bytes = b"") -> bytes:
    """Sends bytes as they are and reads until the server closes (bounded by a timeout)."""
    host, port = pd.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as connection:
        connection.sendall(head.encode() + b"\r\n" + body)
        chunks = []
        while chunk := connection.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def _head(pd: Peopledir, extra: str) -> str:
    token = pd.api.headers["Authorization"]
    return (
        f"POST /v1/people HTTP/1.1\r\nHost: x\r\nAuthorization: {token}\r\n"
        f"Content-Type: application/json\r\n{extra}"
    )


def test_a_chunked_body_is_411_and_the_connection_closes(pd: Peopledir) -> None:
    answer = _raw(pd, _head(pd, "Transfer-Encoding: chunked\r\n"), b"2\r\n{}\r\n0\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 411 ")
    assert b"Connection: close" in answer
    assert b"/problems/length-required" in answer
    assert pd.app.people() == []


@pytest.mark.parametrize("header", ["Content-Length: ten\r\n", "Content-Length: \r\n"])
def test_a_bad_content_length_is_411(pd: Peopledir, header: str) -> None:
    answer = _raw(pd, _head(pd, header))
    assert answer.startswith(b"HTTP/1.1 411 ")


def test_a_body_over_64_kib_is_413(pd: Peopledir) -> None:
    text = httpx.Request("POST", "/", json=person_body("alice")).content
    answer = _raw(pd, _head(pd, f"Content-Length: {MAX_BODY_BYTES + 1}\r\nConnection: close\r\n"))
    assert answer.startswith(b"HTTP/1.1 413 ")
    assert b"Request bodies are limited to 65536 bytes." in answer
    big = pd.api.post("/v1/people", content=b" " * (MAX_BODY_BYTES + 1))
    problem_of(big, "payload-too-large")
    exact = pd.api.post(
        "/v1/people",
        content=text + b" " * (MAX_BODY_BYTES - len(text)),
        headers={"Content-Type": "application/json"},
    )
    assert exact.status_code == 201


# -- failures, log, reset, wire ----------------------------------------------------------------


def test_a_bug_answers_500_as_a_problem_without_a_trace(
    pd: Peopledir, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_: Any) -> Any:
        raise RuntimeError("secret internals")

    monkeypatch.setattr(pd.app._store, "people", broken)
    monkeypatch.setattr(pd.app._store, "page", broken)
    response = _get_people(pd)
    assert detail_of(response, "internal") == "Something went wrong on our side."
    assert "secret" not in response.text
    assert "RateLimit-Limit" in response.headers


def test_the_request_log_records_method_target_and_status(pd: Peopledir) -> None:
    pd.api.get("/v1/people?limit=5")
    pd.anon.get("/v1/people")
    assert pd.app.request_log == [
        ("POST", "/oauth2/token", 200),
        ("GET", "/v1/people?limit=5", 200),
        ("GET", "/v1/people", 401),
    ]


def test_reset_forgets_people_tokens_log_and_counts(pd: Peopledir) -> None:
    pd.create()
    pd.app.reset()
    assert pd.app.people() == []
    assert pd.app.request_log == []
    problem_of(_get_people(pd), "unauthorized")  # the old token is gone
    assert rate_headers(_get_people(pd))[1] == 2998  # counted from zero again


def test_non_ascii_is_sent_as_utf8_not_escaped(pd: Peopledir) -> None:
    response = pd.api.post("/v1/people", json=person_body("zoe", displayName="Zoë"))
    assert "Zoë".encode() in response.content
    assert b"\\u00eb" not in response.content


def test_only_loopback_hosts_are_served() -> None:
    from .app import PeopledirApp

    with pytest.raises(ValueError, match="non-loopback"):
        PeopledirApp().start(host="0.0.0.0")  # noqa: S104 - the refusal is what is tested


def test_options_are_checked() -> None:
    from .app import PeopledirOptions

    for bad, message in (
        ({"client_secret": ""}, "must not be empty"),
        ({"scopes": ("people:admin",)}, "scopes must be"),
        ({"scopes": ()}, "scopes must be"),
        ({"token_lifetime_s": 0}, "token_lifetime_s must be at least 1"),
        ({"rate_limit": 0}, "rate_limit must be at least 1"),
    ):
        with pytest.raises(ValueError, match=message):
            PeopledirOptions(**bad)


def test_the_clock_drives_the_timestamps(pd: Peopledir) -> None:
    pd.clock.set(START + 0.25)
    assert pd.create()["createdAt"] == "2026-12-01T10:00:00.250Z"
