"""The Okta simulator served in this process, and the connector's Okta targets pointed at it."""

from __future__ import annotations

import time
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import httpx

from connector.targets.okta import paging
from connector.targets.okta.client import OktaClient
from connector.targets.okta.groups import OktaGroups
from connector.targets.okta.users import OktaUsers
from oktasim import Simulator, SimulatorOptions

TOKEN = "okta-unit-token"
ATTRIBUTE = "scimExternalId"
# Test set-up goes through this header: never faulted, limited or counted toward a limit.
NO_FAULTS = {"X-Oktasim-No-Faults": "1"}


def options(**changes: Any) -> SimulatorOptions:
    """An org with Okta's concurrency limit, the group externalId attribute declared, and no
    search or activation lag unless a test asks for it (with a Clock to move it on)."""
    values: dict[str, Any] = {
        "token": TOKEN,
        "group_custom_attributes": (ATTRIBUTE,),
        "search_lag_ms": 0.0,
        "activation_ms": 0.0,
    }
    values.update(changes)
    return SimulatorOptions(**values)


@dataclass
class Org:
    sim: Simulator
    url: str
    admin: httpx.Client  # set-up calls, outside the connector

    def user(self, login: str) -> str:
        profile = {"login": login, "email": login, "firstName": "T", "lastName": "User"}
        answer = self.admin.post(
            "/api/v1/users", params={"activate": "false"}, json={"profile": profile}
        )
        assert answer.status_code == 200, answer.text
        return str(answer.json()["id"])

    def users(self, count: int, prefix: str = "u") -> list[str]:
        return [self.user(f"{prefix}{n}@example.com") for n in range(count)]

    def okta_group(self, name: str, **profile: Any) -> dict[str, Any]:
        answer = self.admin.post("/api/v1/groups", json={"profile": {"name": name, **profile}})
        assert answer.status_code == 200, answer.text
        group: dict[str, Any] = answer.json()
        return group

    def delete_user(self, user_id: str) -> None:
        for _ in range(2):  # deactivate, then delete
            assert self.admin.delete(f"/api/v1/users/{user_id}").status_code == 204

    def group(self, group_id: str) -> dict[str, Any]:
        found = [g for g in self.sim.groups() if g["id"] == group_id]
        assert len(found) == 1
        return found[0]

    def named(self, name: str) -> list[dict[str, Any]]:
        return [g for g in self.sim.groups() if g["profile"]["name"].lower() == name.lower()]

    @property
    def everyone(self) -> str:
        return str(next(g["id"] for g in self.sim.groups() if g["type"] == "BUILT_IN"))

    def mark(self) -> int:
        return len(self.sim.request_log)

    def calls_since(self, mark: int) -> list[tuple[str, str, int]]:
        """(method, path without query, status) of each call since `mark`."""
        return [(m, p.split("?")[0], s) for m, p, s in self.sim.request_log[mark:]]


@contextmanager
def org(
    sim_options: SimulatorOptions | None = None, *, clock: Callable[[], float] | None = None
) -> Iterator[Org]:
    sim = Simulator(sim_options or options(), clock=clock or time.monotonic)
    with (
        sim.start(host="127.0.0.1", port=0) as running,
        httpx.Client(
            base_url=running.url,
            headers={"Authorization": f"SSWS {TOKEN}", **NO_FAULTS},
            timeout=30,
        ) as admin,
    ):
        yield Org(sim, running.url, admin)


async def _token(refresh: bool) -> str:
    return TOKEN


def client_for(okta: Org, transport: httpx.AsyncBaseTransport | None = None) -> OktaClient:
    return OktaClient(okta.url, _token, transport=transport)


@asynccontextmanager
async def okta_groups(
    okta: Org, transport: httpx.AsyncBaseTransport | None = None, **kwargs: Any
) -> AsyncIterator[OktaGroups]:
    groups = OktaGroups(client_for(okta, transport), **kwargs)
    try:
        yield groups
    finally:
        await groups.aclose()


@asynccontextmanager
async def okta_users(okta: Org, **kwargs: Any) -> AsyncIterator[OktaUsers]:
    users = OktaUsers(client_for(okta), **kwargs)
    try:
        yield users
    finally:
        await users.aclose()


class LoseAnswers(httpx.AsyncBaseTransport):
    """Sends every request, but loses the answer of the first `count` that `matches` selects:
    the write is applied and the connector sees a dropped connection."""

    def __init__(self, matches: Callable[[httpx.Request], bool], count: int = 1) -> None:
        self._inner = httpx.AsyncHTTPTransport()
        self._matches = matches
        self.left = count

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self._inner.handle_async_request(request)
        if self.left > 0 and self._matches(request):
            self.left -= 1
            await response.aread()
            await response.aclose()
            raise httpx.RemoteProtocolError("connection closed before the answer", request=request)
        return response

    async def aclose(self) -> None:
        await self._inner.aclose()


def closed_page_reads(monkeypatch: Any, module: ModuleType) -> list[str]:
    """The paths of the page reads (paging.pages) `module` starts, each as its read is closed."""
    closed: list[str] = []
    real_pages = paging.pages

    async def recorded(*args: Any) -> AsyncGenerator[Any, None]:
        try:
            async for page in real_pages(*args):
                yield page
        finally:
            closed.append(args[1])

    monkeypatch.setattr(module, "pages", recorded)
    return closed
