"""An httpx transport that speaks HTTP/1.1 on the event loop's own connections, parsed by llhttp.

httpx's default transport (httpcore over anyio, parsing with h11) spends 0.7-0.85 ms of CPU on
each call on the bench machine, this one 0.3-0.5 ms (`python -m bench.transport`); that was a
third of a SCIM request's CPU. A target call needs little: one request at a time on a
connection, connections kept alive for the next call, and answers read whole (the client reads
every body anyway). This transport does just that under httpx's client, which still builds the
requests (`ApiClient` calls this transport directly with them), sets the timeouts, decodes
content encodings and raises its own errors; httptools
(the llhttp parser that uvicorn uses) reads the answers.

What it does not do: proxies (where the environment names one, `ApiClient` uses httpx's own
transport instead), HTTP/2, and answers handed over while they still arrive.

An answer that comes while the request is still being written (a 413 or 401 sent after the
head, the body left unread) is returned, and its connection not kept. Over TLS asyncio's own
TLS layer hides how much of a request the socket has yet to take, so a connection that carried a
request larger than a socket surely takes at once is not kept either.
"""

from __future__ import annotations

import asyncio
import functools
import re
import select
import ssl
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx
from httptools.parser.errors import HttpParserError, HttpParserUpgrade
from httptools.parser.parser import HttpResponseParser

from ..deadline import MovableDeadline
from ..http_syntax import valid_header

# httpcore's default too: servers rarely close an idle connection sooner.
KEEPALIVE_SECONDS = 5.0
_TARGET_BREAK = re.compile(rb"[\r\n\0 ]")
_DEFAULT_PORTS = {b"http": 80, b"https": 443}
# What a new socket's send buffer takes at once (Linux's tcp_wmem default): over TLS, a request
# larger than this may not have gone whole when its answer comes.
_TLS_SENT_WHOLE = 16 * 1024

Origin = tuple[bytes, str, int]  # scheme, host, port


# The response extension holding an answer's body when it has no Content-Encoding: that body is
# the content, which a caller that reads the answer itself may take as read (ApiClient does)
# rather than pass it through httpx's decoder again. The response is otherwise httpx's own, for
# any client that wraps this transport.
PLAIN_BODY = "connector.plain_body"


@dataclass
class _Answer:
    status: int = 0
    reason: bytes = b""
    headers: list[tuple[bytes, bytes]] = field(default_factory=list)
    body: list[bytes] = field(default_factory=list)
    # Neither Content-Length nor Transfer-Encoding: the body ends when the server closes.
    framed: bool = False
    # A Content-Encoding (gzip, ...): the body is not the content until httpx decodes it.
    encoded: bool = False


class _Connection(asyncio.Protocol):
    """One TCP (or TLS) connection, carrying one exchange at a time."""

    def __init__(self) -> None:
        self._parser = HttpResponseParser(self)
        self._transport: asyncio.Transport | None = None
        self._answer = _Answer()
        self._waiter: asyncio.Future[_Answer] | None = None
        self._headers_done = False
        self._head_only = False
        # Made by the loop's create_connection, in the loop it serves.
        self._loop = asyncio.get_running_loop()
        # The read timeout: set while an exchange waits for the answer's next bytes, one timer
        # per connection rather than one per exchange (an asyncio.timeout pushes and cancels one
        # on the loop's heap each time).
        self._read_deadline = MovableDeadline(self._loop, self._read_expired)
        self._read_seconds = 0.0
        # Set while writing is paused (the socket has not taken all of the request); its result
        # says whether the answer came first (the server answered without reading the rest).
        self._writable: asyncio.Future[bool] | None = None
        self._tls = False
        # Some of a request may be left unsent (its answer came early): closing drops it.
        self._unsent = False
        self.lost = False
        self.reusable = False
        self.idle_since = 0.0

    # -- the caller's side ------------------------------------------------------------------------

    async def exchange(
        self,
        data: bytes,
        *,
        head_only: bool,
        write_seconds: float | None,
        read_seconds: float | None,
    ) -> _Answer:
        assert self._transport is not None
        loop = self._loop
        self._answer = _Answer()
        self._headers_done = False
        self._head_only = head_only
        self.reusable = False
        waiter: asyncio.Future[_Answer] = loop.create_future()
        self._waiter = waiter
        self._transport.write(data)
        if self._tls and len(data) > _TLS_SENT_WHOLE:
            # Asyncio's TLS layer does not say whether all of it went: the connection is not
            # kept, and is dropped (not closed politely, which would wait for the server to take
            # the rest) whether the answer comes or not.
            self._unsent = True
        # Most requests go whole into the socket here; the rest wait until it takes them, or until
        # the server answers first (a 413 or 401 sent after reading the head only): it may never
        # read the rest, and its answer is what the caller needs, not a WriteTimeout.
        early = self._writable is not None and await self._sent(self._writable, write_seconds)
        if read_seconds is not None and not waiter.done():
            self._read_seconds = read_seconds
            self._read_deadline.start(read_seconds)
        try:
            answer = await waiter
        finally:
            self._read_deadline.clear()
            self._waiter = None
        if early:
            # The request was never sent whole: what is left of it would go out ahead of the
            # next one. The caller closes the connection, and drops what is left unsent.
            self._unsent = True
        if self._unsent:
            self.reusable = False
        return answer

    @staticmethod
    async def _sent(writable: asyncio.Future[bool], seconds: float | None) -> bool:
        """Waits while writing is paused (over plain TCP: until the socket has taken the whole
        request); True if the server answered first."""
        try:
            async with asyncio.timeout(seconds):
                return await writable
        except TimeoutError:
            raise httpx.WriteTimeout("the target did not take the request in time") from None

    def _read_expired(self) -> None:
        self._fail(httpx.ReadTimeout("the target did not answer in time"))

    def has_news(self) -> bool:
        """Whether the socket holds something the loop has not read yet: on an idle connection,
        the server's close (or bytes nobody asked for), which would lose the next request."""
        sock = self._transport.get_extra_info("socket") if self._transport is not None else None
        if sock is None:
            return False
        # poll, not select: select refuses descriptors past 1,023 (FD_SETSIZE), which a busy
        # process has, and every idle connection would then look closed.
        poller = select.poll()
        try:
            poller.register(sock, select.POLLIN)
        except (OSError, ValueError):  # closed under us
            return True
        return bool(poller.poll(0))

    def close(self) -> None:
        # As good as lost from now: connection_lost only comes a loop iteration later.
        self.lost = True
        self.reusable = False
        self._read_deadline.close()
        transport = self._transport
        if transport is not None:
            if self._unsent or transport.get_write_buffer_size():
                # Bytes the server has not taken (a request it answered early, or did not take
                # in time): close would wait for them, as long as the server leaves it open.
                transport.abort()
            else:
                transport.close()

    # -- asyncio's side ---------------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport
        self._tls = transport.get_extra_info("sslcontext") is not None
        if not self._tls:
            # Writing pauses whenever the socket leaves any of a request unsent, not only past
            # the loop's 64 KiB: an answer that comes before the last byte is then known to be
            # early. (Over TLS the loop's own layer hides the socket's buffer from this limit,
            # and 0 there would pause and resume writing with nothing buffered.)
            transport.set_write_buffer_limits(high=0)

    def data_received(self, data: bytes) -> None:
        waiter = self._waiter
        if waiter is None or waiter.done():
            # Bytes nobody asked for: the connection cannot be trusted with another request.
            self.close()
            return
        try:
            self._parser.feed_data(data)
        except (HttpParserError, HttpParserUpgrade) as error:
            self._fail(httpx.RemoteProtocolError(f"the target's answer is not HTTP/1.1: {error}"))
            self.close()
            return
        if self._read_deadline.at is not None and not waiter.done():
            # httpx's read timeout is the longest silence, not the whole answer's time (most
            # answers come whole in one read, and move no deadline).
            self._read_deadline.start(self._read_seconds)

    def connection_lost(self, exc: Exception | None) -> None:
        self.lost = True
        self.reusable = False
        self._read_deadline.close()
        if self._writable is not None and not self._writable.done():
            self._writable.set_result(False)  # the read below reports what happened
        if self._headers_done and not self._answer.framed and exc is None:
            self._finish(reusable=False)  # the server's orderly close ends the body
        elif self._headers_done:
            self._fail(httpx.RemoteProtocolError("the target closed the connection mid-answer"))
        else:
            self._fail(httpx.RemoteProtocolError("the target closed the connection unanswered"))

    def pause_writing(self) -> None:
        self._writable = self._loop.create_future()

    def resume_writing(self) -> None:
        if self._writable is not None and not self._writable.done():
            self._writable.set_result(False)
        self._writable = None

    # -- llhttp's side ----------------------------------------------------------------------------

    def on_message_begin(self) -> None:
        if self._waiter is None or self._waiter.done():
            # An answer to no request, right behind the last one: it cannot be trusted.
            self.close()
        self._answer = _Answer()

    def on_status(self, status: bytes) -> None:
        self._answer.reason += status

    def on_header(self, name: bytes, value: bytes) -> None:
        if self._headers_done:
            return  # a trailer field (llhttp reports them here): never merged into the headers
        lowered = name.lower()
        if lowered == b"content-length" or lowered == b"transfer-encoding":
            self._answer.framed = True
        elif lowered == b"content-encoding":
            self._answer.encoded = True
        self._answer.headers.append((name, value))

    def on_headers_complete(self) -> None:
        answer = self._answer
        answer.status = self._parser.get_status_code()
        if answer.status == 101:
            self._fail(httpx.RemoteProtocolError("the target switched to another protocol"))
            self.close()
            return
        if answer.status < 200:
            return  # an interim answer (100, 103): the real one follows
        self._headers_done = True
        if self._writable is not None and not self._writable.done():
            self._writable.set_result(True)  # answered before the request was all sent
        if answer.status in (204, 304):
            answer.framed = True
        if self._head_only:
            # llhttp cannot know a HEAD's answer has no body; this connection is not reused.
            self._finish(reusable=False)

    def on_body(self, body: bytes) -> None:
        self._answer.body.append(body)

    def on_message_complete(self) -> None:
        if self._answer.status < 200:
            return
        self._finish(reusable=self._parser.should_keep_alive() and not self._head_only)

    def _finish(self, *, reusable: bool) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            self.reusable = reusable and not self.lost
            waiter.set_result(self._answer)

    def _fail(self, error: Exception) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_exception(error)


class Http11Transport(httpx.AsyncBaseTransport):
    """Keeps up to `max_idle` connections per origin for `keepalive_seconds` after each use.

    It does not limit how many run at once: `ApiClient`'s concurrency gate does that."""

    def __init__(
        self,
        *,
        ssl_context: ssl.SSLContext | None = None,
        max_idle: int = 20,
        keepalive_seconds: float = KEEPALIVE_SECONDS,
        clock: Callable[[], float] | None = None,
    ) -> None:
        if ssl_context is not None:
            ssl_context.set_alpn_protocols(["http/1.1"])  # the only protocol spoken here
        self._ssl_context = ssl_context
        self._max_idle = max_idle
        self._keepalive_seconds = keepalive_seconds
        self._clock = clock
        self._idle: dict[Origin, list[_Connection]] = {}
        self._closed = False

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self._closed:
            raise RuntimeError("the transport is closed")
        origin = _origin(request.url)
        data = _serialised(request, await request.aread())
        timeouts = request.extensions.get("timeout", {})
        connection = self._reused(origin) or await self._connect(origin, timeouts.get("connect"))
        try:
            answer = await connection.exchange(
                data,
                head_only=request.method == "HEAD",
                write_seconds=timeouts.get("write"),
                read_seconds=timeouts.get("read"),
            )
        except BaseException:
            connection.close()
            raise
        if connection.reusable and not self._closed:
            self._keep(origin, connection)
        else:
            connection.close()
        body = b"".join(answer.body)
        answer.body.clear()  # a page of a listing is megabytes: no second copy while it is read
        extensions = {"http_version": b"HTTP/1.1", "reason_phrase": answer.reason}
        if not answer.encoded:
            extensions[PLAIN_BODY] = body  # the content as it is: see PLAIN_BODY
        return httpx.Response(
            answer.status,
            headers=answer.headers,
            stream=httpx.ByteStream(body),
            extensions=extensions,
        )

    async def aclose(self) -> None:
        self._closed = True
        for connections in self._idle.values():
            for connection in connections:
                connection.close()
        self._idle.clear()

    def _now(self) -> float:
        return self._clock() if self._clock is not None else asyncio.get_running_loop().time()

    def _reused(self, origin: Origin) -> _Connection | None:
        connections = self._idle.get(origin)
        now = self._now()
        while connections:
            connection = connections.pop()
            fresh = now - connection.idle_since <= self._keepalive_seconds
            if fresh and not connection.lost and not connection.has_news():
                return connection
            connection.close()
        return None

    def _keep(self, origin: Origin, connection: _Connection) -> None:
        connections = self._idle.setdefault(origin, [])
        if len(connections) >= self._max_idle:
            connection.close()
            return
        connection.idle_since = self._now()
        connections.append(connection)

    async def _connect(self, origin: Origin, seconds: float | None) -> _Connection:
        scheme, host, port = origin
        context = self._tls() if scheme == b"https" else None
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(seconds):
                _, connection = await loop.create_connection(
                    _Connection,
                    host,
                    port,
                    ssl=context,
                    server_hostname=host if context is not None else None,
                    # As httpcore (through anyio) connects: each address tried 0.25 s apart.
                    happy_eyeballs_delay=0.25,
                )
        except TimeoutError:
            raise httpx.ConnectTimeout(f"no connection to {host}:{port} in time") from None
        except OSError as error:  # refused, unreachable, a TLS handshake refused
            raise httpx.ConnectError(f"cannot connect to {host}:{port}: {error}") from error
        return connection

    def _tls(self) -> ssl.SSLContext:
        if self._ssl_context is None:
            self._ssl_context = httpx.create_ssl_context()
            self._ssl_context.set_alpn_protocols(["http/1.1"])
        return self._ssl_context


def _origin(url: httpx.URL) -> Origin:
    scheme = url.raw_scheme
    if scheme not in _DEFAULT_PORTS:
        raise httpx.UnsupportedProtocol(f"cannot send {url.scheme!r} requests")
    # The ASCII form (IDNA) of an international name: what DNS and SNI are given.
    return scheme, url.raw_host.decode("ascii"), url.port or _DEFAULT_PORTS[scheme]


# The same few headers go with every call (a body's length varies, and is bounded all the same):
# each is checked and joined once.
@functools.lru_cache(maxsize=512)
def _header_line(name: bytes, value: bytes) -> bytes | None:
    """`name: value` and its line break, or None where they would break the request's framing."""
    return b"%s: %s\r\n" % (name, value) if valid_header(name, value) else None


def _serialised(request: httpx.Request, body: bytes) -> bytes:
    """The request's bytes on the wire; refuses what would break its framing."""
    target = request.url.raw_path
    if _TARGET_BREAK.search(target):
        raise httpx.LocalProtocolError("the request target holds a space or a line break")
    parts = [request.method.encode("ascii"), b" ", target, b" HTTP/1.1\r\n"]
    chunked = False
    for name, value in request.headers.raw:
        line = _header_line(name, value)
        if line is None:
            raise httpx.LocalProtocolError(f"header {name!r} is not a valid HTTP header")
        if name.lower() == b"transfer-encoding":
            chunked = value.lower() == b"chunked"
        parts.append(line)
    parts.append(b"\r\n")
    if chunked:
        # A streamed body, read whole by now: sent as one chunk and the last one.
        parts += (b"%x\r\n" % len(body), body, b"\r\n") if body else ()
        parts.append(b"0\r\n\r\n")
    else:
        parts.append(body)
    return b"".join(parts)
