"""The shared HTTP transport on a toy application: how an answer is written, that stopping ends
idle keep-alive connections and hanging requests (releasing what a hang holds), that a drop
closes without a byte, and the handle `serve` returns."""

from __future__ import annotations

import http.client
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

import pytest

from simkit.faults import Fault, Outcome
from simkit.running import Running
from simkit.server import Handler, serve

WAIT_S = 10.0  # a bound for what should happen at once; never reached when all is well


class Toy:
    """Answers by path: /ok 200, /empty 204, /hang hangs (holding a "slot"), /drop drops."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str, dict[str, str]]] = []
        self.unanswered: list[Outcome[int]] = []
        self.hanging = threading.Event()
        self.released = threading.Event()

    def handle(self, path: str, query: str, headers: dict[str, str]) -> Outcome[int]:
        self.seen.append((path, query, headers))
        if path == "/hang":
            self.hanging.set()
            return Outcome(None, Fault.TIMEOUT, hang_s=300.0, release=self.released.set)
        if path == "/drop":
            return Outcome(200, Fault.DROP, log_index=7)
        return Outcome(204 if path == "/empty" else 200)


class ToyHandler(Handler[Toy]):
    server_header = "toy/1"

    def answer(self) -> None:
        outcome = self.server.app.handle(*self.request_parts())
        self.carry_out(outcome, self._write, self.server.app.unanswered.append)

    def _write(self, status: int) -> None:
        payload = b"" if status == 204 else b"hello"
        self.write(status, payload, "text/plain", [("X-Toy", "1")])


class RunningToy(Running):
    pass


@pytest.fixture
def toy() -> Iterator[tuple[Toy, RunningToy]]:
    app = Toy()
    with serve(RunningToy, ToyHandler, app, "127.0.0.1", 0, name="toy") as running:
        yield app, running


@contextmanager
def _sent(running: Running, path: str) -> Iterator[socket.socket]:
    """A connection that has sent `GET path` and not read anything yet."""
    port = urlsplit(running.url).port
    assert port is not None
    with socket.create_connection(("127.0.0.1", port), timeout=WAIT_S) as client:
        client.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        yield client


def _connection(url: str) -> http.client.HTTPConnection:
    address = urlsplit(url)
    assert address.hostname is not None
    return http.client.HTTPConnection(address.hostname, address.port, timeout=WAIT_S)


def test_an_answer_carries_the_server_header_type_length_and_the_app_s_headers(
    toy: tuple[Toy, RunningToy],
) -> None:
    app, running = toy
    connection = _connection(running.url)
    connection.request("GET", "/ok?a=1&b", headers={"X-Mixed-Case": "v"})
    response = connection.getresponse()
    assert (response.status, response.read()) == (200, b"hello")
    assert response.getheader("Server", "").startswith("toy/1")
    assert response.getheader("Content-Type") == "text/plain"
    assert response.getheader("Content-Length") == "5"
    assert response.getheader("X-Toy") == "1"
    assert response.getheader("Connection") is None  # kept alive, and not said otherwise
    path, query, headers = app.seen[0]
    assert (path, query, headers["x-mixed-case"]) == ("/ok", "a=1&b", "v")
    connection.request("HEAD", "/ok")
    head = connection.getresponse()
    assert (head.getheader("Content-Length"), head.read()) == ("5", b"")
    connection.close()


def test_a_204_has_no_content_length(toy: tuple[Toy, RunningToy]) -> None:
    # RFC 9110 section 8.6; the simulators' own tests check it on the wire, byte by byte.
    _, running = toy
    connection = _connection(running.url)
    connection.request("GET", "/empty")
    response = connection.getresponse()
    assert (response.status, response.read()) == (204, b"")
    assert response.getheader("Content-Length") is None
    connection.request("GET", "/ok")  # the same connection: the 204 ended at its headers
    assert connection.getresponse().read() == b"hello"
    connection.close()


def test_stopping_closes_an_idle_kept_alive_connection(toy: tuple[Toy, RunningToy]) -> None:
    _, running = toy
    connection = _connection(running.url)
    connection.request("GET", "/ok")
    assert connection.getresponse().read() == b"hello"
    assert connection.sock is not None  # kept open for the next request
    running.stop()
    assert connection.sock.recv(1) == b""  # closed by the server, not by the client's timeout
    connection.close()


def test_stopping_ends_a_hang_without_an_answer_and_releases_it(
    toy: tuple[Toy, RunningToy],
) -> None:
    app, running = toy
    with _sent(running, "/hang") as client:
        assert app.hanging.wait(WAIT_S)
        assert not app.released.is_set()  # held while the request hangs
        running.stop()
        assert client.recv(1) == b""
    # Released by the hanging request's own thread once stopping wakes it, which may come a
    # moment after the connection is shut (the cause of an occasional failure here).
    assert app.released.wait(WAIT_S)
    running.stop()  # a second stop is harmless


def test_a_drop_closes_without_a_byte_and_is_marked_unanswered(
    toy: tuple[Toy, RunningToy],
) -> None:
    app, running = toy
    with _sent(running, "/drop") as client:
        assert client.recv(1) == b""
    assert [outcome.log_index for outcome in app.unanswered] == [7]


def test_serve_refuses_other_hosts_and_ports_out_of_range() -> None:
    with pytest.raises(ValueError, match="non-loopback"):
        serve(RunningToy, ToyHandler, Toy(), "192.0.2.1", 0, name="toy")
    with pytest.raises(ValueError, match="port must be within 0-65535"):
        serve(RunningToy, ToyHandler, Toy(), "127.0.0.1", 65536, name="toy")


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1"])
def test_serve_hands_back_its_own_running_type_with_the_bound_url(host: str) -> None:
    with serve(RunningToy, ToyHandler, Toy(), host, 0, name="toy") as running:
        assert isinstance(running, RunningToy)
        shown = f"[{host}]" if ":" in host else host
        assert running.url.startswith(f"http://{shown}:")
        assert int(urlsplit(running.url).port or 0) > 0
