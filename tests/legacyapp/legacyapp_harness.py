"""Shared helpers: a fake clock, a served sandbox with a client, and record factories."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from legacyapp import Sandbox, SandboxOptions
from simkit.clock import FakeClock

API_KEY = "k3y"
NO_FAULTS = {"X-Legacyapp-No-Faults": "1"}
MERGE_PATCH = {"Content-Type": "application/merge-patch+json"}
JSON_UTF8 = "application/json; charset=utf-8"
START = datetime(2026, 12, 1, 10, 0, 0, tzinfo=UTC).timestamp()
START_TEXT = "2026-12-01T10:00:00Z"


@dataclass
class Ledger:
    sandbox: Sandbox
    client: httpx.Client
    url: str
    clock: FakeClock
    _counter: list[int] = field(default_factory=lambda: [0])

    def fresh(self) -> Ledger:
        """Back to an empty sandbox at START, for a server shared by many tests."""
        self.sandbox.reset()
        self.clock.set(START)
        return self

    def create_account(self, username: str | None = None, **extra: Any) -> dict[str, Any]:
        """Creates an account through the no-faults path and returns its JSON."""
        if username is None:
            self._counter[0] += 1
            username = f"user{self._counter[0]:04d}@example.com"
        fields: dict[str, Any] = {
            "username": username,
            "first_name": "Test",
            "last_name": "User",
            "email": username if "@" in username else f"{username}@example.com",
        }
        fields.update(extra)
        response = self.client.post("/api/v2/accounts", json={"data": fields}, headers=NO_FAULTS)
        assert response.status_code == 201, response.text
        account: dict[str, Any] = response.json()["data"]
        return account

    def create_team(self, name: str, **extra: Any) -> dict[str, Any]:
        response = self.client.post(
            "/api/v2/teams", json={"data": {"name": name, **extra}}, headers=NO_FAULTS
        )
        assert response.status_code == 201, response.text
        team: dict[str, Any] = response.json()["data"]
        return team

    def patch(self, path: str, body: Any, content_type: str | None = None) -> httpx.Response:
        headers = {"Content-Type": content_type or MERGE_PATCH["Content-Type"]}
        return self.client.patch(path, json=body, headers=headers)

    def add_members(self, team_id: int, account_ids: list[Any]) -> httpx.Response:
        return self.client.post(
            f"/api/v2/teams/{team_id}/members", json={"data": {"account_ids": account_ids}}
        )


def error_of(response: httpx.Response) -> dict[str, Any]:
    """The `error` object, after checking the JSON content type every error carries."""
    assert response.headers["Content-Type"] == JSON_UTF8
    body = response.json()
    assert list(body) == ["error"]
    error: dict[str, Any] = body["error"]
    return error


def code_of(response: httpx.Response) -> tuple[int, str]:
    return response.status_code, error_of(response)["code"]


def fields_of(response: httpx.Response) -> list[tuple[str, str]]:
    """A 422's (field, message) pairs, in order."""
    assert code_of(response) == (422, "validation_failed")
    return [(item["field"], item["message"]) for item in error_of(response)["fields"]]


def rate_headers(response: httpx.Response) -> tuple[int, int, int]:
    headers = response.headers
    return (
        int(headers["X-RateLimit-Limit"]),
        int(headers["X-RateLimit-Remaining"]),
        int(headers["X-RateLimit-Reset"]),
    )


@contextmanager
def serving(clock: FakeClock | None = None, **options: Any) -> Iterator[Ledger]:
    options.setdefault("api_key", API_KEY)
    clock = clock or FakeClock(START)
    sandbox = Sandbox(SandboxOptions(**options), clock=clock)
    with (
        sandbox.start(host="127.0.0.1", port=0) as running,
        httpx.Client(base_url=running.url, headers={"X-Api-Key": API_KEY}, timeout=10.0) as client,
    ):
        yield Ledger(sandbox, client, running.url, clock)


def shared_sandbox() -> tuple[object, object]:
    """The fixtures `server` (one served sandbox for the whole test module) and `ledger` (that
    sandbox back at its start, for each test), which a test module takes with
    `server, ledger = shared_sandbox()`.

    Not a conftest.py: this folder cannot be a package (it would be named `legacyapp` and
    shadow the sandbox), and two package-less conftest.py files are one module name to mypy.
    """

    @pytest.fixture(scope="module")
    def server() -> Iterator[Ledger]:
        with serving() as harness:
            yield harness

    @pytest.fixture
    def ledger(server: Ledger) -> Ledger:
        return server.fresh()

    return server, ledger
