"""What Entra sees when the relay path is broken: a SCIM 503 with Retry-After, never a 500;
and the agent never forwards a request anywhere but its one configured application."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
from endpoint.harness import new_user
from relay.conftest import SEND_KEY

from connector.settings import RelaySettings
from connector.transport.relay import RelaySenderTransport

from .conftest import relay_stack

# Short, so the connector gives up retrying quickly; the agent-side tests do not depend on it.
BUDGET = {"REQUEST_BUDGET_SECONDS": "2"}
UNREACHABLE_LOG = "relay: the on-premises agent is unreachable through hybrid connection"


def _assert_scim_503(response: httpx.Response) -> None:
    assert response.status_code == 503, response.text
    assert int(response.headers["retry-after"]) >= 1
    assert response.headers["content-type"].startswith("application/scim+json")
    body = response.json()
    assert body["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:Error"]
    assert body["status"] == "503"


def _relay_log_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.getMessage().startswith(UNREACHABLE_LOG)]


async def test_no_listener_is_scim_503_with_a_clear_log_line(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="connector.transport.relay")
    async with relay_stack(with_agent=False, env=BUDGET) as rs:
        read = await rs.scim.get("/Users", params={"filter": 'userName eq "x@example.com"'})
        _assert_scim_503(read)
        created = await rs.scim.post("/Users", json=new_user("nobody@example.com"))
        _assert_scim_503(created)
        assert rs.okta.sim.request_log == []
        assert len(rs.double.sender_requests) >= 2
    lines = _relay_log_lines(caplog)
    assert lines, "no log line says the agent is unreachable"
    assert "relay answered 502 (no listener is connected)" in lines[0]
    assert "TrackingId " in lines[0]


async def test_wrong_send_key_is_scim_503_not_500(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="connector.transport.relay")
    async with relay_stack(send_key="not-the-send-key=", env=BUDGET) as rs:
        created = await rs.scim.post("/Users", json=new_user("wrongkey@example.com"))
        _assert_scim_503(created)
        listed = await rs.scim.get("/Users")
        _assert_scim_503(listed)
        # A refusal is a setting to fix, not an outage to wait out: two tries, then a long
        # Retry-After and the settings to check.
        assert created.headers["retry-after"] == "300"
        assert "relay-send-key" in created.json()["detail"]
        assert len(lines_before := _relay_log_lines(caplog)) <= 4, lines_before
        # The relay refused every request: none reached the agent or the application.
        assert rs.okta.sim.request_log == []
        assert not [f for f in rs.double.frames if f.channel == "control"]
    lines = _relay_log_lines(caplog)
    assert lines
    assert all("relay answered 401" in line for line in lines)
    assert "not-the-send-key" not in caplog.text


async def test_listener_too_slow_is_a_relay_504_then_retried(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="connector.transport.relay")
    # The first listing is held at the agent past the relay's deadline: the relay answers 504
    # itself (no Via), and the connector's retry gets the listing.
    async with relay_stack(relay_timeout=0.5) as rs:
        rs.hook.hold("GET", "/api/v1/users")
        try:
            listed = await rs.scim.get("/Users")
        finally:
            rs.hook.release.set()
        assert listed.status_code == 200, listed.text
        assert listed.json()["totalResults"] == 0
    assert any("relay answered 504" in line for line in _relay_log_lines(caplog))


class _Elsewhere:
    """Another host on the application's network, which the agent must never call."""

    def __init__(self) -> None:
        self.hits: list[str] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                outer.hits.append(self.path)
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> _Elsewhere:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def elsewhere() -> Iterator[_Elsewhere]:
    with _Elsewhere() as server:
        yield server


async def test_requests_for_another_host_are_refused(elsewhere: _Elsewhere) -> None:
    async with relay_stack() as rs:
        settings = RelaySettings(
            rs.double.namespace, rs.double.hybrid_connection, "defaultSender", rs.double.url
        )

        async def send_key() -> str:
            return SEND_KEY

        other = f"127.0.0.1:{elsewhere.port}"
        auth = {"Authorization": "SSWS okta-token-for-tests"}
        attempts: list[tuple[bytes, dict[str, str]]] = [
            (f"//{other}/api/v1/users".encode(), {}),
            (f"/@{other}/api/v1/users".encode(), {}),
            (b"/%2e%2e/%2e%2e/api/v1/users", {}),
            (b"/api/v1/users", {"X-Forwarded-Host": other}),
            (b"/api/v1/users", {"Forwarded": f"host={other}"}),
            (b"/api/v1/users", {"X-Original-URL": f"http://{other}/api/v1/users"}),
            (b"/api/v1/users", {"X-Rewrite-URL": f"http://{other}/api/v1/users"}),
        ]
        transport = RelaySenderTransport(settings, send_key)
        async with httpx.AsyncClient(transport=transport) as client:
            for raw_path, headers in attempts:
                url = httpx.URL("https://legacy-app.invalid").copy_with(raw_path=raw_path)
                response = await client.get(url, headers={**auth, **headers})
                # The listener answered (Via), and not with the application's user list.
                assert "via" in response.headers, raw_path
                assert response.status_code in {400, 403, 404}, (raw_path, headers)
        await asyncio.sleep(0.1)
        assert elsewhere.hits == []
        # Whatever did reach the application stayed on its own origin and path space.
        assert all(t.startswith("/") for _, t, _ in rs.okta.sim.request_log)
