"""connector/transport/http11.py against a loopback server that answers byte by byte as scripted:
framing (length, chunks, close), reuse and its limits, interim answers, errors and timeouts,
what is refused before sending, TLS, and when ApiClient uses it."""

from __future__ import annotations

import asyncio
import gzip
import os
import resource
import socket
import ssl
import struct
import sys
import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from connector.http_syntax import valid_header
from connector.targets.errors import UnavailableError
from connector.targets.http import ApiClient, Authorization, Call
from connector.transport import http11
from connector.transport.budget import request_budget
from connector.transport.http11 import PLAIN_BODY, Http11Transport, _Connection, _origin

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "secrets"))
from kv_stub import TlsFiles, self_signed_cert
from waits import eventually, until


@dataclass
class Request:
    head: bytes
    body: bytes

    @property
    def line(self) -> bytes:
        return self.head.split(b"\r\n", 1)[0]

    def header(self, name: bytes) -> bytes | None:
        for line in self.head.split(b"\r\n")[1:]:
            key, _, value = line.partition(b":")
            if key.strip().lower() == name:
                return value.strip()
        return None


# What the server does with a request: writes to the connection; returns False to close it.
Script = Callable[[Request, asyncio.StreamWriter], Awaitable[bool]]


def answer(raw: bytes) -> Script:
    async def script(request: Request, writer: asyncio.StreamWriter) -> bool:
        writer.write(raw)
        return True

    return script


def unanswered(number: int = 1) -> Script:
    """Leaves the server's `number`th request (from 1) unanswered (30 s: longer than any test
    waits)."""
    requests = 0

    async def script(request: Request, writer: asyncio.StreamWriter) -> bool:
        nonlocal requests
        requests += 1
        if requests == number:
            await asyncio.sleep(30)
        writer.write(ok())
        return True

    return script


def ok(body: bytes = b'{"ok": true}', *extra: bytes) -> bytes:
    headers = b"".join(h + b"\r\n" for h in extra)
    return b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n%s\r\n%s" % (len(body), headers, body)


@dataclass
class Server:
    script: Script
    requests: list[Request] = field(default_factory=list)
    connections: int = 0
    writers: list[asyncio.StreamWriter] = field(default_factory=list)
    port: int = 0

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        self.writers.append(writer)
        try:
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, ConnectionError):
                    return
                request = Request(head, b"")
                length = request.header(b"content-length")
                if length:
                    request.body = await reader.readexactly(int(length))
                elif request.header(b"transfer-encoding") == b"chunked":
                    request.body = await _chunked(reader)
                self.requests.append(request)
                keep = await self.script(request, writer)
                await writer.drain()
                if not keep:
                    return
        finally:
            writer.close()

    def url(self, path: str = "/", scheme: str = "http") -> str:
        return f"{scheme}://127.0.0.1:{self.port}{path}"


async def _chunked(reader: asyncio.StreamReader) -> bytes:
    body = b""
    while True:
        size = int((await reader.readuntil(b"\r\n")).strip(), 16)
        body += await reader.readexactly(size + 2)
        if size == 0:
            return body[:-2]
        body = body[:-2]


Serve = Callable[..., Awaitable[Server]]


class _Credentials:
    fix = "nothing to fix"

    async def authorization(self, refresh: bool) -> Authorization:
        return Authorization(headers={"Authorization": "SSWS t"})


WAIT_SECONDS = 10.0


@pytest.fixture
async def serve() -> AsyncIterator[Serve]:
    servers: list[asyncio.Server] = []

    async def start(script: Script, tls: ssl.SSLContext | None = None) -> Server:
        server = Server(script)
        listening = await asyncio.start_server(server.serve, "127.0.0.1", 0, ssl=tls)
        server.port = listening.sockets[0].getsockname()[1]
        servers.append(listening)
        return server

    yield start
    for listening in servers:
        listening.close()


def client(**options: object) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=Http11Transport(**options), timeout=5.0)  # type: ignore[arg-type]


async def fetched(serve: Serve, script: Script) -> httpx.Response:
    """The answer to one GET from a server that runs `script`."""
    server = await serve(script)
    async with client() as http:
        return await http.get(server.url())


@dataclass(frozen=True)
class Tls:
    """A self-signed certificate: the server's context, and a client's that trusts only it."""

    server: ssl.SSLContext
    trusting: ssl.SSLContext
    files: TlsFiles


def tls_pair(tmp_path: Path) -> Tls:
    files = self_signed_cert(tmp_path)
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(files.cert, files.key)
    return Tls(server, ssl.create_default_context(cafile=str(files.cert)), files)


async def test_one_connection_carries_call_after_call(serve: Serve) -> None:
    server = await serve(answer(ok()))
    async with client() as http:
        for i in range(3):
            response = await http.get(server.url(f"/api/v1/users?search=a%20b&n={i}"))
            assert response.status_code == 200
            assert response.json() == {"ok": True}
            assert response.http_version == "HTTP/1.1"
    assert server.connections == 1
    first = server.requests[0]
    assert first.line == b"GET /api/v1/users?search=a%20b&n=0 HTTP/1.1"
    assert first.header(b"host") == f"127.0.0.1:{server.port}".encode()


async def test_bodies_are_framed_by_their_length_even_when_empty(serve: Serve) -> None:
    server = await serve(answer(ok()))
    async with client() as http:
        await http.post(server.url("/users"), json={"profile": {"login": "ä@example.com"}})
        await http.post(server.url("/users/1/lifecycle/activate"))
    sent, empty = server.requests
    assert sent.body == '{"profile":{"login":"ä@example.com"}}'.encode()
    assert sent.header(b"content-length") == str(len(sent.body)).encode()
    assert empty.header(b"content-length") == b"0"  # Okta answers 411 without it
    assert server.connections == 1


async def test_a_streamed_body_goes_as_chunks(serve: Serve) -> None:
    async def parts() -> AsyncIterator[bytes]:
        yield b'{"a": '
        yield b"1}"

    server = await serve(answer(ok()))
    async with client() as http:
        await http.post(server.url("/x"), content=parts())
    assert server.requests[0].header(b"transfer-encoding") == b"chunked"
    assert server.requests[0].body == b'{"a": 1}'


async def test_a_chunked_gzip_answer_is_decoded_and_the_connection_kept(serve: Serve) -> None:
    packed = gzip.compress(b'{"users": [1, 2, 3]}')
    chunks = b"".join(b"%x\r\n%s\r\n" % (len(c), c) for c in (packed[:7], packed[7:]))
    raw = (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Encoding: gzip\r\n\r\n"
        + chunks
        + b"0\r\n\r\n"
    )
    server = await serve(answer(raw))
    async with client() as http:
        assert (await http.get(server.url())).json() == {"users": [1, 2, 3]}
        assert (await http.get(server.url())).json() == {"users": [1, 2, 3]}
    assert server.connections == 1


async def test_a_plain_answer_is_taken_as_read_by_the_api_client_and_an_encoded_one_decoded(
    serve: Serve, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A body without Content-Encoding is the content as it came: the transport says so
    (PLAIN_BODY) and ApiClient takes it as read, without httpx's decoder. A gzip body is still
    decoded. For any other client the answer is httpx's own (read, closed, timed as usual)."""
    plain_server = await serve(answer(ok(b'{"plain": true}')))
    packed = gzip.compress(b'{"packed": true}')
    packed_server = await serve(answer(ok(packed, b"Content-Encoding: gzip")))
    transport = Http11Transport()
    plain = await transport.handle_async_request(httpx.Request("GET", plain_server.url()))
    assert plain.extensions[PLAIN_BODY] == b'{"plain": true}'
    encoded = await transport.handle_async_request(httpx.Request("GET", packed_server.url()))
    assert PLAIN_BODY not in encoded.extensions
    await transport.aclose()

    read = httpx.Response.read

    def unread(response: httpx.Response) -> bytes:
        if response.headers.get("content-encoding") is None:
            raise AssertionError("a plain answer went through httpx's decoder")
        return read(response)

    monkeypatch.setattr(httpx.Response, "read", unread)
    for server, content in ((plain_server, {"plain": True}), (packed_server, {"packed": True})):
        api = ApiClient(server.url(), _Credentials(), name="T")
        assert (await api.send(Call("GET", "/api/users"))).json() == content
        await api.aclose()
    monkeypatch.undo()
    async with client() as http:
        response = await http.get(plain_server.url())
        assert response.json() == {"plain": True}
        assert response.is_closed
        assert response.elapsed.total_seconds() >= 0


@pytest.mark.parametrize(
    "header", [b"Content-Encoding: gzip", b"content-encoding: gzip", b"CONTENT-ENCODING: GZIP"]
)
async def test_an_encoded_answer_is_decoded_whatever_the_case_of_its_header(
    serve: Serve, header: bytes
) -> None:
    """Header names are case-insensitive (RFC 9110 section 5.1), and some servers and proxies
    send them in lower case: an encoded body taken for the content would be handed out raw."""
    server = await serve(answer(ok(gzip.compress(b'{"packed": true}'), header)))
    transport = Http11Transport()
    response = await transport.handle_async_request(httpx.Request("GET", server.url()))
    assert PLAIN_BODY not in response.extensions
    assert response.read() == b'{"packed": true}'
    await transport.aclose()


async def test_an_answer_without_a_length_ends_when_the_server_closes(serve: Serve) -> None:
    async def script(request: Request, writer: asyncio.StreamWriter) -> bool:
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n")
        await writer.drain()
        writer.write(b'{"late": true}')
        return False

    server = await serve(script)
    async with client() as http:
        assert (await http.get(server.url())).json() == {"late": True}
        assert (await http.get(server.url())).json() == {"late": True}
    assert server.connections == 2


async def test_an_answer_arriving_byte_by_byte_is_whole(serve: Serve) -> None:
    body = b'{"name": "' + b"x" * 300_000 + b'"}'
    raw = ok(body, b'Link: <https://o/api?after=1>; rel="next"')

    async def script(request: Request, writer: asyncio.StreamWriter) -> bool:
        for i in range(0, 200, 1):
            writer.write(raw[i : i + 1])
            await writer.drain()
        writer.write(raw[200:])
        return True

    response = await fetched(serve, script)
    assert response.content == body
    assert response.headers["link"] == '<https://o/api?after=1>; rel="next"'


async def test_repeated_headers_and_the_reason_phrase_are_kept(serve: Serve) -> None:
    raw = (
        b'HTTP/1.1 429 Slow Down Please\r\nLink: <a>; rel="self"\r\n'
        b'Link: <b>; rel="next"\r\nX-Rate-Limit-Reset: 1700000000\r\nContent-Length: 2\r\n\r\n{}'
    )
    response = await fetched(serve, answer(raw))
    assert response.status_code == 429
    assert response.reason_phrase == "Slow Down Please"
    assert response.headers.get_list("link") == ['<a>; rel="self"', '<b>; rel="next"']
    assert response.headers["x-rate-limit-reset"] == "1700000000"


async def test_interim_answers_are_passed_over(serve: Serve) -> None:
    server = await serve(
        answer(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\n\r\n" + ok())
    )
    async with client() as http:
        response = await http.get(server.url())
        assert response.status_code == 200
        assert (await http.get(server.url())).status_code == 200
    assert server.connections == 1


@pytest.mark.parametrize("status", [b"204 No Content", b"304 Not Modified"])
async def test_bodiless_statuses_keep_the_connection(serve: Serve, status: bytes) -> None:
    server = await serve(answer(b"HTTP/1.1 " + status + b'\r\nETag: "1"\r\n\r\n'))
    async with client() as http:
        for _ in range(2):
            response = await http.delete(server.url("/users/1"))
            assert response.content == b""
    assert server.connections == 1


async def test_a_head_answer_has_no_body_whatever_its_length_says(serve: Serve) -> None:
    server = await serve(answer(b"HTTP/1.1 200 OK\r\nContent-Length: 120\r\n\r\n"))
    async with client() as http:
        response = await http.head(server.url())
        assert response.status_code == 200
        assert response.content == b""
        await http.head(server.url())
    assert server.connections == 2  # not reused: its framing cannot be trusted


async def test_connection_close_is_honoured(serve: Serve) -> None:
    server = await serve(answer(ok(b"{}", b"Connection: close")))
    async with client() as http:
        await http.get(server.url())
        await http.get(server.url())
    assert server.connections == 2


async def test_an_idle_connection_the_server_closed_is_replaced(serve: Serve) -> None:
    async def script(request: Request, writer: asyncio.StreamWriter) -> bool:
        writer.write(ok())
        return False  # closes after answering, without saying so

    server = await serve(script)
    transport = Http11Transport()
    async with httpx.AsyncClient(transport=transport) as http:
        await http.get(server.url())
        idle = next(iter(transport._idle.values()))
        await eventually(lambda: not idle or idle[0].lost)
        assert (await http.get(server.url())).status_code == 200
    assert server.connections == 2


async def test_a_close_the_loop_has_not_read_yet_keeps_a_connection_from_reuse() -> None:
    # A server on a thread of its own, so it can close while this loop is not running: the
    # close is then in the socket, and not yet seen by asyncio (httpcore checks the same way).
    listener = socket.create_server(("127.0.0.1", 0))
    close = threading.Event()

    def server() -> None:
        peer, _ = listener.accept()
        with peer:
            peer.recv(65536)
            peer.sendall(ok())
            close.wait(WAIT_SECONDS)

    thread = threading.Thread(target=server, daemon=True)
    thread.start()
    transport = Http11Transport()
    url = f"http://127.0.0.1:{listener.getsockname()[1]}/"
    try:
        await transport.handle_async_request(httpx.Request("GET", url))
        ((origin, kept),) = transport._idle.items()
        connection = kept[-1]
        close.set()
        thread.join(WAIT_SECONDS)
        until(connection.has_news, WAIT_SECONDS)  # blocking: the loop does not run meanwhile
        assert not connection.lost
        assert transport._reused(origin) is None
    finally:
        listener.close()
        await transport.aclose()


async def test_a_connection_is_reused_whatever_its_descriptor_number(serve: Serve) -> None:
    """A busy process holds more than 1,024 descriptors: select.select refuses those (its
    FD_SETSIZE), which must not make every idle connection look closed."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 4096)), hard))
    held: list[int] = []
    try:
        while not held or held[-1] < 1100:
            held.append(os.open(os.devnull, os.O_RDONLY))
        server = await serve(answer(ok()))
        async with client() as http:
            for _ in range(2):
                assert (await http.get(server.url())).status_code == 200
        assert server.connections == 1
    finally:
        for fd in held:
            os.close(fd)
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


async def test_an_idle_connection_expires(serve: Serve) -> None:
    now = [100.0]
    server = await serve(answer(ok()))
    async with client(clock=lambda: now[0], keepalive_seconds=5.0) as http:
        await http.get(server.url())
        now[0] += 4.9
        await http.get(server.url())
        assert server.connections == 1
        now[0] += 5.1
        await http.get(server.url())
    assert server.connections == 2


async def test_idle_connections_are_kept_up_to_the_limit(serve: Serve) -> None:
    release = asyncio.Event()

    async def script(request: Request, writer: asyncio.StreamWriter) -> bool:
        await release.wait()
        writer.write(ok())
        return True

    server = await serve(script)
    transport = Http11Transport(max_idle=2)
    async with httpx.AsyncClient(transport=transport) as http:
        calls = [asyncio.create_task(http.get(server.url())) for _ in range(4)]
        await eventually(lambda: len(server.requests) == 4)
        release.set()
        await asyncio.gather(*calls)
        assert [len(kept) for kept in transport._idle.values()] == [2]
        await asyncio.gather(*(http.get(server.url()) for _ in range(2)))
    assert server.connections == 4


async def test_unasked_bytes_make_a_connection_unusable(serve: Serve) -> None:
    server = await serve(answer(ok() + b"HTTP/1.1 200 OK\r\n"))
    async with client() as http:
        assert (await http.get(server.url())).status_code == 200
        assert (await http.get(server.url())).status_code == 200
    assert server.connections == 2


async def test_a_server_that_closes_unanswered_is_a_protocol_error(serve: Serve) -> None:
    async def script(request: Request, writer: asyncio.StreamWriter) -> bool:
        return False

    server = await serve(script)
    async with client() as http:
        with pytest.raises(httpx.RemoteProtocolError, match="unanswered"):
            await http.post(server.url("/users"), json={})


async def test_an_answer_cut_short_is_a_protocol_error(serve: Serve) -> None:
    async def script(request: Request, writer: asyncio.StreamWriter) -> bool:
        writer.write(b'HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\n{"half')
        return False

    server = await serve(script)
    async with client() as http:
        with pytest.raises(httpx.RemoteProtocolError, match="mid-answer"):
            await http.get(server.url())


async def test_an_answer_that_is_not_http_is_a_protocol_error(serve: Serve) -> None:
    server = await serve(answer(b"SSH-2.0-OpenSSH_9.6\r\n\r\n"))
    async with client() as http:
        with pytest.raises(httpx.RemoteProtocolError, match=r"not HTTP/1\.1"):
            await http.get(server.url())
        with pytest.raises(httpx.RemoteProtocolError):
            await http.get(server.url())
    assert server.connections == 2


async def test_a_switch_of_protocol_is_refused(serve: Serve) -> None:
    server = await serve(answer(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n"))
    async with client() as http:
        with pytest.raises(httpx.RemoteProtocolError, match="another protocol"):
            await http.get(server.url())


async def test_a_silent_server_is_a_read_timeout_and_its_connection_dropped(serve: Serve) -> None:
    server = await serve(unanswered())
    async with httpx.AsyncClient(transport=Http11Transport()) as http:
        with pytest.raises(httpx.ReadTimeout):
            await http.get(server.url(), timeout=0.2)
        assert (await http.get(server.url(), timeout=5.0)).status_code == 200
    assert server.connections == 2


async def test_the_read_timeout_is_the_longest_silence_not_the_whole_answer(
    serve: Serve, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Each piece of an unfinished answer moves the deadline to `read` seconds from its arrival;
    # the whole answer may take longer than `read`. Checked on the deadline itself, not the clock.
    moved: list[tuple[float, float]] = []  # (a piece's arrival, the deadline after it)
    received = _Connection.data_received

    def watched(self: _Connection, data: bytes) -> None:
        received(self, data)
        when = self._read_deadline.at
        assert when is not None
        moved.append((asyncio.get_running_loop().time(), when))

    monkeypatch.setattr(_Connection, "data_received", watched)
    raw = ok(b'{"slow": "' + b"y" * 50 + b'"}')
    pieces = [raw[i : i + 30] for i in range(0, len(raw), 30)]

    async def script(request: Request, writer: asyncio.StreamWriter) -> bool:
        for number, piece in enumerate(pieces):
            writer.write(piece)
            await writer.drain()
            if number < len(pieces) - 1:  # the client has taken this piece in before the next

                def taken(count: int = number + 1) -> bool:
                    return len(moved) == count

                await eventually(taken)
        return True

    server = await serve(script)
    async with client() as http:
        response = await http.get(server.url(), timeout=httpx.Timeout(5.0, read=60.0))
    assert response.json()["slow"] == "y" * 50
    *unfinished, (_, last) = moved
    assert len(unfinished) == len(pieces) - 1
    for at, when in unfinished:
        assert when == pytest.approx(at + 60.0, abs=0.5)
    whens = [when for _, when in unfinished]
    assert whens == sorted(set(whens))  # each piece moved the deadline on
    assert last == unfinished[-1][1]  # the piece that completes the answer sets no new timer


async def test_an_answer_slower_in_all_than_the_read_timeout_comes_whole(serve: Serve) -> None:
    # The connection's one timer fires at the first deadline, finds it moved by the bytes that
    # came meanwhile, and waits on: each silence is shorter than `read`, their sum is not.
    # A gap 1.5 s short of the timeout: a loaded machine's stall does not end the answer early.
    read, gap = 2.0, 0.5
    raw = ok(b'{"slow": "' + b"z" * 50 + b'"}')
    pieces = [raw[i : i + 20] for i in range(0, len(raw), 20)]
    assert (len(pieces) - 1) * gap > read

    async def script(request: Request, writer: asyncio.StreamWriter) -> bool:
        for number, piece in enumerate(pieces):
            if number:
                await asyncio.sleep(gap)
            writer.write(piece)
            await writer.drain()
        return True

    server = await serve(script)
    async with client() as http:
        response = await http.get(server.url(), timeout=httpx.Timeout(5.0, read=read))
    assert response.json()["slow"] == "z" * 50


async def test_a_shorter_read_timeout_on_a_kept_connection_is_kept_to(serve: Serve) -> None:
    # The first call leaves the connection's timer set 60 s ahead; the second call's deadline
    # is earlier, and is what times it out.
    server = await serve(unanswered(2))
    async with client() as http:
        first = await http.get(server.url(), timeout=httpx.Timeout(5.0, read=60.0))
        assert first.status_code == 200
        with pytest.raises(httpx.ReadTimeout):
            async with asyncio.timeout(WAIT_SECONDS):
                await http.get(server.url(), timeout=httpx.Timeout(5.0, read=0.2))
    assert server.connections == 1


async def test_a_cancelled_call_leaves_no_connection_for_the_next(serve: Serve) -> None:
    server = await serve(unanswered())
    async with client() as http:
        call = asyncio.create_task(http.get(server.url()))
        await eventually(lambda: len(server.requests) == 1)
        call.cancel()
        with pytest.raises(asyncio.CancelledError):
            await call
        assert (await http.get(server.url())).status_code == 200
    assert server.connections == 2


async def test_a_refused_connection_is_a_connect_error() -> None:
    listening = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port = listening.sockets[0].getsockname()[1]
    listening.close()
    await listening.wait_closed()
    async with client() as http:
        with pytest.raises(httpx.ConnectError, match=f"127.0.0.1:{port}"):
            await http.get(f"http://127.0.0.1:{port}/")


@pytest.mark.parametrize(
    ("name", "value"),
    [(b"X-Api-Key", b"k\r\nX-Admin: yes"), (b"X-Api-Key", b"k\nX"), (b"Bad Name", b"v")],
)
async def test_a_header_that_would_break_the_request_is_refused_unsent(
    serve: Serve, name: bytes, value: bytes
) -> None:
    server = await serve(answer(ok()))
    request = httpx.Request("GET", server.url(), headers=[(name, value)])
    for _ in range(2):  # refused again when its check is remembered
        with pytest.raises(httpx.LocalProtocolError):
            await Http11Transport().handle_async_request(request)
    assert server.connections == 0


async def test_each_header_is_checked_once_not_on_every_call(
    serve: Serve, monkeypatch: pytest.MonkeyPatch
) -> None:
    checked: list[bytes] = []

    def counted(name: bytes, value: bytes) -> bool:
        checked.append(name)
        return valid_header(name, value)

    monkeypatch.setattr(http11, "valid_header", counted)
    http11._header_line.cache_clear()
    server = await serve(answer(ok()))
    transport = Http11Transport()
    for _ in range(3):
        headers = [(b"Host", b"127.0.0.1"), (b"X-Api-Key", b"k1")]
        await transport.handle_async_request(httpx.Request("GET", server.url(), headers=headers))
    await transport.aclose()
    assert sorted(checked) == [b"Host", b"X-Api-Key"]
    assert len(server.requests) == 3


def test_an_international_host_is_reached_by_its_ascii_name() -> None:
    assert _origin(httpx.URL("https://bücher.example/api")) == (
        b"https",
        "xn--bcher-kva.example",
        443,
    )


async def test_only_http_and_https_are_spoken() -> None:
    with pytest.raises(httpx.UnsupportedProtocol):
        await Http11Transport().handle_async_request(httpx.Request("GET", "ftp://127.0.0.1/"))


async def test_a_closed_transport_sends_nothing_more(serve: Serve) -> None:
    server = await serve(answer(ok()))
    transport = Http11Transport()
    await transport.handle_async_request(httpx.Request("GET", server.url()))
    await transport.aclose()
    with pytest.raises(RuntimeError, match="closed"):
        await transport.handle_async_request(httpx.Request("GET", server.url()))
    await eventually(lambda: all(w.is_closing() for w in server.writers))


async def test_tls_is_verified_with_the_given_trust(serve: Serve, tmp_path: Path) -> None:
    tls = tls_pair(tmp_path)
    server = await serve(answer(ok()), tls.server)
    async with client(ssl_context=tls.trusting) as http:
        assert (await http.get(server.url(scheme="https"))).json() == {"ok": True}
        await http.get(server.url(scheme="https"))
    assert server.connections == 1
    async with client(ssl_context=ssl.create_default_context()) as http:
        with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
            await http.get(server.url(scheme="https"))


async def test_a_target_signed_by_a_private_ca_is_trusted_through_its_bundle(
    serve: Serve, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
    tls = tls_pair(tmp_path)
    server = await serve(answer(ok()), tls.server)
    trusted = ApiClient(
        server.url(scheme="https"), _Credentials(), name="T", verify=str(tls.files.cert)
    )
    assert (await trusted.send(Call("GET", "/api/users"))).json() == {"ok": True}
    await trusted.aclose()
    untrusted = ApiClient(server.url(scheme="https"), _Credentials(), name="T")
    with pytest.raises(UnavailableError, match="unreachable"), request_budget(5, retries=False):
        await untrusted.send(Call("GET", "/api/users"))  # its certificate is refused
    await untrusted.aclose()


async def test_trailer_fields_are_not_taken_for_headers(serve: Serve) -> None:
    # RFC 9110 section 6.5.1; httpcore dropped them too. A trailer must not steer the pacer.
    raw = (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-Rate-Limit-Remaining: 50\r\n\r\n"
        b"2\r\n{}\r\n0\r\nX-Rate-Limit-Remaining: 0\r\nContent-Encoding: gzip\r\n\r\n"
    )
    response = await fetched(serve, answer(raw))
    assert response.json() == {}
    assert response.headers.get_list("x-rate-limit-remaining") == ["50"]
    assert "content-encoding" not in response.headers


async def test_an_answer_without_a_length_cut_by_a_reset_is_an_error(serve: Serve) -> None:
    # Only the server's orderly close ends such a body; a reset means it was cut short (httpcore
    # raised ReadError), not that it is whole.
    connections: list[Any] = []
    sent = asyncio.Event()

    async def script(request: Request, writer: asyncio.StreamWriter) -> bool:
        writer.write(b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n{"users": [1, ')
        await writer.drain()
        await eventually(lambda: connections and connections[0]._answer.body)
        sock = writer.get_extra_info("socket")
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        writer.transport.abort()  # RST, not FIN
        sent.set()
        return False

    class Watched(Http11Transport):
        async def _connect(self, *args: Any) -> Any:
            connections.append(await super()._connect(*args))
            return connections[-1]

    server = await serve(script)
    async with httpx.AsyncClient(transport=Watched(), timeout=5.0) as http:
        with pytest.raises(httpx.TransportError):
            await http.get(server.url())
    assert sent.is_set()


async def test_a_connection_closed_for_unasked_bytes_is_not_handed_out(serve: Serve) -> None:
    # Its connection_lost comes a loop iteration later; a call in between must not get it.
    server = await serve(answer(ok()))
    transport = Http11Transport()
    await transport.handle_async_request(httpx.Request("GET", server.url()))
    ((origin, (idle,)),) = transport._idle.items()
    idle.data_received(b"HTTP/1.1 200 OK\r\n")  # what asyncio delivers; it closes the connection
    assert transport._reused(origin) is None
    await transport.aclose()


# -- answers that come while the request is still being sent -----------------------------------

TOO_LARGE = b'{"errorSummary": "the request body is too large"}'
REFUSAL_HEAD = (
    b"HTTP/1.1 413 Content Too Large\r\nContent-Type: application/json\r\n"
    b"Content-Length: %d\r\n\r\n" % len(TOO_LARGE)
)
# Far more than loopback's socket buffers hold: the client's send buffer grows to 4 MiB at most
# (net.ipv4.tcp_wmem's default), the server's below takes next to nothing.
LARGE_BODY = b"x" * (16 * 1024 * 1024)

# What a server does on a connection once it has read a request's head, and nothing more.
Early = Callable[[asyncio.StreamWriter], Awaitable[None]]


@dataclass
class HeadOnlyServer:
    """Reads the head of each connection's first request, runs its script, and then reads nothing
    more while the test runs: a server that refuses a request by its head alone (413, 401) and
    leaves the body unread, the connection open."""

    script: Early
    release: asyncio.Event = field(default_factory=asyncio.Event)
    handlers: list[asyncio.Task[None]] = field(default_factory=list)
    heads: list[bytes] = field(default_factory=list)
    port: int = 0

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self.handlers.append(task)
        try:
            self.heads.append(await reader.readuntil(b"\r\n\r\n"))
            await self.script(writer)
            await self.release.wait()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    def url(self, path: str = "/", scheme: str = "http") -> str:
        return f"{scheme}://127.0.0.1:{self.port}{path}"


ServeHeadOnly = Callable[..., Awaitable[HeadOnlyServer]]


@pytest.fixture
async def serve_head_only() -> AsyncIterator[ServeHeadOnly]:
    started: list[tuple[asyncio.Server, HeadOnlyServer]] = []

    async def start(script: Early, tls: ssl.SSLContext | None = None) -> HeadOnlyServer:
        server = HeadOnlyServer(script)
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        # The kernel's smallest receive buffer, inherited by each accepted socket (and no
        # autotuning past it); the reader takes no more than twice its small limit either.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1)
        sock.bind(("127.0.0.1", 0))
        listening = await asyncio.start_server(server.serve, sock=sock, limit=4096, ssl=tls)
        server.port = sock.getsockname()[1]
        started.append((listening, server))
        return server

    yield start
    for listening, server in started:
        listening.close()
        server.release.set()
        async with asyncio.timeout(WAIT_SECONDS):
            await asyncio.gather(*server.handlers)


async def refuse(writer: asyncio.StreamWriter) -> None:
    writer.write(REFUSAL_HEAD + TOO_LARGE)
    await writer.drain()


def reset(writer: asyncio.StreamWriter) -> None:
    """What a server's close does while a request body is unread: the client gets a reset."""
    sock = writer.get_extra_info("socket")
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


async def refuse_and_reset(writer: asyncio.StreamWriter) -> None:
    await refuse(writer)
    reset(writer)


class Recording(Http11Transport):
    """Remembers the connections it opens, and which of them had to wait to write; gives their
    sockets a send buffer of `send_buffer` bytes if asked."""

    def __init__(
        self, send_buffer: int | None = None, ssl_context: ssl.SSLContext | None = None
    ) -> None:
        super().__init__(ssl_context=ssl_context)
        self.send_buffer = send_buffer
        self.connections: list[_Connection] = []
        self.paused: list[_Connection] = []

    async def _connect(self, *args: Any) -> Any:
        connection = await super()._connect(*args)
        if self.send_buffer is not None:
            sock = _socket(connection)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, self.send_buffer)
        pause = connection.pause_writing

        def paused() -> None:
            self.paused.append(connection)
            pause()

        connection.pause_writing = paused  # type: ignore[method-assign]
        self.connections.append(connection)
        return connection


def _socket(connection: _Connection) -> socket.socket:
    assert connection._transport is not None
    sock: socket.socket = connection._transport.get_extra_info("socket")
    return sock


@pytest.mark.parametrize("script", [refuse, refuse_and_reset], ids=["held", "reset"])
async def test_an_answer_before_the_body_is_taken_is_returned(
    serve_head_only: ServeHeadOnly, script: Early
) -> None:
    server = await serve_head_only(script)
    transport = Recording()
    async with httpx.AsyncClient(transport=transport, timeout=5.0) as http:
        async with asyncio.timeout(WAIT_SECONDS):  # a bound only: the answer comes or it fails
            response = await http.post(server.url("/api/v1/users"), content=LARGE_BODY)
        assert response.status_code == 413
        assert response.content == TOO_LARGE
        (connection,) = transport.connections
        assert transport.paused == [connection]  # the write did have to wait for the socket
        # Never sent whole: not kept for another call, and what is left unsent is dropped (in
        # the held case the server keeps its end open, and would never take it).
        assert not any(transport._idle.values())
        await eventually(lambda: _socket(connection).fileno() == -1)
        async with asyncio.timeout(WAIT_SECONDS):
            again = await http.post(server.url("/api/v1/users"), content=b"{}")
        assert again.status_code == 413
    assert len(server.heads) == 2  # the second call came on a connection of its own


async def test_an_answer_before_the_body_is_taken_is_returned_over_tls(
    serve_head_only: ServeHeadOnly, tmp_path: Path
) -> None:
    tls = tls_pair(tmp_path)
    server = await serve_head_only(refuse, tls.server)
    transport = Http11Transport(ssl_context=tls.trusting)
    async with httpx.AsyncClient(transport=transport, timeout=5.0) as http:
        async with asyncio.timeout(WAIT_SECONDS):
            response = await http.post(server.url("/api/v1/users", "https"), content=LARGE_BODY)
        assert response.status_code == 413
        assert response.content == TOO_LARGE
        # The TLS layer does not say whether all of it went: a request this large is not
        # followed by another on its connection, which is dropped at once, not closed politely
        # (that would wait for the server to take the rest).
        assert not any(transport._idle.values())
        async with asyncio.timeout(WAIT_SECONDS):
            again = await http.post(server.url("/api/v1/users", "https"), content=b"{}")
        assert again.status_code == 413
    assert len(server.heads) == 2


async def test_over_tls_a_large_request_left_unanswered_drops_its_connection(
    serve_head_only: ServeHeadOnly, tmp_path: Path
) -> None:
    # The server takes the head only and never answers: the read times out. A polite close
    # would wait for asyncio's TLS shutdown (30 s) while the server never takes the rest.
    tls = tls_pair(tmp_path)

    async def silent(writer: asyncio.StreamWriter) -> None:
        return None

    server = await serve_head_only(silent, tls.server)
    transport = Recording(ssl_context=tls.trusting)
    async with httpx.AsyncClient(transport=transport, timeout=1.0) as http:
        with pytest.raises(httpx.ReadTimeout):
            async with asyncio.timeout(WAIT_SECONDS):
                await http.post(server.url("/api/v1/users", "https"), content=b"x" * 40_000)
        (connection,) = transport.connections
        assert not any(transport._idle.values())
        await eventually(lambda: _released(connection))


def _released(connection: _Connection) -> bool:
    """Whether the connection's socket is closed (over TLS the transport lets go of it)."""
    assert connection._transport is not None
    sock = connection._transport.get_extra_info("socket")
    return sock is None or sock.fileno() == -1


async def test_over_tls_a_connection_is_kept_after_a_small_request(
    serve: Serve, tmp_path: Path
) -> None:
    tls = tls_pair(tmp_path)
    server = await serve(answer(ok()), tls.server)
    transport = Http11Transport(ssl_context=tls.trusting)
    async with httpx.AsyncClient(transport=transport, timeout=5.0) as http:
        for _ in range(2):
            response = await http.post(server.url("/api/v1/users", "https"), content=b"x" * 8000)
            assert response.status_code == 200
        assert [len(kept) for kept in transport._idle.values()] == [1]


async def test_an_answer_before_a_small_body_is_taken_is_early_too(
    serve_head_only: ServeHeadOnly,
) -> None:
    # Less than the 64 KiB the loop holds by default before it pauses writing, more than the
    # socket (given the kernel's smallest send buffer) and this server together ever take.
    server = await serve_head_only(refuse)
    transport = Recording(send_buffer=1)
    async with httpx.AsyncClient(transport=transport, timeout=5.0) as http:
        async with asyncio.timeout(WAIT_SECONDS):
            response = await http.post(server.url("/api/v1/users"), content=b"x" * 40_000)
        assert response.status_code == 413
        assert not any(transport._idle.values())  # what is left unsent would precede the next
        (connection,) = transport.connections
        assert transport.paused == [connection]
        await eventually(lambda: _socket(connection).fileno() == -1)


async def test_an_answer_begun_before_the_body_is_taken_is_read_whole(
    serve_head_only: ServeHeadOnly,
) -> None:
    transport = Recording()

    def head_taken() -> bool:
        return any(connection._headers_done for connection in transport.connections)

    async def script(writer: asyncio.StreamWriter) -> None:
        writer.write(REFUSAL_HEAD)
        await writer.drain()
        await eventually(head_taken)
        writer.write(TOO_LARGE)
        await writer.drain()

    server = await serve_head_only(script)
    # No write timeout: the answer's head must end the wait for a socket that takes no more.
    timeout = httpx.Timeout(5.0, write=None)
    async with httpx.AsyncClient(transport=transport, timeout=timeout) as http:
        async with asyncio.timeout(WAIT_SECONDS):
            response = await http.post(server.url("/api/v1/users"), content=LARGE_BODY)
        assert response.status_code == 413
        assert response.content == TOO_LARGE
        assert transport.paused == transport.connections
        assert not any(transport._idle.values())


async def test_an_early_answer_cut_by_a_reset_is_an_error(serve_head_only: ServeHeadOnly) -> None:
    transport = Recording()

    def part_taken() -> bool:
        return any(connection._answer.body for connection in transport.connections)

    async def script(writer: asyncio.StreamWriter) -> None:
        writer.write(REFUSAL_HEAD + TOO_LARGE[:10])
        await writer.drain()
        await eventually(part_taken)
        reset(writer)

    server = await serve_head_only(script)
    async with httpx.AsyncClient(transport=transport, timeout=5.0) as http:
        with pytest.raises(httpx.RemoteProtocolError, match="mid-answer"):
            async with asyncio.timeout(WAIT_SECONDS):
                await http.post(server.url("/api/v1/users"), content=LARGE_BODY)
    assert transport.paused == transport.connections


async def test_a_body_never_taken_is_a_write_timeout_and_dropped(
    serve_head_only: ServeHeadOnly,
) -> None:
    async def silent(writer: asyncio.StreamWriter) -> None:
        pass

    server = await serve_head_only(silent)
    transport = Recording()
    timeout = httpx.Timeout(5.0, write=0.2)
    async with httpx.AsyncClient(transport=transport, timeout=timeout) as http:
        with pytest.raises(httpx.WriteTimeout):
            async with asyncio.timeout(WAIT_SECONDS):
                await http.post(server.url("/api/v1/users"), content=LARGE_BODY)
        (connection,) = transport.connections
        # The server holds its end open and takes nothing: only dropping what is left unsent
        # frees the socket.
        await eventually(lambda: _socket(connection).fileno() == -1)


async def test_a_large_body_the_server_takes_keeps_the_connection(serve: Serve) -> None:
    server = await serve(answer(ok()))
    transport = Recording()
    async with httpx.AsyncClient(transport=transport, timeout=5.0) as http:
        async with asyncio.timeout(WAIT_SECONDS):
            for _ in range(2):
                assert (await http.post(server.url("/bulk"), content=LARGE_BODY)).status_code == 200
    assert transport.paused  # the socket did not take the first at once
    assert [len(request.body) for request in server.requests] == [len(LARGE_BODY)] * 2
    assert server.connections == 1
