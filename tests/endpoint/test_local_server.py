"""The local server (`python -m connector serve`) over real sockets on 127.0.0.1: heads checked
before bodies, bounded bodies, chunked bodies decoded, slow clients timed out, one write per
response. Waits are bounded (a socket timeout); nothing asserts how long anything took."""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import json
import logging
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import azure.functions as func
import pytest
from waits import until

from connector.cli.local_host import Limits, LocalHost, RunningServer, serve_connection, start
from connector.http import health
from connector.http.routes import blueprint

from .harness import BEARER, ROOT, new_user, stack

# Every wait of these tests is bounded by this; a server that never answers fails, not hangs.
WAIT = 10.0
# Short enough that a test waits little for the server to give up on a stalled client.
QUICK = Limits(idle_seconds=0.3, head_seconds=0.3, body_seconds=0.3, linger_seconds=0.3)
# More than loopback's socket buffers hold: a client that does not read holds the rest back.
BIG = 32 * 1024 * 1024


def _echo_app() -> func.FunctionApp:
    app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)

    @app.function_name("echo")
    @app.route("echo", methods=["GET", "POST"])
    async def echo(req: func.HttpRequest) -> func.HttpResponse:
        body = req.get_body()
        return func.HttpResponse(body, headers={"X-Length": str(len(body))}, status_code=200)

    @app.function_name("big")
    @app.route("big", methods=["GET"])
    async def big(req: func.HttpRequest) -> func.HttpResponse:
        return func.HttpResponse(b"x" * BIG)

    @app.function_name("nothing")
    @app.route("nothing", methods=["DELETE"])
    async def nothing(req: func.HttpRequest) -> func.HttpResponse:
        # What a careless handler could set: the server frames a 204 itself.
        return func.HttpResponse(b"dropped", status_code=204, headers={"Transfer-Encoding": "gzip"})

    @app.function_name("bad_header")
    @app.route("bad-header", methods=["GET"])
    async def bad_header(req: func.HttpRequest) -> func.HttpResponse:
        # azure.functions refuses line breaks in values, not a name that is no HTTP token.
        return func.HttpResponse("evil", headers={"Set-Cookie: evil=1; X": "1"})

    @app.function_name("headers")
    @app.route("headers", methods=["GET"])
    async def headers(req: func.HttpRequest) -> func.HttpResponse:
        names = req.params.get("names", "").split(",")
        echoed = {name: req.headers.get(name, "-") for name in names}
        return func.HttpResponse(json.dumps(echoed), status_code=200)

    @app.function_name("hello")
    @app.route("hello", methods=["GET", "HEAD"])
    async def hello(req: func.HttpRequest) -> func.HttpResponse:
        status = int(req.params.get("status", "200"))
        mimetype = req.params.get("type")
        return func.HttpResponse(
            "hello", status_code=status, headers={"X-Tag": "a", "x-two": "b"}, mimetype=mimetype
        )

    @app.function_name("stall")
    @app.route("stall", methods=["GET"])
    async def stall(req: func.HttpRequest) -> func.HttpResponse:
        _STALLED.set()
        await asyncio.Event().wait()  # never set: only the handler's time limit ends this
        return func.HttpResponse("never")

    @app.function_name("fail")
    @app.route("fail", methods=["GET"])
    async def fail(req: func.HttpRequest) -> func.HttpResponse:
        raise RuntimeError("a bug in a handler")

    return app


# Set by the stall route once its handler runs (on the server's loop thread).
_STALLED = threading.Event()


def _connector_app() -> func.FunctionApp:
    # A FunctionApp indexes its functions once: a server of its own needs an app of its own.
    app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)
    app.register_functions(blueprint)
    app.register_functions(health.blueprint)
    return app


@contextmanager
def serving(app: func.FunctionApp, limits: Limits | None = None) -> Iterator[RunningServer]:
    running = start(app, ROOT / "host.json", "127.0.0.1", 0, limits)
    try:
        yield running
    finally:
        running.stop()


@contextmanager
def connection(running: RunningServer) -> Iterator[socket.socket]:
    port = int(running.url.rsplit(":", 1)[1])
    sock = socket.create_connection(("127.0.0.1", port), timeout=WAIT)
    try:
        yield sock
    finally:
        sock.close()


@contextmanager
def echo_connection(limits: Limits | None = None) -> Iterator[socket.socket]:
    """A connection to the echo app served with `limits`: what most tests here need."""
    with serving(_echo_app(), limits) as running, connection(running) as sock:
        yield sock


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes


def read_answer(stream: Any) -> Answer:
    """One response from a buffered socket file (Content-Length framed, as the server sends)."""
    status_line = stream.readline()
    assert status_line, "the server closed the connection without an answer"
    status = int(status_line.split()[1])
    headers: dict[str, str] = {}
    while (line := stream.readline()) not in (b"\r\n", b""):
        name, _, value = line.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip()
    body = stream.read(int(headers.get("content-length", "0")))
    return Answer(status, headers, body)


def closed_by_server(sock: socket.socket) -> bool:
    """True when the server closes the connection (EOF or reset) within the bounded wait;
    whatever it sent before (a 408, say) is read and dropped."""
    try:
        while sock.recv(65536):
            pass
    except TimeoutError:
        return False
    except ConnectionResetError:
        return True
    return True


def test_a_header_that_would_split_the_response_is_a_500_and_nothing_of_it_is_sent() -> None:
    with echo_connection() as sock:
        sock.sendall(b"GET /api/bad-header HTTP/1.1\r\nHost: x\r\n\r\n")
        stream = sock.makefile("rb")
        answer = read_answer(stream)
        assert answer.status == 500
        assert "set-cookie" not in answer.headers
        assert b"evil" not in answer.body
        assert closed_by_server(sock)


@pytest.mark.parametrize(
    ("method", "status", "line"),
    [
        (b"GET", 200, b"HTTP/1.1 200 OK"),
        (b"GET", 299, b"HTTP/1.1 299 "),  # no phrase for a status HTTP does not name
        (b"HEAD", 200, b"HTTP/1.1 200 OK"),
    ],
)
def test_a_response_head_is_written_field_by_field_in_order(
    method: bytes, status: int, line: bytes
) -> None:
    with echo_connection() as sock:
        stream = sock.makefile("rb")
        sock.sendall(method + b" /api/hello?status=%d HTTP/1.1\r\nHost: x\r\n\r\n" % status)
        head = []
        while (field := stream.readline()) != b"\r\n":
            head.append(field)
        # The next answer follows at once: after a HEAD's head, no body came between.
        sock.sendall(b"GET /api/hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        body = stream.read(5) if method == b"GET" else b""
        after = read_answer(stream)
    *fields, date = head
    assert fields == [
        line + b"\r\n",
        b"X-Tag: a\r\n",
        b"x-two: b\r\n",
        b"Content-Type: text/plain; charset=utf-8\r\n",
        b"Content-Length: 5\r\n",
    ]
    assert date.startswith(b"Date: ")
    assert email.utils.parsedate_to_datetime(date[6:].decode()).tzinfo is not None
    assert body == (b"hello" if method == b"GET" else b"")
    assert (after.status, after.body, after.headers["connection"]) == (200, b"hello", "close")


@pytest.mark.parametrize(
    "path",
    [b"/api/bad-header", b"/api/hello?type=text/plain%0d%0aSet-Cookie:%20evil=1"],
    ids=["header-name", "content-type"],
)
def test_a_response_that_cannot_be_sent_is_a_500_every_time(path: bytes) -> None:
    with serving(_echo_app()) as running:
        for _ in range(2):  # the second time too: what the server keeps of a check
            with connection(running) as sock:
                sock.sendall(b"GET " + path + b" HTTP/1.1\r\nHost: x\r\n\r\n")
                answer = read_answer(sock.makefile("rb"))
                assert answer.status == 500
                assert "set-cookie" not in answer.headers
                assert b"hello" not in answer.body
                assert closed_by_server(sock)


@pytest.mark.parametrize(
    "request_bytes",
    [
        b"GET /api/echo HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
        b"GET /api/echo HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\n"
        b"Upgrade: websocket\r\n\r\n\x81\x05hello",
    ],
    ids=["http-1.0", "upgrade"],
)
def test_a_client_that_cannot_keep_the_connection_gets_one_answer_and_a_close(
    request_bytes: bytes,
) -> None:
    # As h11 did: one answer to an HTTP/1.0 client; an upgrade is answered over HTTP/1.1.
    with echo_connection() as sock:
        sock.sendall(request_bytes)
        answer = read_answer(sock.makefile("rb"))
        assert answer.status == 200
        assert answer.headers["connection"] == "close"
        assert closed_by_server(sock)


def test_an_upgrade_request_with_a_body_is_never_served_without_it() -> None:
    # llhttp stops at the head of an upgrade request (what follows is the new protocol's), so
    # its declared body never reaches the parser's events; h11 read it. Refused, not served empty.
    with echo_connection() as sock:
        sock.sendall(
            b"POST /api/echo HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, HTTP2-Settings\r\n"
            b"Upgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQAoAAAAAIAAAAA\r\n"
            b"Content-Length: 5\r\n\r\nhello"
        )
        answer = read_answer(sock.makefile("rb"))
        assert (answer.status, answer.body) != (200, b"")
        assert answer.status == 400
        assert closed_by_server(sock)


def test_an_unknown_route_keeps_the_connection_and_every_answer_is_dated() -> None:
    with echo_connection() as sock:
        stream = sock.makefile("rb")
        sock.sendall(b"GET /api/nowhere HTTP/1.1\r\nHost: x\r\n\r\n")
        missing = read_answer(stream)
        sock.sendall(b"GET /api/echo HTTP/1.1\r\nHost: x\r\n\r\n")
        found = read_answer(stream)
    assert (missing.status, found.status) == (404, 200)
    assert "connection" not in missing.headers
    for answer in (missing, found):
        assert email.utils.parsedate_to_datetime(answer.headers["date"]).tzinfo is not None


@pytest.mark.parametrize(
    ("target", "status"),
    [
        (b"/api/echo?x=1&y", 200),
        (b"/api/echo#part", 200),
        (b"/api/echo/", 200),
        (b"//elsewhere/api/echo", 404),  # a path, not an authority and a path
        (b"/api//echo", 404),
    ],
)
def test_a_target_is_routed_by_its_path(target: bytes, status: int) -> None:
    with echo_connection() as sock:
        sock.sendall(b"GET " + target + b" HTTP/1.1\r\nHost: x\r\n\r\n")
        assert read_answer(sock.makefile("rb")).status == status


def test_a_204_has_no_content_and_no_framing_and_keeps_the_connection() -> None:
    with echo_connection() as sock:
        stream = sock.makefile("rb")
        sock.sendall(b"DELETE /api/nothing HTTP/1.1\r\nHost: x\r\n\r\n")
        status_line = stream.readline()
        head = []
        while (line := stream.readline()) != b"\r\n":
            head.append(line.split(b":")[0].lower())
        sock.sendall(b"GET /api/echo HTTP/1.1\r\nHost: x\r\n\r\n")
        after = read_answer(stream)  # the next answer follows at once: no body came between
    assert status_line.startswith(b"HTTP/1.1 204 ")
    assert b"content-length" not in head
    assert b"transfer-encoding" not in head
    assert after.status == 200


def test_a_chunked_body_is_decoded_and_never_parsed_as_a_request() -> None:
    smuggled = b"GET /api/echo HTTP/1.1\r\nHost: x\r\n\r\n"
    with echo_connection() as sock:
        chunked = b"%x\r\n%s\r\n0\r\n\r\n" % (len(smuggled), smuggled)
        sock.sendall(
            b"POST /api/echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked
        )
        stream = sock.makefile("rb")
        answer = read_answer(stream)
        assert answer.status == 200
        assert answer.body == smuggled
        # The connection carries a next request, and the chunk was not taken for one.
        sock.sendall(b"POST /api/echo HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nok")
        assert read_answer(stream).body == b"ok"


def test_trailer_fields_never_join_the_request_headers() -> None:
    # RFC 9110 section 6.5.1: a trailer is not merged into the header section. Sent in the same
    # segment as the head, llhttp reports it before the head is taken up.
    with echo_connection() as sock:
        sock.sendall(
            b"GET /api/headers?names=authorization,x-tag HTTP/1.1\r\nHost: x\r\nX-Tag: head\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n"
            b"Authorization: Bearer smuggled\r\nX-Tag: trailer\r\n\r\n"
        )
        answer = read_answer(sock.makefile("rb"))
        assert answer.status == 200
        assert json.loads(answer.body) == {"authorization": "-", "x-tag": "head"}


def test_a_header_sent_several_times_reaches_the_handler_joined_in_order() -> None:
    with echo_connection() as sock:
        sock.sendall(
            b"GET /api/headers?names=x-tag,a,b HTTP/1.1\r\nHost: x\r\nX-Tag: 1\r\nA: one\r\n"
            b"x-tag: 2\r\nA: two\r\nB: only\r\nX-TAG: 3\r\n\r\n"
        )
        answer = read_answer(sock.makefile("rb"))
        assert answer.status == 200
        assert json.loads(answer.body) == {"x-tag": "1, 2, 3", "a": "one, two", "b": "only"}


def test_pipelined_requests_are_answered_in_order() -> None:
    with echo_connection() as sock:
        sock.sendall(
            b"POST /api/echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\none"
            b"POST /api/echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\ntwo"
        )
        stream = sock.makefile("rb")
        assert [read_answer(stream).body, read_answer(stream).body] == [b"one", b"two"]


_TWO_REQUESTS = (
    b"POST /api/echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\none"
    b"POST /api/echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\ntwo"
)


@pytest.mark.parametrize(
    ("refused", "status", "limits"),
    [
        (b"GET /api/echo HTTP/1.1\r\nHost x\r\n\r\n", 400, Limits()),
        # llhttp reports this head complete before it refuses the coding: the route (a 404 here)
        # never sees it.
        (
            b"POST /api/nowhere HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\nhello",
            501,
            Limits(),
        ),
        (
            b"POST /api/echo HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n"
            b"Content-Length: 5\r\n\r\nhello",
            400,
            Limits(),
        ),
        (
            b"GET /api/echo HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 4000,
            431,
            Limits(max_head_bytes=1024),
        ),
    ],
    ids=["malformed", "unknown-coding", "upgrade-with-body", "oversized-head"],
)
def test_pipelined_requests_before_a_refused_one_are_answered_first(
    refused: bytes, status: int, limits: Limits
) -> None:
    # RFC 9112 section 9.3.2: the complete requests that came first are answered in order; then
    # the one llhttp refuses, in the same read, gets its refusal and the connection closes.
    with echo_connection(limits) as sock:
        sock.sendall(_TWO_REQUESTS + refused)
        stream = sock.makefile("rb")
        answers = [read_answer(stream) for _ in range(3)]
        assert [(a.status, a.body) for a in answers[:2]] == [(200, b"one"), (200, b"two")]
        assert "connection" not in answers[0].headers
        assert answers[2].status == status
        assert answers[2].headers["connection"] == "close"
        assert closed_by_server(sock)


@pytest.mark.parametrize(
    ("before", "limits", "pad"),
    [
        # A CRLF after a body, as some clients send (RFC 9112 section 2.2), is no part of a head.
        (
            b"POST /api/echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1500\r\n\r\n"
            + b"x" * 1500
            + b"\r\n",
            Limits(max_head_bytes=2048),
            1000,
        ),
        (
            b"POST /api/echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5dc\r\n"
            + b"x" * 1500
            + b"\r\n0\r\n\r\n",
            Limits(max_head_bytes=2048),
            1000,
        ),
        (
            b"GET /api/echo HTTP/1.1\r\nHost: x\r\nX-Pad: " + b"x" * 1500 + b"\r\n\r\n",
            Limits(max_head_bytes=2048),
            1000,
        ),
        # The default limit is one read (64 KiB): a head read in two reads after a large request
        # in the same read as its start.
        (
            b"POST /api/echo HTTP/1.1\r\nHost: x\r\nContent-Length: 61440\r\n\r\n" + b"x" * 61440,
            Limits(),
            6000,
        ),
    ],
    ids=["after-a-body", "after-a-chunked-body", "after-a-head", "default-limit"],
)
def test_a_head_is_not_charged_for_the_requests_read_with_its_start(
    before: bytes, limits: Limits, pad: int
) -> None:
    # The head's start comes in the read that ends the request before it; what that request
    # took of the read is no part of the head, whose size stays under the limit.
    start = b"GET /api/headers?names=x-big HTTP/1.1\r\nHost: x\r\nX-Big: " + b"b" * 200
    with echo_connection(limits) as sock:
        sock.sendall(before + start)
        stream = sock.makefile("rb")
        assert read_answer(stream).status == 200  # so the server has read the head's start
        sock.sendall(b"b" * pad)  # the head, still unended, read on its own
        sock.sendall(b"\r\n\r\n")
        answer = read_answer(stream)
        assert answer.status == 200
        assert json.loads(answer.body) == {"x-big": "b" * (200 + pad)}


@pytest.mark.parametrize("length", [1024 * 1024 + 1, 10**12])
def test_a_declared_length_over_the_limit_is_413_before_any_body(length: int) -> None:
    with echo_connection() as sock:
        sock.sendall(b"POST /api/echo HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % length)
        answer = read_answer(sock.makefile("rb"))
        assert answer.status == 413
        assert answer.headers["connection"] == "close"
        assert closed_by_server(sock)


def test_a_chunked_body_over_the_limit_is_413_and_closed() -> None:
    with echo_connection(Limits(max_body_bytes=1000)) as sock:
        sock.sendall(b"POST /api/echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
        sock.sendall(b"400\r\n" + b"x" * 1024 + b"\r\n")  # one chunk past the limit
        answer = read_answer(sock.makefile("rb"))
        assert answer.status == 413
        assert closed_by_server(sock)


@pytest.mark.parametrize(
    ("framing", "status"),
    [
        (b"Transfer-Encoding: gzip\r\n", 501),
        (b"Transfer-Encoding: chunked\r\nContent-Length: 5\r\n", 400),
        (b"Content-Length: 5\r\nContent-Length: 6\r\n", 400),
        (b"Content-Length: -1\r\n", 400),
    ],
    ids=["unknown-coding", "both-framings", "two-lengths", "negative-length"],
)
def test_ambiguous_or_unknown_framing_is_refused_and_closed(framing: bytes, status: int) -> None:
    with echo_connection() as sock:
        sock.sendall(b"POST /api/echo HTTP/1.1\r\nHost: x\r\n" + framing + b"\r\nhello")
        assert read_answer(sock.makefile("rb")).status == status
        assert closed_by_server(sock)


def test_an_oversized_head_is_431_and_closed() -> None:
    with echo_connection() as sock:
        # A header that never ends: the server stops buffering it at the limit.
        sock.sendall(b"GET /api/echo HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 200_000)
        assert read_answer(sock.makefile("rb")).status == 431
        assert closed_by_server(sock)


def test_an_oversized_trailer_section_is_431_and_closed() -> None:
    # httptools buffers a trailer field as it does a header: one that never ends is bounded alike
    # (well before the body's time runs out).
    with echo_connection(Limits(body_seconds=60.0)) as sock:
        sock.sendall(
            b"POST /api/echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
            b"2\r\nok\r\n0\r\nX-Big: "
        )
        with contextlib.suppress(ConnectionError):
            for _ in range(40):
                sock.sendall(b"a" * 10_000)
        assert read_answer(sock.makefile("rb")).status == 431
        assert closed_by_server(sock)


def test_expect_100_continue_is_answered_before_the_body() -> None:
    with echo_connection() as sock:
        sock.sendall(
            b"POST /api/echo HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n"
            b"Expect: 100-continue\r\n\r\n"
        )
        stream = sock.makefile("rb")
        assert stream.readline().split()[1] == b"100"
        assert stream.readline() == b"\r\n"
        sock.sendall(b"ok")
        assert read_answer(stream).body == b"ok"


def test_expect_100_continue_with_the_body_already_sent_gets_the_answer_only() -> None:
    with echo_connection() as sock:
        sock.sendall(
            b"POST /api/echo HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n"
            b"Expect: 100-continue\r\n\r\nok"
        )
        stream = sock.makefile("rb")
        assert stream.readline().split()[1] == b"200"  # no interim 100: nothing was waiting
        sock.sendall(b"GET /api/echo HTTP/1.1\r\nHost: x\r\n\r\n")
        while stream.readline() != b"\r\n":
            pass
        assert stream.read(2) == b"ok"
        assert read_answer(stream).status == 200


def test_a_stalled_head_is_disconnected() -> None:
    with echo_connection(QUICK) as sock:
        sock.sendall(b"GET /api/echo HTTP/1.1\r\nHost: x\r\n")  # and never the blank line
        assert read_answer(sock.makefile("rb")).status == 408
        assert closed_by_server(sock)


def test_a_stalled_body_is_disconnected() -> None:
    with echo_connection(QUICK) as sock:
        sock.sendall(b"POST /api/echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nonly ten..")
        assert read_answer(sock.makefile("rb")).status == 408
        assert closed_by_server(sock)


def test_an_idle_keep_alive_connection_is_closed() -> None:
    with echo_connection(QUICK) as sock:
        sock.sendall(b"GET /api/echo HTTP/1.1\r\nHost: x\r\n\r\n")
        assert read_answer(sock.makefile("rb")).status == 200
        assert closed_by_server(sock)


def test_stalled_clients_cannot_lock_others_out() -> None:
    limits = Limits(head_seconds=0.3, idle_seconds=0.3, max_connections=8)
    with serving(_echo_app(), limits) as running:
        port = int(running.url.rsplit(":", 1)[1])
        stalled = [socket.create_connection(("127.0.0.1", port), timeout=WAIT) for _ in range(40)]
        try:
            for sock in stalled:
                sock.sendall(b"GET /api/echo HTTP/1.1\r\n")
            # Past the cap a connection is answered 503 at once; the others time out.
            assert all(closed_by_server(sock) for sock in stalled)
        finally:
            for sock in stalled:
                sock.close()
        with connection(running) as sock:
            sock.sendall(b"GET /api/echo HTTP/1.1\r\nHost: x\r\n\r\n")
            assert read_answer(sock.makefile("rb")).status == 200


def test_connections_past_the_cap_get_503() -> None:
    with serving(_echo_app(), Limits(max_connections=2)) as running:
        port = int(running.url.rsplit(":", 1)[1])
        held = [socket.create_connection(("127.0.0.1", port), timeout=WAIT) for _ in range(2)]
        try:
            for sock in held:  # both served, both kept open
                sock.sendall(b"GET /api/echo HTTP/1.1\r\nHost: x\r\n\r\n")
                assert read_answer(sock.makefile("rb")).status == 200
            with connection(running) as extra:
                assert read_answer(extra.makefile("rb")).status == 503
        finally:
            for sock in held:
                sock.close()


def test_a_client_that_does_not_read_its_answer_is_let_go() -> None:
    with serving(_echo_app(), Limits(send_seconds=0.3)) as running:
        port = int(running.url.rsplit(":", 1)[1])
        sock = socket.create_connection(("127.0.0.1", port), timeout=WAIT)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 * 1024)
            sock.sendall(b"GET /api/big HTTP/1.1\r\nHost: x\r\n\r\n")
            until(lambda: running.connections, WAIT)  # served...
            until(lambda: not running.connections, WAIT)  # ...then given up on
            received = 0
            with contextlib.suppress(ConnectionResetError):
                while chunk := sock.recv(1024 * 1024):
                    received += len(chunk)
            assert received < BIG
        finally:
            sock.close()


def test_a_handler_over_its_time_is_a_504_and_the_connection_carries_on() -> None:
    with echo_connection(Limits(handler_seconds=0.3)) as sock:
        stream = sock.makefile("rb")
        for path in (b"/api/stall", b"/api/stall", b"/api/echo"):  # the alarm serves each
            sock.sendall(b"GET " + path + b" HTTP/1.1\r\nHost: x\r\n\r\n")
            answer = read_answer(stream)
            assert answer.status == (200 if path == b"/api/echo" else 504)
            assert "connection" not in answer.headers


def test_a_handler_that_raises_is_a_logged_500_and_the_connection_carries_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with echo_connection() as sock:
        stream = sock.makefile("rb")
        sock.sendall(b"GET /api/fail?x=1 HTTP/1.1\r\nHost: x\r\n\r\n")
        failed = read_answer(stream)
        sock.sendall(b"GET /api/echo HTTP/1.1\r\nHost: x\r\n\r\n")
        assert read_answer(stream).status == 200
    assert failed.status == 500
    assert b"a bug" not in failed.body
    [record] = [r for r in caplog.records if r.name == "connector.local_host"]
    assert record.getMessage() == "the handler of GET /api/fail raised"
    assert record.exc_info is not None
    assert isinstance(record.exc_info[1], RuntimeError)


def test_stopping_the_server_ends_a_running_handler_without_an_answer() -> None:
    # The server's own cancellation is not the handler's time running out: no 504.
    _STALLED.clear()
    running = start(_echo_app(), ROOT / "host.json", "127.0.0.1", 0)
    stopped = False
    try:
        with connection(running) as sock:
            sock.sendall(b"GET /api/stall HTTP/1.1\r\nHost: x\r\n\r\n")
            assert _STALLED.wait(WAIT)
            running.stop()
            stopped = True
            assert sock.recv(65536) == b""
    finally:
        if not stopped:
            running.stop()


class _RecordingWriter:
    """A StreamWriter stand-in over a real TCP socket, recording each write."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.writes: list[bytes] = []
        self.transport = self  # whose buffer the socket has always taken whole

    def get_write_buffer_size(self) -> int:
        return 0

    def get_extra_info(self, name: str) -> Any:
        return self.sock if name == "socket" else None

    def write(self, data: bytes) -> None:
        self.writes.append(bytes(data))

    async def drain(self) -> None:
        return None

    def can_write_eof(self) -> bool:
        return False

    def close(self) -> None:
        return None


async def test_each_response_leaves_in_one_write_on_a_no_delay_socket() -> None:
    host = LocalHost(_echo_app(), ROOT / "host.json")
    listener = socket.create_server(("127.0.0.1", 0))
    client = socket.create_connection(listener.getsockname())
    accepted, _ = listener.accept()
    try:
        reader = asyncio.StreamReader()
        reader.feed_data(
            b"POST /api/echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"
            b"GET /api/echo HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
        )
        reader.feed_eof()
        writer = _RecordingWriter(accepted)
        await serve_connection(host, Limits(), "http://127.0.0.1", reader, writer)  # type: ignore[arg-type]
        assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
        assert len(writer.writes) == 2
        first, second = writer.writes
        assert first.startswith(b"HTTP/1.1 200 ")
        assert first.endswith(b"\r\n\r\nhello")
        assert second.startswith(b"HTTP/1.1 200 ")
        assert b"connection: close" in second.lower()
    finally:
        for sock in (client, accepted, listener):
            sock.close()
        host.close()


# The connector's own routes: the bearer check and the SCIM limit come before the body.


@pytest.fixture
def connector_server() -> Iterator[RunningServer]:
    with stack(), serving(_connector_app()) as running:
        yield running


def _scim_head(method: str, path: str, length: int, token: str | None = None) -> bytes:
    auth = f"Authorization: Bearer {token}\r\n" if token else ""
    return (
        f"{method} /api/scim/v2{path} HTTP/1.1\r\nHost: x\r\n{auth}"
        f"Content-Type: application/scim+json\r\nContent-Length: {length}\r\n\r\n"
    ).encode()


@pytest.mark.parametrize("token", [None, "not-the-token-at-all"])
def test_a_huge_body_without_the_token_is_401_before_it_is_read(
    connector_server: RunningServer, token: str | None, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="connector.requests")
    with connection(connector_server) as sock:
        sock.sendall(_scim_head("POST", "/Users", 300 * 1024 * 1024, token))  # no body follows
        answer = read_answer(sock.makefile("rb"))
        assert answer.status == 401
        assert answer.headers["content-type"].startswith("application/scim+json")
        assert answer.headers["www-authenticate"] == 'Bearer realm="scim"'
        assert json.loads(answer.body)["status"] == "401"
        assert answer.headers["connection"] == "close"
        assert closed_by_server(sock)
    # Logged as the route logs any request.
    records = [r for r in caplog.records if r.name == "connector.requests"]
    assert [(r.operation, r.scim_status) for r in records] == [("users.create", 401)]  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("path", "operation"),
    [
        ("/Users/.search", "users.search"),
        ("/.search", "search.all"),  # was checked as users.search
        ("/Groups", "groups.create"),
        ("/Groups/.search", "groups.search"),  # was read whole before its 401
    ],
)
def test_every_route_refuses_a_body_without_the_token_unread_as_its_handler(
    connector_server: RunningServer, path: str, operation: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="connector.requests")
    with connection(connector_server) as sock:
        sock.sendall(_scim_head("POST", path, 300 * 1024 * 1024))  # no body follows
        answer = read_answer(sock.makefile("rb"))
        assert answer.status == 401
        assert json.loads(answer.body)["status"] == "401"
        assert closed_by_server(sock)
    records = [r for r in caplog.records if r.name == "connector.requests"]
    assert [(r.operation, r.scim_status) for r in records] == [(operation, 401)]  # type: ignore[attr-defined]


def test_a_body_come_whole_with_its_head_and_a_bad_token_is_refused_by_the_route(
    connector_server: RunningServer, caplog: pytest.LogCaptureFixture
) -> None:
    # Read already: no use refusing it unread. The route's own check answers the same 401,
    # logged once, and the connection, whose request was read whole, carries the next one.
    caplog.set_level(logging.INFO, logger="connector.requests")
    body = b'{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "x@y.z"}'
    with connection(connector_server) as sock:
        stream = sock.makefile("rb")
        sock.sendall(_scim_head("POST", "/Users", len(body), "not-the-token-at-all") + body)
        refused = read_answer(stream)
        sock.sendall(b"GET /api/health HTTP/1.1\r\nHost: x\r\n\r\n")
        health = read_answer(stream)
    assert refused.status == 401
    assert refused.headers["www-authenticate"] == 'Bearer realm="scim"'
    assert json.loads(refused.body)["status"] == "401"
    assert "connection" not in refused.headers
    assert health.status == 200
    records = [r for r in caplog.records if r.name == "connector.requests"]
    assert [(r.operation, r.scim_status) for r in records] == [("users.create", 401)]  # type: ignore[attr-defined]


def test_a_small_body_still_to_come_is_refused_unread_by_its_head(
    connector_server: RunningServer,
) -> None:
    # Under the limit, but not here yet: the token is checked before waiting for it.
    with connection(connector_server) as sock:
        sock.sendall(_scim_head("POST", "/Users", 100, "not-the-token-at-all"))  # no body yet
        answer = read_answer(sock.makefile("rb"))
        assert answer.status == 401
        assert answer.headers["connection"] == "close"
        assert closed_by_server(sock)


def test_of_pipelined_requests_only_the_one_whose_body_is_here_is_read(
    connector_server: RunningServer,
) -> None:
    body = b'{"userName": "x@y.z"}'
    whole = _scim_head("POST", "/Users", len(body), "not-the-token-at-all") + body
    head_only = _scim_head("POST", "/Users", 100, "not-the-token-at-all")
    with connection(connector_server) as sock:
        stream = sock.makefile("rb")
        sock.sendall(whole + head_only)
        first, second = read_answer(stream), read_answer(stream)
        assert (first.status, second.status) == (401, 401)
        assert "connection" not in first.headers  # read whole: the connection carried on
        assert second.headers["connection"] == "close"  # refused unread
        assert closed_by_server(sock)


def test_a_declared_body_over_1_mib_is_a_scim_413_with_the_token(
    connector_server: RunningServer,
) -> None:
    with connection(connector_server) as sock:
        sock.sendall(_scim_head("PATCH", "/Users/00u1", 10**12, BEARER))
        answer = read_answer(sock.makefile("rb"))
        assert answer.status == 413
        assert answer.headers["content-type"].startswith("application/scim+json")
        assert json.loads(answer.body)["status"] == "413"
        assert closed_by_server(sock)


def test_a_chunked_body_found_over_1_mib_is_the_routes_scim_413(
    connector_server: RunningServer,
) -> None:
    # No length to judge by its head: the route refuses it once the chunks pass the limit.
    head = _scim_head("POST", "/Users", 0, BEARER).replace(
        b"Content-Length: 0", b"Transfer-Encoding: chunked"
    )
    chunk = b"x" * (1024 * 1024 + 1)
    with connection(connector_server) as sock:
        sock.sendall(head + b"%x\r\n%s\r\n" % (len(chunk), chunk))
        answer = read_answer(sock.makefile("rb"))
        assert answer.status == 413
        assert answer.headers["content-type"].startswith("application/scim+json")
        assert json.loads(answer.body)["status"] == "413"
        assert closed_by_server(sock)


def test_a_chunked_create_with_the_token_is_served(connector_server: RunningServer) -> None:
    import json

    body = json.dumps(new_user("chunky@example.com")).encode()
    head = _scim_head("POST", "/Users", 0, BEARER).replace(
        b"Content-Length: 0", b"Transfer-Encoding: chunked"
    )
    with connection(connector_server) as sock:
        half = len(body) // 2
        sock.sendall(
            head
            + b"%x\r\n%s\r\n" % (half, body[:half])
            + b"%x\r\n%s\r\n0\r\n\r\n" % (len(body) - half, body[half:])
        )
        answer = read_answer(sock.makefile("rb"))
        assert answer.status == 201, answer.body
        assert json.loads(answer.body)["userName"] == "chunky@example.com"


def test_the_health_route_reads_its_body_without_a_token(connector_server: RunningServer) -> None:
    with connection(connector_server) as sock:
        sock.sendall(b"GET /api/health HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello")
        answer = read_answer(sock.makefile("rb"))
        assert answer.status == 200
        assert answer.headers["content-type"].startswith("application/json")
