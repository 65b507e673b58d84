"""HTTP transport: a threading server that tracks its connections so that stopping frees them
all, a request handler base that writes responses and carries out faults (hanging without an
answer, closing the connection without one), and `serve`, which runs it on a thread.

A simulator subclasses `Handler` to read its requests and encode its responses (how bodies are
framed, what a text body looks like, which headers every answer carries) and passes the subclass
to `serve`.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Callable, Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar, Generic, TypeVar

from simkit.faults import Fault, Outcome
from simkit.running import Running, check_host

AppT = TypeVar("AppT")
ResponseT = TypeVar("ResponseT")
RunningT = TypeVar("RunningT", bound=Running)


class Server(ThreadingHTTPServer, Generic[AppT]):
    daemon_threads = True
    # The default backlog of 5 turns bursts of new connections into SYN retries (1 s stalls).
    request_queue_size = 256

    def __init__(self, address: tuple[str, int], handler: type[Handler[AppT]], app: AppT) -> None:
        self.app = app
        self.stopping = threading.Event()
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, handler)

    def track(self, connection: socket.socket, open_: bool) -> None:
        with self._connections_lock:
            if open_:
                self._connections.add(connection)
            else:
                self._connections.discard(connection)

    def close_all(self) -> None:
        """Ends keep-alive and hanging connections so that stopping really frees everything."""
        self.stopping.set()
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            shutdown(connection)


def shutdown(connection: socket.socket) -> None:
    with contextlib.suppress(OSError):  # the peer may have closed it already
        connection.shutdown(socket.SHUT_RDWR)


class Handler(BaseHTTPRequestHandler, Generic[AppT]):
    """One connection's requests. A subclass implements `answer()` for one request."""

    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes; Nagle would add ~40 ms to each response.
    disable_nagle_algorithm = True
    server: Server[AppT]
    # The Server header of every answer: what the simulated service's front end reports.
    server_header: ClassVar[str] = "simkit"

    def answer(self) -> None:
        """Reads the request, runs it through the simulator and writes (or withholds) the
        answer, with `request_parts`, `declared_length`, `write` and `carry_out`."""
        raise NotImplementedError

    def version_string(self) -> str:
        return self.server_header

    def setup(self) -> None:
        super().setup()
        self.server.track(self.connection, True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.track(self.connection, False)

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: each simulator keeps its own request log."""

    def _dispatch(self) -> None:
        self.answer()

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = _dispatch

    # -- reading ---------------------------------------------------------------------------

    def request_parts(self) -> tuple[str, str, dict[str, str]]:
        """The path (still percent-encoded), the query, and the headers with lower-cased names."""
        path, _, query = self.path.partition("?")
        return path, query, {name.lower(): value for name, value in self.headers.items()}

    @property
    def chunked(self) -> bool:
        """Whether the body is framed by Transfer-Encoding, which no simulator reads: a caller
        that does not read it must close the connection, or the unread rest would corrupt the
        next request."""
        return "Transfer-Encoding" in self.headers

    def declared_length(self) -> int | None:
        """The Content-Length as a number; None when the request has none.

        Raises ValueError when it is not plain ASCII digits (white space around them aside):
        then where the body ends is unknown.
        """
        raw = self.headers.get("Content-Length")
        if raw is None:
            return None
        digits = raw.strip()
        if not (digits.isascii() and digits.isdigit()):
            raise ValueError(f"invalid Content-Length {raw!r}")
        return int(digits)

    # -- answering -------------------------------------------------------------------------

    def write(
        self,
        status: int,
        payload: bytes,
        content_type: str | None,
        headers: Iterable[tuple[str, str]] = (),
    ) -> None:
        self.send_response(status)
        if content_type is not None:
            self.send_header("Content-Type", content_type)
        if status != 204:  # RFC 9110 section 8.6: a server must not send one with a 204
            self.send_header("Content-Length", str(len(payload)))
        for name, value in headers:
            self.send_header(name, value)
        if self.close_connection or self.server.stopping.is_set():
            # Said, not only done: a client that is not told reuses the connection and races
            # its close (the next request gets "server disconnected").
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)

    def carry_out(
        self,
        outcome: Outcome[ResponseT],
        write: Callable[[ResponseT], None],
        mark_unanswered: Callable[[Outcome[ResponseT]], None],
    ) -> None:
        """Writes the outcome's response with `write`, or carries out its fault: a hang lasts
        `hang_s` or until the server stops, then the connection closes without an answer; a
        drop closes it at once, after `mark_unanswered` has logged the request as such."""
        if outcome.fault is Fault.TIMEOUT:
            try:
                self.server.stopping.wait(outcome.hang_s)
            finally:
                if outcome.release is not None:
                    outcome.release()  # only now is the request no longer in flight
            self.abandon()
        elif outcome.fault is Fault.DROP:
            mark_unanswered(outcome)
            self.abandon()
        else:
            assert outcome.response is not None
            write(outcome.response)

    def abandon(self) -> None:
        """Closes the connection without (any more of) an answer."""
        self.close_connection = True
        shutdown(self.connection)


def serve(
    running: type[RunningT],
    handler: type[Handler[AppT]],
    app: AppT,
    host: str,
    port: int,
    *,
    name: str,
    allow_non_loopback: bool = False,
) -> RunningT:
    """Serves `app` on a background thread named `name` and returns at once; port 0 picks a free
    port. ValueError for a non-loopback host (unless allowed) or a port out of range; OSError
    when the address cannot be bound."""
    check_host(host, allow_non_loopback=allow_non_loopback)
    if not 0 <= port <= 65535:
        raise ValueError(f"port must be within 0-65535, got {port}")
    server = Server((host, port), handler, app)
    thread = threading.Thread(
        target=server.serve_forever, name=name, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    bound_port = server.server_address[1]
    shown_host = f"[{host}]" if ":" in host else host
    stopped = threading.Event()

    def stop() -> None:
        if stopped.is_set():
            return
        stopped.set()
        server.close_all()
        server.shutdown()
        server.server_close()
        server.close_all()  # connections accepted while the loop was winding down
        thread.join()

    return running(f"http://{shown_host}:{bound_port}", stop)
