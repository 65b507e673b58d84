"""The agent's control channel over time: drops, reconnects, token renewal, health."""

from __future__ import annotations

import asyncio
import json
import logging

import httpx
import pytest
from waits import eventually
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from connector.transport.relay import RelayUnavailableError
from connector.transport.relay.sas import sas_token
from relay_agent import agent as agent_module
from relay_agent.health import serve_health

from .conftest import LISTEN_KEY, AgentFactory
from .double import RelayDouble
from .localapp import LocalApp


async def test_reconnects_after_a_dropped_control_channel(
    double: RelayDouble,
    app: LocalApp,
    start_agent: AgentFactory,
    sender: httpx.AsyncClient,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="relay_agent")
    agent = await start_agent()
    in_flight = asyncio.create_task(sender.get("/slow?s=0.5"))
    await eventually(lambda: bool(app.requests))
    await double.drop_listeners(1011)
    # The request under way fails as a relay error, which the Okta client retries.
    with pytest.raises(RelayUnavailableError) as raised:
        await in_flight
    assert raised.value.status_code == 502
    assert agent.health.connected is False
    assert agent.health.last_error == "closed by the relay with code 1011"
    await double.wait_for_listeners(1)
    await eventually(lambda: agent.health.connected)
    response = await sender.get("/api/v1/users")
    assert response.status_code == 200
    # The late answer of the dropped request was discarded, not delivered twice: once the agent
    # has logged the slow request's outcome, the double has seen whatever it sent.
    await eventually(lambda: any("/slow" in r.getMessage() for r in caplog.records))
    assert double.errors == []


async def test_reconnects_after_the_hybrid_connection_went_away(
    double: RelayDouble, start_agent: AgentFactory, sender: httpx.AsyncClient
) -> None:
    await start_agent()
    await double.drop_listeners(1001)
    await double.wait_for_listeners(1)
    assert (await sender.get("/x")).status_code == 200


async def test_a_channel_that_keeps_dropping_at_once_backs_off(
    double: RelayDouble, start_agent: AgentFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A relay that accepts the listener and closes it straight away (1011 each time) must not
    be redialled at the first-attempt pace for ever: the backoff grows as for refused dials."""
    seen: list[int] = []
    three = asyncio.Event()

    def recorded(failures: int) -> float:
        seen.append(failures)
        if len(seen) == 3:
            three.set()
        return 0.01

    monkeypatch.setattr(agent_module, "backoff_seconds", recorded)
    double.close_new_listeners = 1011
    await start_agent(wait=False)
    async with asyncio.timeout(5):
        await three.wait()
    assert seen[:3] == [1, 2, 3]


async def test_health_reflects_the_connection(
    double: RelayDouble, start_agent: AgentFactory
) -> None:
    agent = await start_agent(wait=False)
    server = await serve_health(agent.health, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
            await double.wait_for_listeners(1)
            await eventually(lambda: agent.health.connected)
            up = await client.get("/healthz")
            assert up.status_code == 200
            assert up.json()["connected"] is True
            await double.drop_listeners(1011)
            down = await client.get("/healthz")
            assert down.status_code == 503
            assert down.json() == {
                "connected": False,
                "since": down.json()["since"],
                "lastError": "closed by the relay with code 1011",
            }
            assert (await client.get("/other")).status_code == 404
            await eventually(lambda: agent.health.connected)
            assert (await client.get("/healthz")).status_code == 200
    finally:
        server.close()
        await server.wait_closed()


async def test_token_is_renewed_before_it_expires(
    double: RelayDouble, start_agent: AgentFactory, sender: httpx.AsyncClient
) -> None:
    await start_agent(token_ttl_seconds=3)
    [listener] = double.listeners
    await asyncio.sleep(4.5)
    # Still the same control channel: the double would have closed it with 1008 at expiry.
    assert double.listeners == [listener]
    renewals = [
        f.json()["renewToken"]["token"]
        for f in double.frames
        if f.channel == "control" and isinstance(f.data, str) and "renewToken" in f.data
    ]
    assert len(renewals) >= 2
    assert double.check_token(renewals[-1], "Listen")[0] == 0
    assert (await sender.get("/x")).status_code == 200


async def listen(double: RelayDouble, token: str) -> connect:
    return connect(
        f"ws://127.0.0.1:{double.port}/$hc/{double.hybrid_connection}?sb-hc-action=listen",
        additional_headers={"ServiceBusAuthorization": token},
    )


async def test_double_closes_with_1008_when_the_token_lapses(double: RelayDouble) -> None:
    import time

    token = sas_token(double.resource, "defaultListener", LISTEN_KEY, int(time.time()) + 2)
    async with await listen(double, token) as ws:
        with pytest.raises(ConnectionClosed):
            async with asyncio.timeout(5):
                await ws.recv()
    assert ws.close_code == 1008


async def test_double_closes_with_1008_on_a_bad_renewal(double: RelayDouble) -> None:
    import time

    token = sas_token(double.resource, "defaultListener", LISTEN_KEY, int(time.time()) + 60)
    async with await listen(double, token) as ws:
        await ws.send(json.dumps({"renewToken": {"token": token.replace("sig=", "sig=x")}}))
        with pytest.raises(ConnectionClosed):
            async with asyncio.timeout(5):
                await ws.recv()
    assert ws.close_code == 1008
