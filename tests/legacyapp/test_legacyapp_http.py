"""The HTTP envelope: authentication, routes and methods, bodies, content types and framing."""

from __future__ import annotations

import json
import socket
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from legacyapp_harness import API_KEY, JSON_UTF8, Ledger, code_of, error_of, shared_sandbox

server, ledger = shared_sandbox()


def _raw(ledger: Ledger, request: bytes) -> tuple[int, dict[str, str], bytes]:
    """Sends bytes as they are and reads the one response (the server then closes)."""
    address = urlsplit(ledger.url)
    assert address.hostname is not None
    assert address.port is not None
    with socket.create_connection((address.hostname, address.port), timeout=5) as connection:
        connection.sendall(request)
        received = b""
        while chunk := connection.recv(65536):
            received += chunk
    head, _, body = received.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode().split("\r\n")
    headers = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return int(status_line.split()[1]), headers, body


# -- authentication --------------------------------------------------------------------------

UNAUTHORIZED = {"error": {"code": "unauthorized", "message": "missing or invalid API key"}}


@pytest.mark.parametrize(
    "key", [None, "", "wrong", API_KEY.upper(), f"Bearer {API_KEY}", API_KEY[:-1]]
)
def test_missing_or_wrong_key_is_401(ledger: Ledger, key: str | None) -> None:
    headers = {} if key is None else {"X-Api-Key": key}
    response = httpx.get(f"{ledger.url}/api/v2/accounts", headers=headers)
    assert (response.status_code, response.json()) == (401, UNAUTHORIZED)
    assert response.headers["Content-Type"] == JSON_UTF8
    assert "X-RateLimit-Remaining" in response.headers


def test_key_header_name_is_case_insensitive(ledger: Ledger) -> None:
    response = httpx.get(f"{ledger.url}/api/v2/accounts", headers={"x-api-key": API_KEY})
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/nowhere"),
        ("PUT", "/api/v2/accounts"),
        ("POST", "/api/v2/accounts"),
        ("DELETE", "/api/v2/accounts/1001"),
    ],
)
def test_authentication_comes_before_routing_and_writes(
    ledger: Ledger, method: str, path: str
) -> None:
    response = httpx.request(
        method, f"{ledger.url}{path}", json={"data": {}}, headers={"X-Api-Key": "nope"}
    )
    assert (response.status_code, response.json()) == (401, UNAUTHORIZED)
    assert ledger.sandbox.accounts() == []


# -- routes and methods ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/api",
        "/api/v2",
        "/api/v2/",
        "/api/v1/accounts",
        "/api/v2/users",
        "/api/v2/accounts/",
        "/api/v2/accounts/1001/",
        "/api/v2/accounts//enable",
        "/api/v2/accounts/1001/lock",
        "/api/v2/teams/1/members/1001/extra",
        "/API/V2/accounts",
    ],
)
def test_unknown_routes_are_404(ledger: Ledger, path: str) -> None:
    response = ledger.client.get(path)
    assert code_of(response) == (404, "not_found")
    assert error_of(response)["message"] == f"no such endpoint: GET {path}"


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("PUT", "/api/v2/accounts", "GET, POST"),
        ("DELETE", "/api/v2/accounts", "GET, POST"),
        ("PUT", "/api/v2/accounts/1001", "GET, PATCH, DELETE"),
        ("POST", "/api/v2/accounts/1001", "GET, PATCH, DELETE"),
        ("GET", "/api/v2/accounts/1001/enable", "POST"),
        ("DELETE", "/api/v2/accounts/1001/disable", "POST"),
        ("PATCH", "/api/v2/teams", "GET, POST"),
        ("POST", "/api/v2/teams/1", "GET, PATCH, DELETE"),
        ("DELETE", "/api/v2/teams/1/members", "GET, POST"),
        ("GET", "/api/v2/teams/1/members/1001", "DELETE"),
        ("OPTIONS", "/api/v2/accounts", "GET, POST"),
    ],
)
def test_wrong_method_is_405_with_allow(ledger: Ledger, method: str, path: str, allow: str) -> None:
    response = ledger.client.request(method, path)
    assert code_of(response) == (405, "method_not_allowed")
    assert response.headers["Allow"] == allow
    assert error_of(response)["message"] == (
        f"method {method} is not allowed here; allowed: {allow}"
    )


def test_head_is_405_without_a_body(ledger: Ledger) -> None:
    response = ledger.client.head("/api/v2/accounts")
    assert (response.status_code, response.headers["Allow"], response.content) == (
        405,
        "GET, POST",
        b"",
    )
    assert ledger.client.get("/api/v2/accounts").status_code == 200  # the connection is sane


def test_percent_encoded_ids(ledger: Ledger) -> None:
    ledger.create_account()
    assert ledger.client.get("/api/v2/accounts/%31001").status_code == 200
    response = ledger.client.get("/api/v2/accounts/1001%2Fenable")
    assert error_of(response)["message"] == "no account with id 1001/enable"


# -- bodies ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"{",
        b'{"data": {"username": "a"},}',
        b"{'data': {}}",
        b'{"data": NaN}',
        b'{"data": {"employee_number": Infinity}}',
        b'{"data": {"username": "\xff"}}',
        b'{"data": {"username": "\\ud800"}}',
        b"[" * 100_000 + b"]" * 100_000,
    ],
)
def test_malformed_json_is_400(ledger: Ledger, body: bytes) -> None:
    response = ledger.client.post(
        "/api/v2/accounts", content=body, headers={"Content-Type": "application/json"}
    )
    assert error_of(response) == {
        "code": "bad_request",
        "message": "request body is not valid JSON",
    }
    assert ledger.sandbox.accounts() == []


@pytest.mark.parametrize("body", [[], "data", 3, None, True])
def test_body_must_be_an_object(ledger: Ledger, body: Any) -> None:
    response = ledger.client.post(
        "/api/v2/accounts",
        content=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
    )
    assert error_of(response) == {
        "code": "bad_request",
        "message": "request body must be a JSON object",
    }


def test_non_ascii_text_round_trips(ledger: Ledger) -> None:
    account = ledger.create_account("zoë@example.com", first_name="Zoë", last_name="Ōtsuka")
    response = ledger.client.get("/api/v2/accounts/1001")
    assert response.json()["data"] == account
    assert "Zoë".encode() in response.content  # UTF-8, not \u escapes


def test_body_over_one_mebibyte_is_413(ledger: Ledger) -> None:
    status, headers, body = _raw(
        ledger,
        b"POST /api/v2/accounts HTTP/1.1\r\nHost: x\r\nX-Api-Key: k3y\r\n"
        b"Content-Type: application/json\r\nContent-Length: 1048577\r\n\r\n",
    )
    assert status == 413
    assert json.loads(body)["error"]["code"] == "payload_too_large"
    assert headers["connection"] == "close"


# "\xb2" is "²", a digit to str.isdigit() that int() refuses.
@pytest.mark.parametrize("length", [b"ten", b"\xb2", b"-2", b""])
def test_bad_content_length_is_400(ledger: Ledger, length: bytes) -> None:
    status, headers, body = _raw(
        ledger,
        b"POST /api/v2/accounts HTTP/1.1\r\nHost: x\r\nX-Api-Key: k3y\r\n"
        b"Content-Type: application/json\r\nContent-Length: " + length + b"\r\n\r\n{}",
    )
    assert status == 400
    assert json.loads(body) == {
        "error": {"code": "bad_request", "message": "invalid Content-Length header"}
    }
    assert headers["connection"] == "close"


def test_chunked_bodies_are_not_read(ledger: Ledger) -> None:
    status, headers, body = _raw(
        ledger,
        b"POST /api/v2/accounts HTTP/1.1\r\nHost: x\r\nX-Api-Key: k3y\r\n"
        b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"2\r\n{}\r\n0\r\n\r\n",
    )
    assert (status, json.loads(body)["error"]["code"]) == (400, "bad_request")
    assert headers["connection"] == "close"
    assert ledger.sandbox.accounts() == []


def test_keep_alive_serves_many_requests_on_one_connection(ledger: Ledger) -> None:
    for _ in range(3):
        ledger.create_account()
    statuses = [ledger.client.get(f"/api/v2/accounts/{1001 + n}").status_code for n in range(3)]
    assert statuses == [200, 200, 200]


def test_every_answer_is_json_except_204(ledger: Ledger) -> None:
    ledger.create_account()
    responses = [
        ledger.client.get("/api/v2/accounts"),
        ledger.client.get("/api/v2/accounts/1001"),
        ledger.client.get("/api/v2/nothing"),
        ledger.client.post("/api/v2/accounts/1001/enable"),
        ledger.client.post("/api/v2/teams", json={"data": {"name": "T"}}),
    ]
    assert [response.headers["Content-Type"] for response in responses] == [JSON_UTF8] * 5
    assert [response.headers["Server"] for response in responses] == ["nginx"] * 5


def test_request_log_records_method_target_and_status(ledger: Ledger) -> None:
    ledger.client.get("/api/v2/accounts", params={"page": "1", "x": "y z"})
    ledger.client.get("/api/v2/accounts/77")
    httpx.get(f"{ledger.url}/api/v2/teams")
    assert ledger.sandbox.request_log == [
        ("GET", "/api/v2/accounts?page=1&x=y+z", 200),
        ("GET", "/api/v2/accounts/77", 404),
        ("GET", "/api/v2/teams", 401),
    ]
