"""The sender transport against a fake inner transport and a fake clock."""

from __future__ import annotations

import logging

import httpx
import pytest
from clocks import Clock

from connector.settings import RelaySettings
from connector.transport.relay import RelaySenderTransport, RelayUnavailableError, sas_token

SETTINGS = RelaySettings("contoso.servicebus.windows.net", "onprem-rest", "defaultSender", None)
KEY = "k3yForTestsOnly="
RESOURCE = "http://contoso.servicebus.windows.net/onprem-rest"
NOW = 1_767_225_600.0  # 2026-01-01, in seconds since the epoch: SAS tokens carry real times


class Keys:
    """A send-key source that counts reads (the Key Vault stand-in)."""

    def __init__(self) -> None:
        self.value = KEY
        self.reads = 0

    async def __call__(self) -> str:
        self.reads += 1
        return self.value


def make_client(
    handler: httpx.MockTransport, clock: Clock, keys: Keys, ttl: int = 3600
) -> httpx.AsyncClient:
    transport = RelaySenderTransport(
        SETTINGS, keys, inner=handler, token_ttl_seconds=ttl, clock=clock
    )
    return httpx.AsyncClient(transport=transport, base_url="https://target.invalid")


async def test_rewrites_the_url_and_keeps_the_request_intact() -> None:
    seen: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(201, headers={"Via": "1.1 contoso"}, json={"id": "00u1"})

    clock, keys = Clock(NOW), Keys()
    async with make_client(httpx.MockTransport(handle), clock, keys) as client:
        response = await client.post(
            "/api/v1/users?activate=true&q=a%20b",
            headers={"Authorization": "SSWS app-token", "Expect": "100-continue", "X-A": "1"},
            json={"profile": {"login": "bjensen@example.com"}},
        )
    assert response.status_code == 201
    assert response.json() == {"id": "00u1"}
    # The caller still sees its own request, not the relay address.
    assert response.request.url == "https://target.invalid/api/v1/users?activate=true&q=a%20b"
    [sent] = seen
    assert sent.method == "POST"
    assert str(sent.url) == (
        "https://contoso.servicebus.windows.net/onprem-rest/api/v1/users?activate=true&q=a%20b"
    )
    assert sent.headers["Host"] == "contoso.servicebus.windows.net"
    assert sent.headers["Authorization"] == "SSWS app-token"
    assert sent.headers["X-A"] == "1"
    assert "Expect" not in sent.headers
    assert sent.headers["ServiceBusAuthorization"] == sas_token(
        RESOURCE, "defaultSender", KEY, int(clock.now) + 3600
    )
    assert sent.content == b'{"profile":{"login":"bjensen@example.com"}}'


async def test_endpoint_override_for_loopback() -> None:
    seen: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, headers={"Via": "1.1 x"})

    settings = RelaySettings("ns.example", "hc", "r", "http://127.0.0.1:8123")
    transport = RelaySenderTransport(settings, Keys(), inner=httpx.MockTransport(handle))
    async with httpx.AsyncClient(transport=transport) as client:
        await client.get("https://target.invalid/a/b?x=1")
    assert str(seen[0].url) == "http://127.0.0.1:8123/hc/a/b?x=1"
    assert seen[0].headers["Host"] == "127.0.0.1:8123"


async def test_token_is_cached_and_renewed_well_before_expiry() -> None:
    tokens: list[str] = []

    def handle(request: httpx.Request) -> httpx.Response:
        tokens.append(request.headers["ServiceBusAuthorization"])
        return httpx.Response(200, headers={"Via": "1.1 contoso"})

    clock, keys = Clock(NOW), Keys()
    start = int(clock.now)
    async with make_client(httpx.MockTransport(handle), clock, keys, ttl=600) as client:
        await client.get("/a")
        clock.now += 299
        await client.get("/a")
        assert keys.reads == 1
        assert tokens[0] == tokens[1]
        clock.now += 2  # past half the lifetime: still 299 s of validity left, renew now
        await client.get("/a")
    assert keys.reads == 2
    assert tokens[2] == sas_token(RESOURCE, "defaultSender", KEY, start + 301 + 600)


@pytest.mark.parametrize("status", [401, 403, 404, 500, 502, 503, 504])
async def test_relay_errors_raise_unavailable(
    status: int, caplog: pytest.LogCaptureFixture
) -> None:
    def handle(request: httpx.Request) -> httpx.Response:
        body = {"error": {"code": "x", "message": "Nope. TrackingId:abc-123_G7, SystemTracker:x"}}
        return httpx.Response(status, json=body)

    caplog.set_level(logging.WARNING, logger="connector.transport.relay")
    async with make_client(httpx.MockTransport(handle), Clock(NOW), Keys()) as client:
        with pytest.raises(RelayUnavailableError) as raised:
            await client.get("/api/v1/users")
    # The Okta client treats transport errors as transient faults.
    assert isinstance(raised.value, httpx.TransportError)
    assert raised.value.status_code == status
    assert raised.value.tracking_id == "abc-123_G7"
    assert "unreachable" in str(raised.value)
    # Only this logger's: a warning of another library (a session another test left to the
    # garbage collector, say) may land in any test.
    [record] = [r for r in caplog.records if r.name.startswith("connector.transport.relay")]
    line = record.getMessage()
    assert "on-premises agent is unreachable" in line
    assert str(status) in line
    assert "abc-123_G7" in line
    assert KEY not in line
    assert "SharedAccessSignature" not in line


@pytest.mark.parametrize("status", [404, 502, 503, 504])
async def test_listener_answers_pass_untouched(status: int) -> None:
    def handle(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, headers={"Via": "1.1 contoso"}, text="from the app")

    async with make_client(httpx.MockTransport(handle), Clock(NOW), Keys()) as client:
        response = await client.get("/api/v1/users/x")
    assert response.status_code == status
    assert response.text == "from the app"


async def test_refused_token_is_signed_again_with_a_fresh_key() -> None:
    tokens: list[str] = []

    def handle(request: httpx.Request) -> httpx.Response:
        tokens.append(request.headers["ServiceBusAuthorization"])
        if len(tokens) == 1:
            return httpx.Response(401)
        return httpx.Response(200, headers={"Via": "1.1 contoso"})

    clock, keys = Clock(NOW), Keys()
    async with make_client(httpx.MockTransport(handle), clock, keys) as client:
        with pytest.raises(RelayUnavailableError):
            await client.get("/a")
        keys.value = "rotated-key"
        await client.get("/a")
    assert keys.reads == 2
    assert tokens[1] == sas_token(RESOURCE, "defaultSender", "rotated-key", int(clock.now) + 3600)
