"""Serves the very same FunctionApp over local HTTP, for machines without Functions Core Tools.

Routes come from the functions' own trigger metadata and host.json's route prefix, matched
case-insensitively with literal segments preferred over parameters, as the Functions host does.
Handlers run on one long-lived event loop in a background thread (the shared httpx client is
bound to the loop that opened it), and so does the HTTP/1.1 side: llhttp, through httptools (the
parser uvicorn uses, see request_events.py), over asyncio streams. Like the Functions host
adding an instance, it runs the app's warmup function (a `warmupTrigger`) before it opens its
port. `func start` remains the real host.

The server may face a network (a tunnel to Entra, a load test), so it does what a front end
would: a request's head is bounded in size and time; a route that checks a bearer token answers
401/413 from the head alone, before a byte of a body still to come is read (a route function
says so by carrying `connector.http.lazy.PRECHECK_ATTRIBUTE`; a body that came whole with its
head is read already, and the route checks it as it does any); a body is read up to a hard
limit, never allocated by its declared length; chunked bodies are decoded (never parsed as a
next request); idle and half-sent requests time out; the number of open connections is capped;
and each response leaves in one write on a TCP_NODELAY socket (two writes would wait for the
client's delayed ACK).
"""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import functools
import http
import json
import logging
import re
import socket
import threading
import time
from collections.abc import Callable, Coroutine
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast
from urllib.parse import parse_qsl, urlsplit

import azure.functions as func
from azure.functions.warmup import WarmUpContext

from ..deadline import MovableDeadline
from ..http.lazy import PRECHECK_ATTRIBUTE, Precheck
from ..http_syntax import valid_name, valid_value
from ..scim.requests import MAX_BODY_BYTES
from .request_events import CLOSED, NEED_DATA, Body, End, Head, ProtocolError, RequestEvents

log = logging.getLogger("connector.local_host")

UserFunction = Callable[[func.HttpRequest], Coroutine[Any, Any, func.HttpResponse]]
Warmup = Callable[[WarmUpContext], Coroutine[Any, Any, None]]
# (the request without its body, the body's length when known) -> a refusal, or None to go on.
# Longer than any request budget, shorter than the Functions host's own 230 s limit.
HANDLER_TIMEOUT_SECONDS = 120.0
WARMUP_TIMEOUT_SECONDS = 60.0
_READ_CHUNK = 64 * 1024
# What `_respond` writes itself, whatever a handler set.
_FRAMING_HEADERS = frozenset(
    {"content-length", "transfer-encoding", "content-type", "connection", "date"}
)


@dataclass(frozen=True)
class Limits:
    """What one client may cost the server; the defaults suit Entra, the tests and the benches."""

    # Bodies: the SCIM limit (a larger one is refused by every route anyway).
    max_body_bytes: int = MAX_BODY_BYTES
    # Request line and headers together (what is buffered of a head not complete yet).
    max_head_bytes: int = 64 * 1024
    # Keep-alive: how long a connection may wait for the first byte of its next request.
    idle_seconds: float = 30.0
    # From a request's first byte to the end of its headers (slowloris sends them a byte a time).
    head_seconds: float = 10.0
    # From the end of the headers to the end of the body.
    body_seconds: float = 20.0
    # For the client to take a response (a client that never reads must not hold a connection).
    send_seconds: float = 20.0
    # After refusing a request whose body was not read: what the client still sends is read and
    # dropped for this long (and up to linger_bytes), so it sees the answer rather than a reset.
    linger_seconds: float = 2.0
    linger_bytes: int = 4 * 1024 * 1024
    # Far below the file-descriptor limit: past it a new connection gets a 503 and is closed,
    # and the connector keeps descriptors for its own calls to the target.
    max_connections: int = 512
    handler_seconds: float = HANDLER_TIMEOUT_SECONDS


@dataclass(frozen=True)
class Route:
    pattern: re.Pattern[str]
    methods: frozenset[str] | None
    function: UserFunction
    literal_segments: int
    precheck: Precheck | None = None


def _compile(template: str) -> tuple[re.Pattern[str], int]:
    parts, literals = [], 0
    for segment in template.strip("/").split("/"):
        if segment.startswith("{*") and segment.endswith("}"):
            name = segment[2:-1].split(":")[0].rstrip("?")
            parts.append(f"(?P<{name}>.*)")
        elif segment.startswith("{") and segment.endswith("}"):
            name = segment[1:-1].split(":")[0].rstrip("?")
            parts.append(f"(?P<{name}>[^/]+)")
        else:
            parts.append(re.escape(segment))
            literals += 1
    return re.compile("^/" + "/".join(parts) + "/?$", re.IGNORECASE), literals


def route_prefix(host_json: Path) -> str:
    try:
        config = json.loads(host_json.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return "api"
    prefix = config.get("extensions", {}).get("http", {}).get("routePrefix", "api")
    return str(prefix).strip("/")


def _functions_of(app: func.FunctionApp, prefix: str) -> tuple[list[Route], list[Warmup]]:
    """The app's HTTP routes, and its warmup functions (get_functions() may run once an app)."""
    routes, warmups = [], []
    for function in app.get_functions():
        binding = json.loads(function.get_function_json())["bindings"][0]
        if binding.get("type") == "warmupTrigger":
            warmups.append(cast(Warmup, function.get_user_function()))
        if binding.get("type") != "httpTrigger":
            continue
        template = "/".join(p for p in (prefix, binding.get("route") or "") if p)
        pattern, literals = _compile(template)
        methods = binding.get("methods")
        user_function = function.get_user_function()
        routes.append(
            Route(
                pattern,
                frozenset(m.upper() for m in methods) if methods else None,
                user_function,
                literals,
                cast(Precheck | None, getattr(user_function, PRECHECK_ATTRIBUTE, None)),
            )
        )
    return sorted(routes, key=lambda r: -r.literal_segments), warmups


class LocalHost:
    """Dispatches requests to the FunctionApp's handlers on a private event loop."""

    def __init__(self, app: func.FunctionApp, host_json: Path) -> None:
        self.routes, self.warmups = _functions_of(app, route_prefix(host_json))
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self._thread.start()

    def warm_up(self, seconds: float = WARMUP_TIMEOUT_SECONDS) -> None:
        """Run the app's warmup functions on the handlers' loop, as the Functions host does
        before a new instance takes traffic; one that fails or overruns is logged, not raised
        (the instance serves all the same)."""
        for warmup in self.warmups:
            future = asyncio.run_coroutine_threadsafe(warmup(WarmUpContext()), self.loop)
            try:
                future.result(timeout=seconds)
            except FutureTimeout:
                future.cancel()
                log.warning("the app's warmup did not finish within %.0f s", seconds)
            except Exception:
                log.exception("the app's warmup failed")

    def match(self, path: str, method: str) -> tuple[Route, dict[str, str]] | int:
        allowed = False
        for route in self.routes:
            found = route.pattern.match(path)
            if found is None:
                continue
            if route.methods is None or method in route.methods:
                return route, {k: v for k, v in found.groupdict().items() if v is not None}
            allowed = True
        return 405 if allowed else 404

    async def _timed_call(self, route: Route, request: func.HttpRequest) -> func.HttpResponse:
        """The handler's answer, or 504 when it takes longer than a handler may (on this loop)."""
        try:
            async with asyncio.timeout(HANDLER_TIMEOUT_SECONDS):
                return await route.function(request)
        except Exception as error:
            return _failed(request, error)

    def dispatch(
        self, method: str, url: str, headers: dict[str, str], body: bytes
    ) -> func.HttpResponse:
        """One request from another thread, without HTTP (for probes and tests)."""
        split = urlsplit(url)
        matched = self.match(split.path, method)
        if isinstance(matched, int):
            return func.HttpResponse(status_code=matched)
        route, params = matched
        request = _request(method, url, split.query, headers, params, body)
        future = asyncio.run_coroutine_threadsafe(self._timed_call(route, request), self.loop)
        try:
            return future.result(timeout=HANDLER_TIMEOUT_SECONDS + 5)
        except FutureTimeout:
            future.cancel()
            return func.HttpResponse(status_code=504)

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout=5)


def _failed(request: func.HttpRequest, error: Exception) -> func.HttpResponse:
    """The answer to a handler that raised `error`: 504 for a timeout (its own included)."""
    if isinstance(error, TimeoutError):
        return func.HttpResponse(status_code=504)
    # The connector's routes answer every error themselves; this is a bug in a handler.
    log.error(
        "the handler of %s %s raised",
        request.method,
        urlsplit(request.url).path,
        exc_info=error,
    )
    return func.HttpResponse(status_code=500)


def _request(
    method: str,
    url: str,
    query: str,
    headers: dict[str, str],
    route_params: dict[str, str],
    body: bytes,
) -> func.HttpRequest:
    return func.HttpRequest(
        method=method,
        url=url,
        headers=headers,
        params=dict(parse_qsl(query, keep_blank_values=True)) if query else {},
        route_params=route_params,
        body=body,
    )


class _Closed(Exception):
    """The client went away, or took too long; the connection is closed without an answer."""


class _Refused(Exception):
    """The connection is answered with this plain-text status and closed."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


def plain_response(status: int, detail: str, *, close: bool = True) -> bytes:
    """A complete plain-text HTTP/1.1 response, for what is refused before there is a request."""
    body = (detail + "\n").encode("utf-8")
    phrase = http.HTTPStatus(status).phrase
    head = (
        f"HTTP/1.1 {status} {phrase}\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n"
        f"Content-Length: {len(body)}\r\n" + ("Connection: close\r\n" if close else "")
    )
    return head.encode("ascii") + b"Date: " + _http_date() + b"\r\n\r\n" + body


def _handler_fields(response: func.HttpResponse) -> bytes | None:
    """The header lines the handler set (its Content-Type last), as sent; None when one cannot
    be sent as HTTP/1.1."""
    lines: list[bytes] = []
    for name, value in response.headers.items():
        start = _name_start(name)
        if start is None:
            return None
        if start:  # b"": a framing header, written by `_respond` alone
            value_bytes = _header_bytes(value)
            if not valid_value(value_bytes):
                return None
            lines += (start, value_bytes, b"\r\n")
    if response.mimetype:
        line = _content_type_line(response.mimetype, response.charset)
        if line is None:
            return None
        lines.append(line)
    return b"".join(lines)


# What a handler sets is checked and encoded once: the names of its headers and its content
# types recur from one response to the next (bounded all the same, whatever a handler sets).
@functools.lru_cache(maxsize=256)
def _name_start(name: str) -> bytes | None:
    """b"Name: " for a header name, b"" for one the server frames itself, None for no token."""
    if name.lower() in _FRAMING_HEADERS:
        return b""
    try:
        encoded = name.encode("ascii")
    except UnicodeEncodeError:
        return None
    return encoded + b": " if valid_name(encoded) else None


@functools.lru_cache(maxsize=256)
def _content_type_line(mimetype: str, charset: str | None) -> bytes | None:
    text = f"{mimetype}; charset={charset}" if charset else mimetype
    try:
        value = text.encode("ascii")
    except UnicodeEncodeError:
        return None
    return b"Content-Type: " + value + b"\r\n" if valid_value(value) else None


def _status_line(status: int) -> bytes:
    try:
        phrase = http.HTTPStatus(status).phrase.encode("ascii")
    except ValueError:
        phrase = b""
    return b"HTTP/1.1 %d %s\r\n" % (status, phrase)


_STATUS_LINES = {status.value: _status_line(status.value) for status in http.HTTPStatus}


def _http_date() -> bytes:
    """Now, as a Date header says it; formatted once a second (it was ~3 % of a request)."""
    return _date_of(int(time.time()))


@functools.lru_cache(maxsize=1)
def _date_of(second: int) -> bytes:
    return email.utils.formatdate(second, usegmt=True).encode("ascii")


def _header_bytes(value: str) -> bytes:
    # Latin-1 as http.server wrote headers; UTF-8 for what Latin-1 cannot say (obs-text).
    try:
        return value.encode("latin-1")
    except UnicodeEncodeError:
        return value.encode("utf-8")


def _no_delay(writer: asyncio.StreamWriter) -> None:
    sock = writer.get_extra_info("socket")
    if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class _Alarm:
    """One connection's deadline for the waits every request has (for its first byte, for its
    handler), moved by setting a float (a `MovableDeadline`: `asyncio.timeout` schedules and
    cancels a timer each time, with two a request ~15 us of the server's ~80 us per request).
    At the deadline it cancels the task, as asyncio.timeout does, and `stop` tells that
    cancellation from any other (`RunningServer.stop`'s)."""

    def __init__(self, task: asyncio.Task[Any]) -> None:
        self._task = task
        self._deadline = MovableDeadline(task.get_loop(), self._ring)
        self._cancelling = 0
        self._rung = False

    def start(self, seconds: float) -> None:
        """Cancel the task in `seconds`, unless `stop` comes first."""
        self._deadline.start(seconds)
        self._cancelling = self._task.cancelling()

    def stop(self) -> bool:
        """Whether the deadline passed: then the cancellation was the alarm's, and is taken back
        (a CancelledError the task raised since is a timeout), unless another came too."""
        self._deadline.clear()
        if not self._rung:
            return False
        self._rung = False
        return self._task.uncancel() <= self._cancelling

    def close(self) -> None:
        self._deadline.close()

    def _ring(self) -> None:
        self._rung = True
        self._task.cancel()


@dataclass
class _Connection:
    """One client connection: requests one after another until either side closes."""

    host: LocalHost
    limits: Limits
    origin: str
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    events: RequestEvents = field(init=False)
    alarm: _Alarm = field(init=False)

    def __post_init__(self) -> None:
        self.events = RequestEvents(self.limits.max_head_bytes)

    async def serve(self) -> None:
        task = asyncio.current_task()
        assert task is not None
        self.alarm = _Alarm(task)
        try:
            await self._serve()
        finally:
            self.alarm.close()

    async def _serve(self) -> None:
        _no_delay(self.writer)
        try:
            try:
                while await self._exchange():
                    pass
            except ProtocolError as error:
                raise _Refused(error.status, error.detail) from None
        except _Refused as refused:
            with contextlib.suppress(ConnectionError, TimeoutError):
                await self._send(plain_response(refused.status, refused.detail))
                await self._linger()
        except (_Closed, ConnectionError, TimeoutError):
            pass

    async def _exchange(self) -> bool:
        """Answer one request; True when the connection can carry another."""
        request = await self._head()
        if request is None:
            return False
        method = request.method
        try:
            target = request.target.decode("ascii")
        except UnicodeDecodeError:
            target = ""
        if not target.startswith("/"):
            raise _Refused(400, "the request target must be an ASCII path (origin form)")
        headers = request.headers
        declared = request.body_length
        has_body = declared != 0

        url = self.origin + target
        # An origin-form target (llhttp refused spaces and controls in it): its path and query
        # by partition (urlsplit was ~10 % of this server's time per request). Unlike urlsplit,
        # a target starting `//` is a path, as RFC 9112 section 3.2.1 has it, not an authority.
        path, _, query = target.partition("#")[0].partition("?")
        matched = self.host.match(path, method)
        if isinstance(matched, int):
            unmatched = func.HttpResponse(status_code=matched)
            if has_body:
                return await self._respond(method, unmatched, body_unread=True)
            return await self._respond(method, unmatched, keep_alive=await self._end())
        route, params = matched
        body, keep_alive = b"", False
        if has_body:
            # The request as its head alone tells it, for the checks made before the body.
            head_only = functools.partial(_request, method, url, query, headers, params, b"")
            # A body that came whole with its head is read already: refusing it unread saves
            # nothing, and the route checks the token again anyway (~3 % of a POST). One still
            # to come, or over the limit, is judged by its head.
            whole = self.events.message_read() and (declared or 0) <= self.limits.max_body_bytes
            refusal = None if whole else await self._before_body(route, head_only(), declared)
            if refusal is not None:
                return await self._respond(method, refusal, body_unread=True)
            if request.expects_continue and not whole:  # a body here already was not waiting
                await self._send(b"HTTP/1.1 100 Continue\r\n\r\n")
            read = await self._body()
            if read is None:
                # Longer than the limit while being read (chunked): refused like a declared one.
                over = self.limits.max_body_bytes + 1
                refusal = await self._before_body(route, head_only(), over)
                assert refusal is not None
                return await self._respond(method, refusal, body_unread=True)
            body, keep_alive = read
        else:
            keep_alive = await self._end()
        request_with_body = _request(method, url, query, headers, params, body)
        response = await self._call(route, request_with_body)
        return await self._respond(method, response, keep_alive=keep_alive)

    async def _call(self, route: Route, request: func.HttpRequest) -> func.HttpResponse:
        """As `LocalHost._timed_call`, timed by the connection's alarm."""
        alarm = self.alarm
        alarm.start(self.limits.handler_seconds)
        expired = False
        try:
            try:
                return await route.function(request)
            finally:
                expired = alarm.stop()
        except asyncio.CancelledError:
            if expired:
                return func.HttpResponse(status_code=504)
            raise
        except Exception as error:
            return _failed(request, error)

    async def _before_body(
        self, route: Route, head_only: func.HttpRequest, length: int | None
    ) -> func.HttpResponse | None:
        """The refusal the head alone earns (the route's own first), or None to read the body."""
        if route.precheck is not None:
            refusal = await route.precheck(head_only, length)
            if refusal is not None:
                return refusal
        if length is not None and length > self.limits.max_body_bytes:
            return func.HttpResponse(
                f"The request body is larger than {self.limits.max_body_bytes} bytes",
                status_code=413,
                mimetype="text/plain",
                charset="utf-8",
            )
        return None

    def _deadline(self, seconds: float) -> float:
        return asyncio.get_running_loop().time() + seconds

    async def _event(self, deadline: float) -> Any:
        """The next request event, reading as needed until `deadline` (then TimeoutError)."""
        while True:
            event = self.events.next_event()
            if event is not NEED_DATA:
                return event
            async with asyncio.timeout_at(deadline):
                data = await self.reader.read(_READ_CHUNK)
            self.events.receive(data)

    async def _head(self) -> Head | None:
        """The next request's head; None when the client closed or stayed idle too long."""
        event = self.events.next_event()
        if event is NEED_DATA:
            # Keep-alive: waiting for a first byte is cheap, and bounded by the idle timeout.
            alarm = self.alarm
            alarm.start(self.limits.idle_seconds)
            try:
                data = await self.reader.read(_READ_CHUNK)
            except asyncio.CancelledError:
                if alarm.stop():
                    return None
                raise
            alarm.stop()
            self.events.receive(data)
            try:
                event = await self._event(self._deadline(self.limits.head_seconds))
            except TimeoutError:
                raise _Refused(408, "the request's headers took too long") from None
        if event is CLOSED:
            return None
        assert isinstance(event, Head)  # a body or an end comes only after its head
        return event

    async def _end(self) -> bool:
        """The end of a request without a body (llhttp has it by now, with the head): whether
        the client may send another request on this connection."""
        event = self.events.next_event()
        if event is NEED_DATA:  # no timer to set where the end came with the head
            event = await self._event(self._deadline(self.limits.body_seconds))
        if event is CLOSED:
            raise _Closed
        assert isinstance(event, End)
        return event.keep_alive

    async def _body(self) -> tuple[bytes, bool] | None:
        """The whole body and whether the client may send another request on this connection,
        or None as soon as the body is longer than the limit."""
        parts: list[bytes] = []
        size = 0
        deadline = self._deadline(self.limits.body_seconds)
        while True:
            try:
                event = await self._event(deadline)
            except TimeoutError:
                raise _Refused(408, "the request's body took too long") from None
            if isinstance(event, End):
                return b"".join(parts), event.keep_alive
            if isinstance(event, Body):
                size += len(event.data)
                if size > self.limits.max_body_bytes:
                    return None
                parts.append(event.data)
            elif event is CLOSED:
                raise _Closed

    async def _respond(
        self,
        method: str,
        response: func.HttpResponse,
        *,
        keep_alive: bool = False,
        body_unread: bool = False,
    ) -> bool:
        """Send the response in one write; True when the connection carries another request
        (`keep_alive`: the client's request allowed it; never with its body left unread)."""
        keep_alive = keep_alive and not body_unread
        status = response.status_code
        fields = _handler_fields(response)
        if fields is None:
            log.error("a response cannot be sent as HTTP/1.1 (status %s): a bad header", status)
            await self._send(plain_response(500, "Internal error; the connector's log has details"))
            return False
        payload = response.get_body() or b""
        if status == 204:
            # RFC 9110 section 15.3.5: no content, and no Content-Length.
            length, payload = b"", b""
        else:
            length = b"Content-Length: %d\r\n" % len(payload)
        # One write: head and body leave in the same segment.
        await self._send(
            b"".join(
                (
                    _STATUS_LINES.get(status) or _status_line(status),
                    fields,
                    length,
                    b"Date: ",
                    _http_date(),
                    # Not kept: the rest of this request was never read, or the client asked.
                    b"\r\n\r\n" if keep_alive else b"\r\nConnection: close\r\n\r\n",
                    b"" if method == "HEAD" else payload,
                )
            )
        )
        if body_unread:
            await self._linger()
        return keep_alive

    async def _send(self, data: bytes) -> None:
        writer = self.writer
        writer.write(data)
        if writer.transport.get_write_buffer_size() == 0:
            return  # all taken by the socket already: nothing to wait for, no timer to set
        try:
            async with asyncio.timeout(self.limits.send_seconds):
                await writer.drain()
        except TimeoutError:
            # Closing would wait for the client to take what is buffered, which it does not.
            writer.transport.abort()
            raise

    async def _linger(self) -> None:
        """Half-close, then drop what the client still sends (bounded), so it reads our answer
        instead of a reset caused by closing with its data unread."""
        with contextlib.suppress(OSError, RuntimeError):
            if self.writer.can_write_eof():
                self.writer.write_eof()
        dropped = 0
        with contextlib.suppress(TimeoutError, ConnectionError):
            async with asyncio.timeout(self.limits.linger_seconds):
                while dropped < self.limits.linger_bytes:
                    chunk = await self.reader.read(_READ_CHUNK)
                    if not chunk:
                        break
                    dropped += len(chunk)


async def serve_connection(
    host: LocalHost,
    limits: Limits,
    origin: str,
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
) -> None:
    """Serve one accepted connection until either side ends it (the caller closes `writer`).
    `origin` (scheme://host:port) prefixes each request's target in the handlers' URL."""
    await _Connection(host, limits, origin, reader, writer).serve()


@dataclass
class RunningServer:
    server: asyncio.Server
    host: LocalHost
    limits: Limits
    connections: set[asyncio.Task[None]] = field(default_factory=set)
    _origin: str = ""

    def __post_init__(self) -> None:
        self._origin = self.url

    @property
    def url(self) -> str:
        address, port = self.server.sockets[0].getsockname()[:2]
        shown = f"[{address}]" if ":" in str(address) else str(address)
        return f"http://{shown}:{port}"

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        if len(self.connections) >= self.limits.max_connections:
            with contextlib.suppress(OSError, RuntimeError):
                writer.write(plain_response(503, "too many connections; retry shortly"))
            writer.close()
            return
        self.connections.add(task)
        try:
            await serve_connection(self.host, self.limits, self._origin, reader, writer)
        except asyncio.CancelledError:
            # Cancelled by stop(), at the top of the connection's own task: end quietly (asyncio
            # 3.11 logs a cancelled connection callback as an error).
            pass
        finally:
            self.connections.discard(task)
            writer.close()

    async def _close(self) -> None:
        self.server.close()
        for task in list(self.connections):
            task.cancel()
        await asyncio.gather(*self.connections, return_exceptions=True)
        await self.server.wait_closed()

    def stop(self) -> None:
        future = asyncio.run_coroutine_threadsafe(self._close(), self.host.loop)
        with contextlib.suppress(FutureTimeout):
            future.result(timeout=5)
        self.host.close()


def start(
    app: func.FunctionApp, host_json: Path, host: str, port: int, limits: Limits | None = None
) -> RunningServer:
    """Listen on host:port (0: any free port) and serve `app` until `stop()`. OSError when the
    address cannot be bound."""
    local = LocalHost(app, host_json)
    local.warm_up()  # before the port opens: no request meets a cold instance
    chosen = limits or Limits()
    holder: list[RunningServer] = []

    async def accept(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await holder[0]._accept(reader, writer)

    async def listen() -> asyncio.Server:
        # Entra and load tests open many connections at once; a small backlog resets some.
        return await asyncio.start_server(accept, host, port, backlog=128, limit=_READ_CHUNK)

    try:
        server = asyncio.run_coroutine_threadsafe(listen(), local.loop).result()
    except OSError:
        local.close()
        raise
    holder.append(RunningServer(server, local, chosen))
    return holder[0]
