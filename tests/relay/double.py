"""A loopback Azure Relay Hybrid Connection (HTTP mode) for tests: reference section 6.

One port on 127.0.0.1 serves both roles: plain HTTP requests are senders, WebSocket upgrades on
`/$hc/{hc}` are listeners (`sb-hc-action=listen`) or rendezvous sockets (`sb-hc-action=request`).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import hmac
import json
import random
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, unquote

from .httpio import HttpRequest, read_request, write_response
from .wsio import Message, PeerClosedError, WsPeer

CONTROL_LIMIT = 64 * 1024
# The header metadata a control channel message may carry (reference section 3.4).
CONTROL_HEADER_LIMIT = 32 * 1024
# RFC 7230 connection headers the relay removes from relayed requests (Via is kept).
_CONNECTION_HEADERS = frozenset(
    {"connection", "content-length", "host", "te", "trailer", "transfer-encoding", "upgrade"}
    | {"close", "keep-alive"}
)


@dataclass(frozen=True)
class Rule:
    key: str
    rights: frozenset[str]


@dataclass(frozen=True)
class Frame:
    """One WebSocket message as the double saw it."""

    channel: str  # "control" or "rendezvous"
    direction: str  # "to_listener" or "from_listener"
    data: Message

    def json(self) -> Any:
        assert isinstance(self.data, str)
        return json.loads(self.data)


class _ListenerGoneError(Exception):
    pass


@dataclass
class _Pending:
    listener: _Listener
    request: dict[str, Any]
    body: bytes
    via_rendezvous: bool
    answer: asyncio.Future[tuple[dict[str, Any], bytes]]


@dataclass
class _Listener:
    peer: WsPeer
    expiry: int
    send_lock: asyncio.Lock = field(default_factory=asyncio.Lock)


class RelayDouble:
    def __init__(
        self,
        *,
        namespace: str = "contoso.servicebus.windows.net",
        hybrid_connection: str = "onprem-rest",
        rules: dict[str, Rule] | None = None,
        requires_client_authorization: bool = True,
        response_timeout: float = 60.0,
        rendezvous_threshold: int = CONTROL_LIMIT,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.namespace = namespace
        self.hybrid_connection = hybrid_connection
        self.rules = rules if rules is not None else {}
        self.requires_client_authorization = requires_client_authorization
        self.response_timeout = response_timeout
        self.rendezvous_threshold = rendezvous_threshold
        self.clock = clock
        self.listeners: list[_Listener] = []
        self.frames: list[Frame] = []
        self.upgrades: list[HttpRequest] = []
        self.sender_requests: list[HttpRequest] = []
        # A close code set here closes every new control channel as soon as it is open.
        self.close_new_listeners: int | None = None
        # Protocol violations by the listener, for tests to assert on (should stay empty).
        self.errors: list[str] = []
        self._pending: dict[str, _Pending] = {}
        self._rendezvous: dict[str, _Pending] = {}
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._listeners_changed = asyncio.Condition()

    @property
    def port(self) -> int:
        assert self._server is not None
        return int(self._server.sockets[0].getsockname()[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def resource(self) -> str:
        return f"http://{self.namespace}/{self.hybrid_connection}"

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._connection, "127.0.0.1", 0, limit=2**20)

    async def stop(self) -> None:
        for listener in list(self.listeners):
            await listener.peer.close(1001, "shutting down")
        if self._server is not None:
            self._server.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._server is not None:
            await self._server.wait_closed()

    async def wait_for_listeners(self, count: int) -> None:
        async with asyncio.timeout(5), self._listeners_changed:
            await self._listeners_changed.wait_for(lambda: len(self.listeners) == count)

    async def drop_listeners(self, code: int = 1011) -> None:
        """Close every control channel as the service does on an error (1001, 1008, 1011)."""
        for listener in list(self.listeners):
            await listener.peer.close(code, "injected by the test")

    def check_token(self, token: str | None, right: str) -> tuple[int, int]:
        """(status, expiry): status 0 when `token` grants `right` on this hybrid connection."""
        prefix = "SharedAccessSignature "
        if not token or not token.startswith(prefix):
            return 401, 0
        try:
            fields = dict(part.split("=", 1) for part in token[len(prefix) :].split("&"))
            sr, sig, se, skn = fields["sr"], fields["sig"], int(fields["se"]), fields["skn"]
        except (KeyError, ValueError):
            return 401, 0
        rule = self.rules.get(unquote(skn))
        if rule is None:
            return 401, 0
        # The signature covers the `sr` text exactly as sent, not a re-encoding of it.
        digest = hmac.new(rule.key.encode(), f"{sr}\n{se}".encode(), hashlib.sha256).digest()
        if not hmac.compare_digest(base64.b64encode(digest).decode(), unquote(sig)):
            return 401, 0
        if se <= self.clock():
            return 401, 0
        scope = unquote(sr).rstrip("/")
        if not (self.resource == scope or self.resource.startswith(scope + "/")):
            return 401, 0
        if right not in rule.rights and "Manage" not in rule.rights:
            return 403, 0
        return 0, se

    # --- connections -----------------------------------------------------------------------

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            while (request := await read_request(reader)) is not None:
                if request.is_upgrade:
                    await self._upgrade(request, reader, writer)
                    return
                if not await self._send(request, writer):
                    return
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        except asyncio.CancelledError:
            # stop() cancels open connections. Ending quietly here keeps Python 3.11's
            # start_server callback (task.exception() on a cancelled task) from logging an error.
            pass
        finally:
            self._tasks.discard(task)
            writer.close()

    async def _upgrade(
        self, request: HttpRequest, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        self.upgrades.append(request)
        path, _, query = request.target.partition("?")
        params = dict(parse_qsl(query))
        if path != f"/$hc/{self.hybrid_connection}":
            await self._relay_error(writer, 404, "EndpointNotFound", close=True)
            return
        action = params.get("sb-hc-action")
        if action == "listen":
            token = request.header("ServiceBusAuthorization") or params.get("sb-hc-token")
            status, expiry = self.check_token(token, "Listen")
            if status:
                await self._relay_error(writer, status, "Unauthorized", close=True)
                return
            peer = await WsPeer.accept(request.head, reader, writer, self._recorder("control"))
            await self._control(_Listener(peer, expiry))
        elif action == "request":
            pending = self._rendezvous.pop(params.get("sb-hc-id", ""), None)
            if pending is None:
                await self._relay_error(writer, 403, "RendezvousExpired", close=True)
                return
            peer = await WsPeer.accept(request.head, reader, writer, self._recorder("rendezvous"))
            await self._rendezvous_socket(peer, pending)
        else:
            await self._relay_error(writer, 400, "BadRequest", close=True)

    def _recorder(self, channel: str) -> Callable[[str, Message], None]:
        def record(direction: str, data: Message) -> None:
            way = "to_listener" if direction == "to_peer" else "from_listener"
            self.frames.append(Frame(channel, way, data))

        return record

    # --- sender side -----------------------------------------------------------------------

    async def _send(self, request: HttpRequest, writer: asyncio.StreamWriter) -> bool:
        """Relays one sender request; False when the connection must close afterwards."""
        self.sender_requests.append(request)
        path, _, query = request.target.partition("?")
        hc = f"/{self.hybrid_connection}"
        if path != hc and not path.startswith(hc + "/"):
            await self._relay_error(writer, 404, "EndpointNotFound")
            return True
        token, headers, query = self._take_token(request, query)
        if self.requires_client_authorization:
            status, _ = self.check_token(token, "Send")
            if status:
                await self._relay_error(writer, status, "TokenMissingOrInvalid")
                return True
        if not self.listeners:
            await self._relay_error(writer, 502, "NoListener")
            return True
        request_id = f"{uuid.uuid4()}_G0"
        message: dict[str, Any] = {
            "address": (
                f"ws://127.0.0.1:{self.port}/$hc/{self.hybrid_connection}"
                f"?sb-hc-action=request&sb-hc-id={request_id}"
            ),
            "id": request_id,
            "requestTarget": path + (f"?{query}" if query else ""),
            "method": request.method,
            "remoteEndpoint": {"address": "127.0.0.1", "port": 0},
            "requestHeaders": headers,
            "body": bool(request.body),
        }
        size = len(request.body) + len(json.dumps(headers))
        listener = random.choice(self.listeners)
        pending = _Pending(
            listener,
            message,
            request.body,
            via_rendezvous=size > self.rendezvous_threshold,
            answer=asyncio.get_running_loop().create_future(),
        )
        self._pending[request_id] = pending
        self._rendezvous[request_id] = pending
        try:
            async with listener.send_lock:
                if pending.via_rendezvous:
                    await listener.peer.send(
                        json.dumps({"request": {"address": message["address"], "id": request_id}})
                    )
                else:
                    await listener.peer.send(json.dumps({"request": message}))
                    if request.body:
                        await listener.peer.send(request.body)
            response, body = await asyncio.wait_for(pending.answer, self.response_timeout)
        except TimeoutError:
            await self._relay_error(writer, 504, "GatewayTimeout")
            return True
        except (_ListenerGoneError, PeerClosedError):
            await self._relay_error(writer, 502, "ListenerDisconnected")
            return True
        finally:
            self._pending.pop(request_id, None)
            self._rendezvous.pop(request_id, None)
        out_headers = list(response.get("responseHeaders", {}).items())
        out_headers.append(("Via", f"1.1 {self.namespace}"))
        await write_response(
            writer,
            int(response["statusCode"]),
            out_headers,
            body,
            reason=response.get("statusDescription"),
            # The listener closes a rendezvous after answering, which drops the sender connection.
            close=pending.via_rendezvous,
        )
        return not pending.via_rendezvous

    def _take_token(
        self, request: HttpRequest, query: str
    ) -> tuple[str | None, dict[str, str], str]:
        """Relay authorization (section 4.2): which token counts, and what reaches the listener."""
        params = [p for p in query.split("&") if p]
        query_token = next(
            (unquote(p.split("=", 1)[1]) for p in params if p.startswith("sb-hc-token=")), None
        )
        # Every sb-hc-* parameter that has a value is stripped; one without '=' stays.
        kept = "&".join(p for p in params if not (p.startswith("sb-hc-") and "=" in p))
        header_token = request.header("ServiceBusAuthorization")
        token = header_token or query_token
        consume_authorization = token is None and self.requires_client_authorization
        if consume_authorization:
            token = request.header("Authorization")
        headers: dict[str, str] = {}
        for name, value in request.headers:
            lower = name.lower()
            if lower in _CONNECTION_HEADERS or lower == "servicebusauthorization":
                continue
            if lower == "authorization" and consume_authorization:
                continue
            existing = next((k for k in headers if k.lower() == lower), None)
            if existing is None:
                headers[name] = value
            else:
                headers[existing] += ", " + value
        return token, headers, kept

    async def _relay_error(
        self, writer: asyncio.StreamWriter, status: int, code: str, *, close: bool = False
    ) -> None:
        tracking = f"{uuid.uuid4()}_G0"
        body = json.dumps(
            {"error": {"code": code, "message": f"{code} (double). TrackingId:{tracking}"}}
        ).encode()
        await write_response(
            writer, status, [("Content-Type", "application/json")], body, close=close
        )

    # --- listener side ---------------------------------------------------------------------

    async def _control(self, listener: _Listener) -> None:
        async with self._listeners_changed:
            self.listeners.append(listener)
            self._listeners_changed.notify_all()
        watchdog = asyncio.create_task(self._expire(listener))
        try:
            if self.close_new_listeners is not None:
                await listener.peer.close(self.close_new_listeners, "injected by the test")
            while True:
                message = await listener.peer.recv()
                if not isinstance(message, str):
                    self.errors.append("binary frame without a response frame")
                    continue
                command = json.loads(message)
                if "renewToken" in command:
                    status, expiry = self.check_token(command["renewToken"]["token"], "Listen")
                    if status:
                        await listener.peer.close(1008, "renewToken refused")
                        return
                    listener.expiry = expiry
                elif "response" in command:
                    size = len(message.encode())
                    if size > CONTROL_HEADER_LIMIT:
                        self.errors.append(f"response frame of {size} bytes on the control channel")
                        await listener.peer.close(1011, "header metadata too large")
                        return
                    await self._answer(listener.peer, command["response"], control=True)
        except PeerClosedError:
            pass
        finally:
            watchdog.cancel()
            async with self._listeners_changed:
                self.listeners.remove(listener)
                self._listeners_changed.notify_all()
            for pending in list(self._pending.values()):
                mine = pending.listener is listener and not pending.via_rendezvous
                if mine and not pending.answer.done():
                    pending.answer.set_exception(_ListenerGoneError())

    async def _expire(self, listener: _Listener) -> None:
        # Re-read the expiry after each sleep: a renewToken may have moved it.
        while True:
            left = listener.expiry - self.clock()
            if left <= 0:
                break
            await asyncio.sleep(min(left, 0.5))
        await listener.peer.close(1008, "token expired")

    async def _answer(self, peer: WsPeer, response: dict[str, Any], *, control: bool) -> None:
        body = b""
        if response.get("body"):
            data = await peer.recv()
            if not isinstance(data, bytes):
                self.errors.append("response body is not a binary frame")
                return
            body = data
        if control and len(body) > CONTROL_LIMIT:
            self.errors.append(f"response body of {len(body)} bytes on the control channel")
            await peer.close(1011, "body too large for the control channel")
            return
        pending = self._pending.get(response.get("requestId", ""))
        if pending is None:
            self.errors.append(f"response for unknown request {response.get('requestId')}")
        elif not pending.answer.done():
            pending.answer.set_result((response, body))

    async def _rendezvous_socket(self, peer: WsPeer, pending: _Pending) -> None:
        try:
            if pending.via_rendezvous:
                await peer.send(json.dumps({"request": pending.request}))
                if pending.body:
                    await peer.send(pending.body)
            message = await peer.recv()
            if isinstance(message, str) and "response" in json.loads(message):
                await self._answer(peer, json.loads(message)["response"], control=False)
            else:
                self.errors.append("rendezvous without a response frame")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(peer.closed.wait(), 2)
        except PeerClosedError:
            if not pending.answer.done():
                pending.answer.set_exception(_ListenerGoneError())
        finally:
            await peer.close()
