"""Shared helpers for the oktasim tests: a served simulator plus an authenticated client."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from clocks import Clock

from oktasim import Simulator, SimulatorOptions

TOKEN = "t0ken"
NO_FAULTS = {"X-Oktasim-No-Faults": "1"}
USER_ID = re.compile(r"^00u[A-Za-z0-9]{17}$")
GROUP_ID = re.compile(r"^00g[A-Za-z0-9]{17}$")
TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
PASSWORD = "Sup3rSecret!"


def profile(login: str, **extra: Any) -> dict[str, Any]:
    first, _, _ = login.partition("@")
    values: dict[str, Any] = {
        "login": login,
        "email": login,
        "firstName": first.split(".")[0].title(),
        "lastName": "Tester",
    }
    values.update(extra)
    return values


@dataclass
class Okta:
    sim: Simulator
    client: httpx.Client
    url: str
    _counter: list[int] = field(default_factory=lambda: [0])

    def fresh(self) -> Okta:
        """Back to an empty org with the default token, for a server shared by many tests."""
        self.sim.reset()
        self.sim.set_token(TOKEN)
        self.sim.set_deprovisioned_updates(SimulatorOptions.deprovisioned_updates)
        return self

    def create(
        self,
        login: str | None = None,
        *,
        password: bool = False,
        activate: bool | None = None,
        **extra: Any,
    ) -> dict[str, Any]:
        """Creates a user (through the no-faults path) and returns Okta's JSON for it."""
        if login is None:
            self._counter[0] += 1
            login = f"user{self._counter[0]:04d}@example.com"
        body: dict[str, Any] = {"profile": profile(login, **extra)}
        if password:
            body["credentials"] = {"password": {"value": PASSWORD}}
        params = {} if activate is None else {"activate": str(activate).lower()}
        response = self.client.post("/api/v1/users", json=body, params=params, headers=NO_FAULTS)
        assert response.status_code == 200, response.text
        result: dict[str, Any] = response.json()
        return result

    def create_group(self, name: str, **profile: Any) -> dict[str, Any]:
        """Creates an OKTA_GROUP (through the no-faults path) and returns Okta's JSON for it."""
        body = {"profile": {"name": name, **profile}}
        response = self.client.post("/api/v1/groups", json=body, headers=NO_FAULTS)
        assert response.status_code == 200, response.text
        result: dict[str, Any] = response.json()
        return result

    def add_member(self, group_id: str, user_id: str) -> httpx.Response:
        # Okta answers 411 to a PUT without Content-Length, so an empty body is sent.
        return self.client.put(f"/api/v1/groups/{group_id}/users/{user_id}", content=b"")

    def everyone(self) -> dict[str, Any]:
        response = self.client.get(
            "/api/v1/groups", params={"filter": 'type eq "BUILT_IN"'}, headers=NO_FAULTS
        )
        (group,) = response.json()
        result: dict[str, Any] = group
        return result

    def lifecycle(self, user_id: str, operation: str, **params: str) -> httpx.Response:
        return self.client.post(
            f"/api/v1/users/{user_id}/lifecycle/{operation}", content=b"", params=params
        )

    def status_of(self, user_id: str) -> str:
        response = self.client.get(f"/api/v1/users/{user_id}", headers=NO_FAULTS)
        status: str = response.json()["status"]
        return status


def error_code(response: httpx.Response) -> str:
    code: str = response.json()["errorCode"]
    return code


def raw_links(response: httpx.Response) -> list[str]:
    """Every `Link` header line as sent, without httpx joining or splitting anything."""
    return [value.decode() for name, value in response.headers.raw if name.lower() == b"link"]


def next_url(response: httpx.Response) -> str | None:
    for line in raw_links(response):
        match = re.fullmatch(r'<([^>]*)>; rel="next"', line)
        if match:
            return match.group(1)
    return None


@contextmanager
def serving(
    clock: Clock | None = None,
    sleep: Callable[[float], None] | None = None,
    wall_clock: Callable[[], float] | None = None,
    **options: Any,
) -> Iterator[Okta]:
    """A served simulator on a fake clock. The search index and activation lag only where a
    test asks for them: each test of another feature would otherwise have to move the clock
    on after every write (the defaults themselves are tested in test_oktasim_defaults.py).
    `sleep` is what the latency fault waits with (default: the real `time.sleep`), `wall_clock`
    what the rate limits count windows by (default: the real `time.time`)."""
    options.setdefault("token", TOKEN)
    options.setdefault("search_lag_ms", 0.0)
    options.setdefault("activation_ms", 0.0)
    sim = Simulator(
        SimulatorOptions(**options),
        clock=clock or Clock(),
        sleep=sleep or time.sleep,
        wall_clock=wall_clock or time.time,
    )
    with (
        sim.start(host="127.0.0.1", port=0) as running,
        httpx.Client(
            base_url=running.url, headers={"Authorization": f"SSWS {TOKEN}"}, timeout=10.0
        ) as client,
    ):
        yield Okta(sim, client, running.url)


def shared_org() -> tuple[object, object]:
    """The fixtures `server` (one served simulator for the whole test module) and `okta` (that
    simulator as a new org, for each test), which a test module takes with
    `server, okta = shared_org()`.

    Not a conftest.py: this folder cannot be a package (it would be named `oktasim` and shadow
    the simulator), and two package-less conftest.py files are one module name to mypy.
    """

    @pytest.fixture(scope="module")
    def server() -> Iterator[Okta]:
        with serving() as harness:
            yield harness

    @pytest.fixture
    def okta(server: Okta) -> Okta:
        return server.fresh()

    return server, okta
