"""HTTP transport: a threading server that feeds requests to the sandbox and carries out its
outcomes, including hanging a request or closing a connection without a response."""

from __future__ import annotations

import contextlib
import ipaddress
import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

from legacyapp.api import MAX_BODY_BYTES, Request
from legacyapp.faults import Fault

if TYPE_CHECKING:
    from legacyapp.sandbox import Outcome, RunningSandbox, Sandbox

JSON_CONTENT_TYPE = "application/json; charset=utf-8"
HTML_CONTENT_TYPE = "text/html"


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # The default backlog of 5 turns bursts of new connections into SYN retries (1 s stalls).
    request_queue_size = 256

    def __init__(self, address: tuple[str, int], sandbox: Sandbox) -> None:
        self.sandbox = sandbox
        self.stopping = threading.Event()
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, _Handler)

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
            _shutdown(connection)


def _shutdown(connection: socket.socket) -> None:
    with contextlib.suppress(OSError):  # the peer may have closed it already
        connection.shutdown(socket.SHUT_RDWR)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes; Nagle would add ~40 ms to each response.
    disable_nagle_algorithm = True
    server: _Server

    def version_string(self) -> str:
        return "nginx"  # the reverse proxy in front of the application

    def setup(self) -> None:
        super().setup()
        self.server.track(self.connection, True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.track(self.connection, False)

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: the sandbox keeps its own request log."""

    def _dispatch(self) -> None:
        body, framing = self._read_body()
        path, _, query = self.path.partition("?")
        headers = {name.lower(): value for name, value in self.headers.items()}
        request = Request(self.command, path, query, headers, body, framing)
        outcome = self.server.sandbox.handle(request)
        if outcome.fault is Fault.TIMEOUT:
            self.server.stopping.wait(outcome.hang_s)
            self._abandon()
        elif outcome.fault is Fault.DROP:
            self.server.sandbox.mark_unanswered(outcome)
            self._abandon()
        else:
            self._write(outcome)

    def _read_body(self) -> tuple[bytes, str | None]:
        if "Transfer-Encoding" in self.headers:
            # Chunked bodies are not read; the unread rest would corrupt the next request.
            self.close_connection = True
            return b"", None
        length = self.headers.get("Content-Length")
        if length is None:
            return b"", None
        if not length.strip().isdigit():
            self.close_connection = True  # where the body ends is unknown
            return b"", "bad_length"
        size = int(length)
        if size > MAX_BODY_BYTES:
            self.close_connection = True
            return b"", "too_large"
        return self.rfile.read(size), None

    def _abandon(self) -> None:
        self.close_connection = True
        _shutdown(self.connection)

    def _write(self, outcome: Outcome) -> None:
        response = outcome.response
        assert response is not None
        if response.body is None:
            payload, content_type = b"", None
        elif isinstance(response.body, str):
            payload, content_type = response.body.encode(), HTML_CONTENT_TYPE
        else:
            payload = json.dumps(response.body, ensure_ascii=False).encode()
            content_type = JSON_CONTENT_TYPE
        self.send_response(response.status)
        if content_type is not None:
            self.send_header("Content-Type", content_type)
        if response.status != 204:  # a 204 must not carry Content-Length (RFC 9110 8.6)
            self.send_header("Content-Length", str(len(payload)))
        for name, value in response.headers:
            self.send_header(name, value)
        if self.close_connection or self.server.stopping.is_set():
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = _dispatch


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def serve(sandbox: Sandbox, host: str, port: int) -> RunningSandbox:
    from legacyapp.sandbox import RunningSandbox

    server = _Server((host, port), sandbox)
    thread = threading.Thread(
        target=server.serve_forever, name="legacyapp", kwargs={"poll_interval": 0.05}, daemon=True
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

    return RunningSandbox(f"http://{shown_host}:{bound_port}", stop)
