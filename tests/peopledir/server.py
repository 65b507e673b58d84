"""HTTP transport: a threading server on loopback that feeds requests to the app and writes
its answers; stopping it also closes keep-alive connections."""

from __future__ import annotations

import contextlib
import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

from .app import MAX_BODY_BYTES, RunningPeopledir
from .messages import Request

if TYPE_CHECKING:
    from .app import PeopledirApp


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 64  # the default of 5 turns bursts of connections into 1 s stalls

    def __init__(self, address: tuple[str, int], app: PeopledirApp) -> None:
        self.app = app
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, _Handler)

    def close_all(self) -> None:
        with self.connections_lock:
            connections = list(self.connections)
        for connection in connections:
            with contextlib.suppress(OSError):  # the peer may have closed it already
                connection.shutdown(socket.SHUT_RDWR)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body are separate writes
    server: _Server

    def version_string(self) -> str:
        return "peopledir"

    def setup(self) -> None:
        super().setup()
        with self.server.connections_lock:
            self.server.connections.add(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            with self.server.connections_lock:
                self.server.connections.discard(self.connection)

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: the app keeps its own request log."""

    def _dispatch(self) -> None:
        body, framing = self._read_body()
        path, _, query = self.path.partition("?")
        headers = {name.lower(): value for name, value in self.headers.items()}
        response = self.server.app.handle(
            Request(self.command, path, query, headers, body), framing
        )
        payload = b""
        if response.body is not None:
            payload = json.dumps(response.body, ensure_ascii=False).encode("utf-8")
        self.send_response(response.status)
        if response.body is not None:
            self.send_header("Content-Type", response.content_type)
        if response.status != 204:  # a 204 carries no Content-Length (RFC 9110 section 8.6)
            self.send_header("Content-Length", str(len(payload)))
        for name, value in response.headers:
            self.send_header(name, value)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)

    def _read_body(self) -> tuple[bytes, str | None]:
        if "Transfer-Encoding" in self.headers:
            self.close_connection = True  # the unread body would corrupt the next request
            return b"", "length_required"
        length = (self.headers.get("Content-Length") or "0").strip()
        if not (length.isascii() and length.isdigit()):
            self.close_connection = True  # where the body ends is unknown
            return b"", "length_required"
        if int(length) > MAX_BODY_BYTES:
            self.close_connection = True
            return b"", "too_large"
        return self.rfile.read(int(length)), None

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _dispatch


def serve(app: PeopledirApp, host: str, port: int) -> RunningPeopledir:
    server = _Server((host, port), app)
    thread = threading.Thread(
        target=server.serve_forever, name="peopledir", kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
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

    return RunningPeopledir(f"http://{shown_host}:{server.server_address[1]}", stop)
