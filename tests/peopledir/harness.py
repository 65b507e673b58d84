"""Shared test helpers: a served Peopledir on a fake clock, with an authorised and an anonymous
client, person bodies, and checks of the problem format."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote_plus

import httpx

from simkit.clock import FakeClock

from .app import PeopledirApp, PeopledirOptions
from .problems import PROBLEM_JSON, TYPE_BASE, TYPES

START = datetime(2026, 12, 1, 10, 0, 0, tzinfo=UTC).timestamp()
START_TEXT = "2026-12-01T10:00:00.000Z"
CLIENT = ("peopledir-test-client", "peopledir-test-secret")
GRANT = {"grant_type": "client_credentials"}
ID_PATTERN = r"p_[A-Za-z0-9]{16}"


@dataclass
class Peopledir:
    app: PeopledirApp
    clock: FakeClock
    url: str
    api: httpx.Client  # sends the current access token
    anon: httpx.Client  # sends no Authorization header
    _counter: list[int] = field(default_factory=lambda: [0])

    def fresh(self) -> Peopledir:
        """Back to an empty directory at START with a new full-scope token."""
        self.app.reset()
        self.clock.set(START)
        self.use_token(self.token())
        return self

    def request_token(
        self, form: dict[str, str] | None = None, auth: tuple[str, str] | bool | None = True
    ) -> httpx.Response:
        """POST /oauth2/token with the app's own client in a Basic header (auth=True), other
        credentials (a pair), or no Authorization header (None)."""
        if auth is True:
            auth = (self.app.options.client_id, self.app.options.client_secret)
        headers = {} if not isinstance(auth, tuple) else {"Authorization": basic(*auth)}
        return self.anon.post("/oauth2/token", data=form or GRANT, headers=headers)

    def token(self, scope: str | None = None) -> str:
        form = dict(GRANT) if scope is None else {**GRANT, "scope": scope}
        response = self.request_token(form)
        assert response.status_code == 200, response.text
        token: str = response.json()["access_token"]
        return token

    def use_token(self, token: str) -> None:
        self.api.headers["Authorization"] = f"Bearer {token}"

    def create(self, login: str | None = None, **extra: Any) -> dict[str, Any]:
        response = self.api.post(
            "/v1/people", json=person_body(login or self.next_login(), **extra)
        )
        assert response.status_code == 201, response.text
        person: dict[str, Any] = response.json()
        return person

    def next_login(self) -> str:
        self._counter[0] += 1
        return f"user{self._counter[0]:03d}"


def basic(client_id: str, secret: str) -> str:
    """RFC 6749 2.3.1: both parts form-urlencoded, joined by ":", then base64-encoded."""
    joined = f"{quote_plus(client_id)}:{quote_plus(secret)}"
    return "Basic " + base64.b64encode(joined.encode()).decode()


def person_body(login: str, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "login": login,
        "email": f"{login}@example.com",
        "name": {"given": "Test", "family": "Person"},
    }
    body.update(extra)
    return body


def problem_of(response: httpx.Response, slug: str) -> dict[str, Any]:
    """The problem document, after checking its media type, type, title and status."""
    assert response.headers["Content-Type"] == PROBLEM_JSON, response.text
    body: dict[str, Any] = response.json()
    status, title = TYPES[slug]
    assert response.status_code == status, response.text
    assert body["type"] == TYPE_BASE + slug
    assert body["title"] == title
    assert body["status"] == status
    assert isinstance(body["detail"], str)
    return body


def detail_of(response: httpx.Response, slug: str) -> str:
    detail: str = problem_of(response, slug)["detail"]
    return detail


def errors_of(response: httpx.Response) -> list[tuple[str, str]]:
    """A validation problem's (pointer, detail) pairs, in order."""
    body = problem_of(response, "validation-error")
    return [(item["pointer"], item["detail"]) for item in body["errors"]]


def rate_headers(response: httpx.Response) -> tuple[int, int, int]:
    headers = response.headers
    return (
        int(headers["RateLimit-Limit"]),
        int(headers["RateLimit-Remaining"]),
        int(headers["RateLimit-Reset"]),
    )


@contextmanager
def serving(clock: FakeClock | None = None, **options: Any) -> Iterator[Peopledir]:
    """A Peopledir with the given options, already holding a full-scope token."""
    clock = clock or FakeClock(START)
    app = PeopledirApp(PeopledirOptions(**options), clock=clock)
    with (
        app.start(host="127.0.0.1", port=0) as running,
        httpx.Client(base_url=running.url, timeout=10.0) as api,
        httpx.Client(base_url=running.url, timeout=10.0) as anon,
    ):
        served = Peopledir(app, clock, running.url, api, anon)
        served.use_token(served.token())
        yield served
