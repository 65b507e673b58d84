"""Sender transport → Relay double → agent → local app, all on loopback."""

from __future__ import annotations

import asyncio
import json
import os

import httpx
import pytest
from waits import eventually

from connector.settings import RelaySettings
from connector.transport.relay import RelayUnavailableError

from .conftest import AgentFactory
from .double import RelayDouble
from .localapp import LocalApp


async def test_request_and_response_pass_intact(
    double: RelayDouble, app: LocalApp, start_agent: AgentFactory, sender: httpx.AsyncClient
) -> None:
    await start_agent()
    response = await sender.post(
        "/api/v1/users?activate=true&search=profile.login+eq+%22a%20b%22",
        headers={"Authorization": "SSWS app-token", "X-Custom": "x"},
        json={"profile": {"login": "bjensen@example.com"}},
    )
    assert response.status_code == 200
    assert response.headers["X-App"] == "yes"
    assert "Via" in response.headers
    seen = response.json()
    assert seen["method"] == "POST"
    # The hybrid connection prefix is replaced by the configured base path; the query is
    # re-encoded with the same meaning.
    assert (
        seen["target"] == "/app/api/v1/users?activate=true&search=profile.login%20eq%20%22a%20b%22"
    )
    headers = {k.lower(): v for k, v in seen["headers"]}
    assert headers["authorization"] == "SSWS app-token"
    assert headers["x-custom"] == "x"
    assert headers["host"] == app.url.removeprefix("http://")
    assert "servicebusauthorization" not in headers
    assert json.loads(seen["body"]) == {"profile": {"login": "bjensen@example.com"}}
    assert double.errors == []
    # The request frame, then its body as the very next message.
    to_listener = [f for f in double.frames if f.direction == "to_listener"]
    request = to_listener[0].json()["request"]
    assert request["method"] == "POST"
    assert request["body"] is True
    assert request["requestTarget"].startswith("/onprem-rest/api/v1/users?")
    assert "Authorization" in request["requestHeaders"]
    assert to_listener[1].data == b'{"profile":{"login":"bjensen@example.com"}}'


@pytest.mark.parametrize("method", ["GET", "PUT", "PATCH", "DELETE"])
async def test_methods_and_statuses(
    start_agent: AgentFactory, sender: httpx.AsyncClient, method: str
) -> None:
    await start_agent()
    response = await sender.request(method, "/api/v1/users/00u1?status=404")
    assert response.status_code == 404
    assert response.json()["method"] == method


async def test_one_mebibyte_both_ways(
    double: RelayDouble, start_agent: AgentFactory, sender: httpx.AsyncClient
) -> None:
    await start_agent()
    payload = os.urandom(1024 * 1024)
    response = await sender.post("/echo", content=payload)
    assert response.status_code == 200
    assert response.content == payload
    # Large response to a small request: the agent opens the rendezvous itself.
    response = await sender.get("/big?n=1048576")
    assert response.content == bytes(i % 251 for i in range(1024 * 1024))
    assert double.errors == []
    rendezvous = [f for f in double.frames if f.channel == "rendezvous"]
    assert any(f.direction == "to_listener" and f.data == payload for f in rendezvous)
    assert any(f.direction == "from_listener" and f.data == payload for f in rendezvous)
    control_bodies = [
        f for f in double.frames if f.channel == "control" and isinstance(f.data, bytes)
    ]
    assert all(len(f.data) <= 64 * 1024 for f in control_bodies)


async def test_response_headers_over_the_control_limit_go_by_rendezvous(
    double: RelayDouble, start_agent: AgentFactory, sender: httpx.AsyncClient
) -> None:
    """The control channel carries at most 32 kB of header metadata, whatever the body's size."""
    await start_agent()
    response = await sender.get("/headers?n=40000")
    assert response.status_code == 200
    assert response.headers["X-Big"] == "h" * 40000
    assert response.content == b"small"
    assert double.errors == []
    assert any(
        f.channel == "rendezvous" and f.direction == "from_listener" and f.data == b"small"
        for f in double.frames
    )


async def test_concurrent_requests_over_several_listeners(
    double: RelayDouble, app: LocalApp, start_agent: AgentFactory, sender: httpx.AsyncClient
) -> None:
    await start_agent()
    await start_agent()
    calls = [asyncio.create_task(sender.get(f"/held?n={i}")) for i in range(20)]
    # All twenty are in the local app at once: none waited for another to finish.
    await eventually(lambda: app.in_flight == 20)
    app.release.set()
    responses = await asyncio.gather(*calls)
    assert [r.status_code for r in responses] == [200] * 20
    assert sorted(r.json()["target"] for r in responses) == sorted(
        f"/app/held?n={i}" for i in range(20)
    )
    assert double.errors == []


async def test_no_listener_is_relay_unavailable(sender: httpx.AsyncClient) -> None:
    with pytest.raises(RelayUnavailableError) as raised:
        await sender.get("/api/v1/users")
    assert raised.value.status_code == 502
    assert raised.value.tracking_id


async def test_listener_too_slow_is_relay_unavailable(
    start_agent: AgentFactory, sender: httpx.AsyncClient
) -> None:
    await start_agent()
    with pytest.raises(RelayUnavailableError) as raised:
        await sender.get("/slow?s=2")
    assert raised.value.status_code == 504


async def test_local_timeout_is_503_from_the_agent(
    double: RelayDouble, start_agent: AgentFactory, sender: httpx.AsyncClient
) -> None:
    await start_agent(timeout_seconds=0.3)
    response = await sender.get("/slow?s=0.8")
    assert response.status_code == 503
    assert "Via" in response.headers
    assert response.text == "Local application timed out"


async def test_local_app_down_is_503(
    double: RelayDouble, app: LocalApp, start_agent: AgentFactory, sender: httpx.AsyncClient
) -> None:
    await start_agent(local_base_url="http://127.0.0.1:9")
    response = await sender.get("/api/v1/users")
    assert response.status_code == 503
    assert response.text == "Local application unreachable"


@pytest.mark.parametrize(
    ("path", "headers", "status"),
    [
        ("/api/%2e%2e/%2e%2e/admin", {}, 400),
        ("/api/..%2Fsecret", {}, 400),
        ("/api/v1/users", {"X-Forwarded-Host": "evil.example"}, 403),
        ("/api/v1/users", {"Forwarded": "host=evil.example"}, 403),
        ("/api/v1/users", {"X-Original-URL": "http://evil.example/"}, 403),
    ],
)
async def test_requests_for_another_place_are_refused(
    app: LocalApp,
    start_agent: AgentFactory,
    sender: httpx.AsyncClient,
    path: str,
    headers: dict[str, str],
    status: int,
) -> None:
    await start_agent()
    response = await sender.get(path, headers=headers)
    assert response.status_code == status
    assert app.requests == []


async def test_wrong_rule_and_expired_tokens_are_refused(
    double: RelayDouble, start_agent: AgentFactory
) -> None:
    from connector.transport.relay import RelaySenderTransport

    from .conftest import LISTEN_KEY, SEND_KEY

    await start_agent()

    async def listen_key() -> str:
        return LISTEN_KEY

    async def send_key() -> str:
        return SEND_KEY

    wrong_rule = RelaySettings(
        double.namespace, double.hybrid_connection, "defaultListener", double.url
    )
    right_rule = RelaySettings(
        double.namespace, double.hybrid_connection, "defaultSender", double.url
    )
    cases = [
        (RelaySenderTransport(wrong_rule, listen_key), 403),
        (RelaySenderTransport(right_rule, listen_key), 401),  # key of another rule
        # A clock an hour and a half behind signs a token that has already expired.
        (RelaySenderTransport(right_rule, send_key, clock=lambda: 1_000_000_000.0), 401),
    ]
    for transport, status in cases:
        async with httpx.AsyncClient(transport=transport, base_url="https://t.invalid") as client:
            with pytest.raises(RelayUnavailableError) as raised:
                await client.get("/x")
            assert raised.value.status_code == status


async def test_listener_with_a_send_rule_is_refused(
    double: RelayDouble, start_agent: AgentFactory
) -> None:
    from .conftest import SEND_KEY

    agent = await start_agent(wait=False, rule_name="defaultSender", key=SEND_KEY)
    await eventually(lambda: agent.health.last_error is not None)
    assert agent.health.connected is False
    assert agent.health.last_error == "relay refused the connection with HTTP 403"
    assert double.listeners == []


async def test_anonymous_senders_when_client_authorization_is_off(
    double: RelayDouble, start_agent: AgentFactory
) -> None:
    await start_agent()
    async with httpx.AsyncClient() as client:
        response = await client.get(f"{double.url}/{double.hybrid_connection}/x")
        assert response.status_code == 401
        double.requires_client_authorization = False
        response = await client.get(
            f"{double.url}/{double.hybrid_connection}/x", headers={"Authorization": "SSWS a"}
        )
    assert response.status_code == 200
    assert ["Authorization", "SSWS a"] in response.json()["headers"]
