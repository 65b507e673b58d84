"""HTTP transport: a threading server that feeds requests to the simulator and carries out
its outcomes, including hanging a request or closing a connection without a response."""

from __future__ import annotations

import contextlib
import ipaddress
import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

from oktasim.faults import Fault
from oktasim.ids import new_request_id
from oktasim.messages import JSON, Request

if TYPE_CHECKING:
    from oktasim.simulator import Outcome, RunningSimulator, Simulator


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # The default backlog of 5 turns bursts of new connections into SYN retries (1 s stalls).
    request_queue_size = 256

    def __init__(self, address: tuple[str, int], simulator: Simulator) -> None:
        self.simulator = simulator
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
        """Ends keep-alive and hung connections so that stopping really frees everything."""
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
        return "nginx"  # what Okta's edge reports

    def setup(self) -> None:
        super().setup()
        self.server.track(self.connection, True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.track(self.connection, False)

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: the simulator keeps its own request log."""

    def _dispatch(self) -> None:
        length = self.headers.get("Content-Length")
        if length is not None and not length.strip().isdigit():
            self.send_error(400, "Bad Content-Length")
            return
        body = self.rfile.read(int(length)) if length is not None else None
        if body is None and "Transfer-Encoding" in self.headers:
            self.close_connection = True  # an unread chunked body would corrupt the next request
        path, _, query = self.path.partition("?")
        headers = {name.lower(): value for name, value in self.headers.items()}
        request = Request(self.command, path, query, headers, body)
        outcome = self.server.simulator.handle(request)
        if outcome.fault is Fault.TIMEOUT:
            try:
                self.server.stopping.wait(outcome.hang_s)
            finally:
                if outcome.release is not None:
                    outcome.release()  # only now is the request no longer in flight
            self._abandon()
        elif outcome.fault is Fault.DROP:
            self.server.simulator.mark_unanswered(outcome)
            self._abandon()
        else:
            self._write(outcome)

    def _abandon(self) -> None:
        self.close_connection = True
        _shutdown(self.connection)

    def _write(self, outcome: Outcome) -> None:
        response = outcome.response
        assert response is not None
        if response.body is None:
            payload, content_type = b"", None
        elif isinstance(response.body, str):
            payload = f"<html><body><h1>{response.body}</h1></body></html>".encode()
            content_type = "text/html"
        else:
            payload, content_type = json.dumps(response.body, ensure_ascii=False).encode(), JSON
        self.send_response(response.status)
        if content_type is not None:
            self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("X-Okta-Request-Id", new_request_id())
        for name, value in response.headers:
            self.send_header(name, value)
        if self.server.stopping.is_set() or self.close_connection:
            # Said, not only done: a client that is not told reuses the connection and races
            # its close (the next request gets "server disconnected").
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


def serve(simulator: Simulator, host: str, port: int) -> RunningSimulator:
    from oktasim.simulator import RunningSimulator

    server = _Server((host, port), simulator)
    thread = threading.Thread(
        target=server.serve_forever, name="oktasim", kwargs={"poll_interval": 0.05}, daemon=True
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

    return RunningSimulator(f"http://{shown_host}:{bound_port}", stop)
