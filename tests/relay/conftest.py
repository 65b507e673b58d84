from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable

import httpx
import pytest

from connector.settings import RelaySettings
from connector.transport.relay import RelaySenderTransport
from relay_agent.agent import Agent
from relay_agent.config import AgentConfig

from .double import RelayDouble, Rule
from .localapp import LocalApp

SEND_KEY = "send-key-for-tests="
LISTEN_KEY = "listen-key-for-tests="
RULES = {
    "defaultSender": Rule(SEND_KEY, frozenset({"Send"})),
    "defaultListener": Rule(LISTEN_KEY, frozenset({"Listen"})),
}

AgentFactory = Callable[..., Awaitable[Agent]]


@pytest.fixture
async def double() -> AsyncIterator[RelayDouble]:
    relay = RelayDouble(rules=dict(RULES), response_timeout=1.0)
    await relay.start()
    yield relay
    await relay.stop()


@pytest.fixture
async def app() -> AsyncIterator[LocalApp]:
    local = LocalApp()
    await local.start()
    yield local
    await local.stop()


def agent_config(relay: RelayDouble, local: LocalApp, **overrides: object) -> AgentConfig:
    values: dict[str, object] = {
        "namespace": relay.namespace,
        "hybrid_connection": relay.hybrid_connection,
        "rule_name": "defaultListener",
        "key": LISTEN_KEY,
        "local_base_url": local.url + "/app",
        "relay_url": f"ws://127.0.0.1:{relay.port}",
        "timeout_seconds": 5.0,
        "ping_interval_seconds": None,
    }
    values.update(overrides)
    return AgentConfig(**values)  # type: ignore[arg-type]


@pytest.fixture
async def start_agent(double: RelayDouble, app: LocalApp) -> AsyncIterator[AgentFactory]:
    """Starts agents (connected to the double unless told otherwise); stops them afterwards."""
    tasks: list[asyncio.Task[None]] = []

    async def start(*, wait: bool = True, **overrides: object) -> Agent:
        agent = Agent(agent_config(double, app, **overrides))
        before = len(double.listeners)
        tasks.append(asyncio.create_task(agent.run()))
        if wait:
            await double.wait_for_listeners(before + 1)
        return agent

    yield start
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


async def send_key() -> str:
    return SEND_KEY


@pytest.fixture
async def sender(double: RelayDouble) -> AsyncIterator[httpx.AsyncClient]:
    """What the Okta client would be: an httpx client on the target's URL, via the relay."""
    settings = RelaySettings(
        double.namespace, double.hybrid_connection, "defaultSender", double.url
    )
    transport = RelaySenderTransport(settings, send_key)
    async with httpx.AsyncClient(
        transport=transport, base_url="https://target.invalid", timeout=10
    ) as client:
        yield client
