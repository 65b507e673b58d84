"""The whole path on loopback: SCIM client → connector (served over HTTP) → relay double →
listener agent → the Okta simulator standing in for the on-premises application.

The connector runs in its own thread (as `python -m connector serve` does); the double and the
agent run on the test's event loop, so SCIM calls here are async and never block that loop.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass

import httpx
from endpoint.harness import BEARER, Stack, stack
from relay.conftest import LISTEN_KEY, RULES, SEND_KEY
from relay.double import RelayDouble

from oktasim import SimulatorOptions
from relay_agent.agent import Agent
from relay_agent.config import AgentConfig
from relay_agent.forward import Forwarder

# The connector is given an origin that does not resolve: every Okta call must take the relay.
UNREACHABLE_ORG = "http://legacy-app.invalid"


class HookTransport(httpx.AsyncBaseTransport):
    """The agent's way to the local application, able to hold one chosen request.

    `hold(method, path)` arms it: the next matching request sets `arrived` and waits for
    `release` before it goes on to the application, so a test can act while it is in flight.
    """

    def __init__(self) -> None:
        self._inner = httpx.AsyncHTTPTransport()
        self._armed: tuple[str, str] | None = None
        self.arrived = asyncio.Event()
        self.release = asyncio.Event()

    def hold(self, method: str, path: str) -> None:
        self._armed = (method, path)
        self.arrived.clear()
        self.release.clear()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self._armed == (request.method, request.url.path):
            self._armed = None
            self.arrived.set()
            await self.release.wait()
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self._inner.aclose()


@dataclass
class RelayStack:
    okta: Stack
    double: RelayDouble
    hook: HookTransport
    agent: Agent | None
    scim: httpx.AsyncClient

    def okta_writes(self) -> list[tuple[str, str, int]]:
        return [c for c in self.okta.sim.request_log if c[0] != "GET"]


def agent_for(double: RelayDouble, local_url: str, hook: HookTransport) -> Agent:
    config = AgentConfig(
        namespace=double.namespace,
        hybrid_connection=double.hybrid_connection,
        rule_name="defaultListener",
        key=LISTEN_KEY,
        local_base_url=local_url,
        relay_url=f"ws://127.0.0.1:{double.port}",
        timeout_seconds=5.0,
        ping_interval_seconds=None,
    )
    forwarder = Forwarder(local_url, double.hybrid_connection, 5.0, transport=hook)
    return Agent(config, forwarder)


def relay_env(double: RelayDouble, send_key: str = SEND_KEY) -> dict[str, str]:
    return {
        "RELAY_NAMESPACE": double.namespace,
        "RELAY_HYBRID_CONNECTION": double.hybrid_connection,
        "RELAY_SEND_RULE_NAME": "defaultSender",
        "RELAY_SEND_KEY": send_key,
        "RELAY_ENDPOINT_URL": double.url,
        "OKTA_ORG_URL": UNREACHABLE_ORG,
    }


@asynccontextmanager
async def relay_stack(
    *,
    with_agent: bool = True,
    send_key: str = SEND_KEY,
    options: SimulatorOptions | None = None,
    relay_timeout: float = 3.0,
    env: Mapping[str, str] | None = None,
) -> AsyncIterator[RelayStack]:
    """Everything started and connected; stopped again on the way out, agent first."""
    double = RelayDouble(rules=dict(RULES), response_timeout=relay_timeout)
    await double.start()
    hook = HookTransport()
    task: asyncio.Task[None] | None = None
    try:
        with stack(options, **{**relay_env(double, send_key), **(env or {})}) as okta:
            agent = None
            if with_agent:
                agent = agent_for(double, okta.okta_url, hook)
                task = asyncio.create_task(agent.run())
                await double.wait_for_listeners(1)
            async with httpx.AsyncClient(
                base_url=okta.tenant_url,
                headers={"Authorization": f"Bearer {BEARER}"},
                timeout=30,
            ) as scim:
                yield RelayStack(okta, double, hook, agent, scim)
            if task is not None:
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
    finally:
        if task is not None and not task.done():
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        hook.release.set()
        await double.stop()
