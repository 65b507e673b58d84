"""The REST target through the relay, all on loopback: SCIM client → connector (its description's
base URL unreachable directly) → Azure Relay double → the real listener agent → Ledgerline HR.

Entra's sequences replay through it in both PATCH dialects with the application's state checked,
a listing longer than one application page is read page by page through it, and without an
agent every request is a SCIM 503 with Retry-After that writes nothing.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest
import yaml
from endpoint.harness import BEARER, new_user
from relay.conftest import RULES
from relay.double import RelayDouble
from relay_e2e.conftest import HookTransport, agent_for, relay_env

from legacyapp import SandboxOptions

from .harness import API_KEY, SAMPLE, RestStack, ledgerline_stack
from .sequences import SEQUENCES

# Resolves nowhere: every application call must take the relay. Its path is kept (the relay
# sender puts it after the hybrid connection), its host never used.
UNREACHABLE_BASE_URL = "http://ledgerline.invalid/api/v2"
MODES = [pytest.param(False, id="default"), pytest.param(True, id="aadOptscim062020")]
ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"


@dataclass
class RelayedRest:
    rest: RestStack
    double: RelayDouble
    scim: httpx.AsyncClient

    def all_through_the_relay(self) -> None:
        """Every application call came through the relay and was answered by the listener."""
        assert len(self.double.sender_requests) == len(self.rest.app.calls())
        assert self.double.errors == []


@asynccontextmanager
async def relayed_ledgerline(
    *,
    with_agent: bool = True,
    options: SandboxOptions | None = None,
    flag: bool = False,
    env: Mapping[str, str] | None = None,
    agent_path: str = "",
) -> AsyncIterator[RelayedRest]:
    """Everything started and connected; stopped again on the way out, agent first.
    `agent_path`: the path of the agent's --local-base-url (after the sandbox's origin)."""
    double = RelayDouble(rules=dict(RULES), response_timeout=3.0)
    await double.start()
    hook = HookTransport()
    task: asyncio.Task[None] | None = None
    relay = relay_env(double)
    relay.pop("OKTA_ORG_URL")  # the Okta target's setting; this target's is TARGET_BASE_URL
    settings = {**relay, "TARGET_BASE_URL": UNREACHABLE_BASE_URL, **(env or {})}
    try:
        with ledgerline_stack(options, **settings) as rest:
            if with_agent:
                agent = agent_for(double, rest.app_url + agent_path, hook)
                task = asyncio.create_task(agent.run())
                await double.wait_for_listeners(1)
            async with httpx.AsyncClient(
                base_url=rest.tenant_url,
                headers={"Authorization": f"Bearer {BEARER}"},
                params={"aadOptscim062020": ""} if flag else None,
                timeout=60,
            ) as scim:
                yield RelayedRest(rest, double, scim)
            if task is not None:
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
    finally:
        if task is not None and not task.done():
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        hook.release.set()
        await double.stop()


@pytest.mark.parametrize("flag", MODES)
@pytest.mark.parametrize("name", list(SEQUENCES))
async def test_sequence_through_the_relay(name: str, flag: bool) -> None:
    async with relayed_ledgerline(flag=flag) as relayed:
        await SEQUENCES[name](relayed.scim, relayed.rest.app, flag)
        assert relayed.rest.app.calls(), "the sequence reached the application"
        relayed.all_through_the_relay()


async def test_the_base_url_path_and_the_agents_path_both_apply() -> None:
    # The description's baseUrl (here TARGET_BASE_URL) ends in /v2, the agent's
    # --local-base-url in /api: Ledgerline's API is at /api/v2, so both paths are needed.
    env = {"TARGET_BASE_URL": "http://ledgerline.invalid/v2"}
    async with relayed_ledgerline(env=env, agent_path="/api") as relayed:
        created = await relayed.scim.post("/Users", json=new_user("paths@example.com"))
        assert created.status_code == 201, created.text
        read = await relayed.scim.get(f"/Users/{created.json()['id']}")
        assert read.status_code == 200, read.text
        # The sender puts the baseUrl's path after the hybrid connection; the agent puts its
        # own path before it.
        sent = [urlsplit(r.target).path for r in relayed.double.sender_requests]
        assert sent == ["/onprem-rest/v2/accounts", f"/onprem-rest/v2/accounts/{read.json()['id']}"]
        arrived = [urlsplit(target).path for _, target, _ in relayed.rest.app.calls()]
        assert arrived == ["/api/v2/accounts", f"/api/v2/accounts/{read.json()['id']}"]
        relayed.all_through_the_relay()


def small_pages(directory: Path, size: int) -> Path:
    """A copy of the sample description whose list requests ask for `size` accounts a page."""
    description = yaml.safe_load((SAMPLE / "description.yaml").read_text(encoding="utf-8"))
    description["users"]["list"]["paging"]["pageSize"] = size
    copy = directory / "description.yaml"
    copy.write_text(yaml.safe_dump(description, sort_keys=False), encoding="utf-8")
    return copy


def _pages(calls: list[tuple[str, str, int]]) -> list[dict[str, str]]:
    return [
        dict(parse_qsl(urlsplit(target).query))
        for method, target, _ in calls
        if method == "GET" and urlsplit(target).path == "/api/v2/accounts"
    ]


async def test_a_listing_longer_than_a_page_is_read_page_by_page(tmp_path: Path) -> None:
    options = SandboxOptions(api_key=API_KEY, accounts=7)  # user00001@example.com, …
    env = {"TARGET_DESCRIPTION": str(small_pages(tmp_path, 3))}
    async with relayed_ledgerline(options=options, env=env) as relayed:
        app = relayed.rest.app
        await relayed.scim.patch(
            "/Users/1004",
            json={
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": [{"op": "replace", "path": "active", "value": False}],
            },
        )
        everyone = await relayed.scim.get("/Users")
        assert everyone.status_code == 200, everyone.text
        body = everyone.json()
        assert body["totalResults"] == 7
        assert sorted(r["userName"] for r in body["Resources"]) == app.logins()
        assert len(app.logins()) == 7

        before = len(app.calls())
        active = await relayed.scim.get("/Users", params={"filter": "active eq true"})
        assert active.status_code == 200, active.text
        assert sorted(r["id"] for r in active.json()["Resources"]) == sorted(
            u.id for u in app.users() if u.active and u.id != "1004"
        )
        # Six enabled accounts in pages of three: Ledgerline's total ends the walk after two.
        pages = _pages(app.calls()[before:])
        assert [p["page"] for p in pages] == ["1", "2"]
        assert all(p["per_page"] == "3" and p["status"] == "enabled" for p in pages)

        # SCIM paging over the application's pages: every account once.
        seen: list[str] = []
        for start in (1, 3, 5, 7):
            page = await relayed.scim.get("/Users", params={"startIndex": start, "count": 2})
            assert page.json()["totalResults"] == 7
            seen += [r["userName"] for r in page.json()["Resources"]]
        assert sorted(seen) == app.logins()
        relayed.all_through_the_relay()
    # The full listing of seven asked for three pages, the last one short.
    assert [p["page"] for p in _pages(app.calls()[:before])] == ["1", "2", "3"]


def _assert_scim_503(response: httpx.Response) -> None:
    assert response.status_code == 503, response.text
    assert int(response.headers["retry-after"]) >= 1
    assert response.headers["content-type"].startswith("application/scim+json")
    assert response.json()["schemas"] == [ERROR]
    assert response.json()["status"] == "503"


async def test_without_the_agent_every_request_is_503_and_nothing_is_written() -> None:
    options = SandboxOptions(api_key=API_KEY, accounts=1)
    budget = {"REQUEST_BUDGET_SECONDS": "2"}
    async with relayed_ledgerline(with_agent=False, options=options, env=budget) as relayed:
        app = relayed.rest.app
        before = app.users()
        _assert_scim_503(
            await relayed.scim.get("/Users", params={"filter": 'userName eq "x@example.com"'})
        )
        _assert_scim_503(await relayed.scim.post("/Users", json=new_user("new@example.com")))
        disable = {
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{"op": "replace", "path": "active", "value": False}],
        }
        _assert_scim_503(await relayed.scim.patch("/Users/1001", json=disable))
        _assert_scim_503(await relayed.scim.delete("/Users/1001"))
        # The connector tried (through the relay, the only way it has) and nothing arrived.
        assert len(relayed.double.sender_requests) >= 4
        assert app.calls() == []
        assert app.users() == before
