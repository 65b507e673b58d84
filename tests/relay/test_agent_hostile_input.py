"""What senders and the relay may send the agent that it cannot forward as it is: refused with a
400 (never a silent drop), never fatal to the agent, never a forged line in its log, and no state
carried from one sender's request to the next (cookies)."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import httpx
import pytest
from waits import eventually
from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed

from relay_agent import channel
from relay_agent.forward import Forwarder
from relay_agent.logsafe import printable
from relay_agent.protocol import RelayedRequest

from .conftest import AgentFactory, agent_config
from .double import RelayDouble
from .localapp import LocalApp


def _request(**fields: Any) -> RelayedRequest:
    values: dict[str, Any] = {
        "id": "r1",
        "address": "ws://127.0.0.1/x",
        "target": "/hc/Users",
        "method": "GET",
        "headers": {},
        "body": False,
    }
    values.update(fields)
    return RelayedRequest(**values)


@pytest.fixture
async def forwarder(app: LocalApp) -> Any:
    """The agent's forwarder in front of the loopback app (which sets a cookie on every answer)."""
    forwarding = Forwarder(app.url + "/app", "hc", 5.0)
    yield forwarding
    await forwarding.aclose()


async def test_a_cookie_set_for_one_sender_never_reaches_the_next(
    app: LocalApp, forwarder: Forwarder
) -> None:
    first = await forwarder.forward(_request(target="/hc/login"), b"")
    assert first.headers["Set-Cookie"] == "a=1"  # passed back to its sender as it is
    await forwarder.forward(_request(target="/hc/Users"), b"")
    assert app.requests[1].header("Cookie") is None
    # A sender's own Cookie header is its own business: forwarded as it is.
    await forwarder.forward(_request(headers={"Cookie": "mine=1"}), b"")
    assert app.requests[2].header("Cookie") == "mine=1"


@pytest.mark.parametrize(
    "fields",
    [
        {"headers": {"X-Name": "Zoë"}},
        {"headers": {"X-Name": "\u4e2d\u6587"}},
        {"headers": {"X-Name": "a\r\nX-Injected: 1"}},
        {"headers": {"X-Name": "nul\x00"}},
        {"headers": {"X-Name": "lone \ud800"}},
        {"headers": {"Bad Name": "x"}},
        {"headers": {"X-Name\r\nX-Injected": "x"}},
        {"headers": {"": "x"}},
        {"method": "GET /other HTTP/1.1\r\n"},
        {"method": ""},
        {"method": "GÉT"},
        {"target": "/hc/\ud800"},
        {"target": "/hc/a?q=\udcff"},
        {"target": "/hc/a\x7fb"},
        {"target": "/hc/a\r\nb"},
        {"target": ""},
    ],
    ids=[
        "latin1-value",
        "cjk-value",
        "crlf-value",
        "nul-value",
        "surrogate-value",
        "space-in-name",
        "crlf-in-name",
        "empty-name",
        "crlf-method",
        "empty-method",
        "non-ascii-method",
        "surrogate-path",
        "surrogate-query",
        "del-in-target",
        "crlf-in-target",
        "empty-target",
    ],
)
async def test_what_cannot_be_forwarded_is_a_400(
    app: LocalApp, forwarder: Forwarder, fields: dict[str, Any]
) -> None:
    response = await forwarder.forward(_request(**fields), b"")
    assert response.status == 400
    assert app.requests == []


async def test_a_non_ascii_target_path_is_forwarded_percent_encoded(
    app: LocalApp, forwarder: Forwarder
) -> None:
    response = await forwarder.forward(_request(target="/hc/Users/é"), b"")
    assert response.status == 200
    assert app.requests[0].target == "/app/Users/%C3%A9"


def test_printable_escapes_what_could_forge_or_break_a_log_line() -> None:
    assert printable("GET /x\r\n2026-01-01 INFO forged") == "GET /x\\x0d\\x0a2026-01-01 INFO forged"
    assert printable("a\u2028b\u0085c\x1b[31md\ud800") == "a\\u2028b\\x85c\\x1b[31md\\ud800"
    assert printable("Zoë 中文 ok") == "Zoë 中文 ok"
    assert printable("x" * 500).endswith("…(200 more)")


# Through the relay double: messages injected on the agent's control channel.


async def _inject(double: RelayDouble, message: str | bytes) -> None:
    listener = double.listeners[0]
    async with listener.send_lock:
        await listener.peer.send(message)


def _answer_to(double: RelayDouble, request_id: str) -> dict[str, Any] | None:
    for frame in double.frames:
        if frame.direction == "from_listener" and isinstance(frame.data, str):
            response = json.loads(frame.data).get("response")
            if isinstance(response, dict) and response.get("requestId") == request_id:
                return response
    return None


def _frame(request_id: str, **fields: Any) -> str:
    request: dict[str, Any] = {
        "address": "ws://127.0.0.1:1/$hc/onprem-rest?sb-hc-action=request",
        "id": request_id,
        "requestTarget": "/onprem-rest/Users",
        "method": "GET",
        "requestHeaders": {},
        "body": False,
    }
    request.update(fields)
    return json.dumps({"request": request})


MALFORMED: list[str | bytes] = [
    '"just a JSON string"',
    "42",
    "null",
    "[1, 2]",
    '["request"]',
    "{not json",
    b"\xff\xfe binary garbage",
    '{"request": "a string"}',
    '{"request": {"address": 5}}',
    '{"request": {"address": "ws://x", "requestHeaders": ["a", "b"]}}',
    '{"accept": "a string"}',
    '{"accept": {"address": 5}}',
    '{"renewToken": null}',
]


async def test_malformed_control_messages_never_stop_the_agent(
    double: RelayDouble,
    app: LocalApp,
    start_agent: AgentFactory,
    sender: httpx.AsyncClient,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="relay_agent")
    agent = await start_agent()
    for message in MALFORMED:
        await _inject(double, message)
    # Still connected on the same channel, and forwarding.
    response = await sender.get("/echo")
    assert response.status_code == 200
    assert agent.health.connected
    assert len(double.upgrades) == 1
    ignored = [r for r in caplog.records if "ignored a malformed control message" in r.message]
    assert len(ignored) >= len(MALFORMED) - 3  # accept/renewToken oddities are not requests


async def test_an_unforwardable_relayed_request_is_answered_400(
    double: RelayDouble, app: LocalApp, start_agent: AgentFactory
) -> None:
    await start_agent()
    await _inject(double, _frame("forged-1", requestHeaders={"X-Name": "Zoë"}))
    await _inject(double, _frame("forged-2", method="GET /x HTTP/1.1"))
    await eventually(lambda: _answer_to(double, "forged-2") is not None)
    await eventually(lambda: _answer_to(double, "forged-1") is not None)
    assert [_answer_to(double, f"forged-{n}")["statusCode"] for n in (1, 2)] == [400, 400]  # type: ignore[index]
    assert app.requests == []


async def test_line_breaks_in_a_target_do_not_forge_log_lines(
    double: RelayDouble,
    app: LocalApp,
    start_agent: AgentFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="relay_agent")
    await start_agent()
    forged = "/onprem-rest/x\r\n2026-01-01 00:00:00 INFO relay_agent connected"
    await _inject(double, _frame("forged-3", requestTarget=forged, method="GET\nPOST"))
    await eventually(lambda: _answer_to(double, "forged-3") is not None)
    shown = "/onprem-rest/x\\x0d\\x0a2026-01-01 00:00:00 INFO relay_agent connected"
    await eventually(lambda: any(shown in r.getMessage() for r in caplog.records))
    for record in caplog.records:
        assert "\n" not in record.getMessage()
        assert "\r" not in record.getMessage()


async def test_a_rendezvous_that_never_delivers_its_request_is_given_up(
    double: RelayDouble,
    app: LocalApp,
    forwarder: Forwarder,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The relay opens the rendezvous but sends nothing on it: the request's task ends (the
    sender has had the relay's 504 by then) instead of waiting on the socket for ever."""
    caplog.set_level(logging.INFO, logger="relay_agent")
    monkeypatch.setattr(channel, "_RENDEZVOUS_READ_SECONDS", 0.2)
    silent = asyncio.Event()

    async def accept_and_say_nothing(socket: ServerConnection) -> None:
        await silent.wait()

    async with serve(accept_and_say_nothing, "127.0.0.1", 0) as server:
        port = server.sockets[0].getsockname()[1]
        address = f"ws://127.0.0.1:{port}/$hc/onprem-rest?sb-hc-action=request&sb-hc-id=r1"
        config = agent_config(double, app, relay_url=f"ws://127.0.0.1:{port}")
        request = _request(address=address, body=None)
        serving = channel.Channel(config, forwarder, set())
        try:
            async with asyncio.timeout(10):  # bounds the test if the agent hangs
                await serving._handle(None, request, b"")  # type: ignore[arg-type]
        finally:
            silent.set()
    assert any("undelivered (TimeoutError)" in r.getMessage() for r in caplog.records)
    assert app.requests == []


async def test_a_renewal_on_a_channel_that_just_closed_ends_quietly(
    double: RelayDouble, app: LocalApp, forwarder: Forwarder
) -> None:
    """The channel may close between the renewal's wait and its send: the renewer then ends
    without an exception nobody would retrieve (asyncio logs those as errors with a traceback);
    the receive loop reports the close."""

    class _Closed:
        async def send(self, message: str) -> None:
            raise ConnectionClosed(None, None)

    serving = channel.Channel(agent_config(double, app), forwarder, set())
    async with asyncio.timeout(5):
        # An expiry already reached: the renewal is due at once (after the 0.5 s floor).
        await serving._renew(_Closed(), 0)  # type: ignore[arg-type]
