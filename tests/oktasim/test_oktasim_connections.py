"""The simulator's HTTP connections: a connection it is going to close is announced as closing,
so a client never reuses it and races the close (found by the parallel random-order runs)."""

from __future__ import annotations

import socket
from urllib.parse import urlsplit

import pytest
from oktasim_harness import serving


def test_a_chunked_request_it_cannot_read_is_answered_with_connection_close() -> None:
    with serving() as okta:
        user_id = okta.create()["id"]
        chunked = okta.client.post(
            f"/api/v1/users/{user_id}/lifecycle/deactivate", content=iter([b""])
        )
        assert chunked.status_code == 411
        assert chunked.headers["connection"] == "close"
        # The client opens a new connection for the next request.
        assert okta.client.get(f"/api/v1/users/{user_id}").status_code == 200


def test_a_kept_connection_is_not_announced_as_closing() -> None:
    with serving() as okta:
        answer = okta.client.get("/api/v1/users")
        assert answer.status_code == 200
        assert "connection" not in answer.headers


# "\xb2" is "²", a digit to str.isdigit() that int() refuses.
@pytest.mark.parametrize("length", [b"ten", b"\xb2", b"-2"])
def test_a_bad_content_length_is_400_and_the_connection_closes(length: bytes) -> None:
    with serving() as okta:
        address = urlsplit(okta.url)
        assert address.hostname is not None
        assert address.port is not None
        with socket.create_connection((address.hostname, address.port), timeout=5) as connection:
            connection.sendall(
                b"POST /api/v1/users HTTP/1.1\r\nHost: x\r\nAuthorization: SSWS t0ken\r\n"
                b"Content-Length: " + length + b"\r\n\r\n{}"
            )
            received = b""
            while chunk := connection.recv(65536):  # until the simulator closes
                received += chunk
        head = received.partition(b"\r\n\r\n")[0].decode().lower()
        assert head.startswith("http/1.1 400 ")
        assert "connection: close" in head
        assert okta.sim.users() == []
