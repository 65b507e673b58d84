"""The simulator's HTTP connections: a connection it is going to close is announced as closing,
so a client never reuses it and races the close (found by the parallel random-order runs); a bad
Content-Length closes it; a 204 is framed as RFC 9110 says, with no Content-Length and no body."""

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


def _head(connection: socket.socket, request: bytes, pending: bytes = b"") -> tuple[str, bytes]:
    """Sends `request` and reads up to the end of the answer's header block; returns the head,
    lower-cased, and whatever was received after it."""
    connection.sendall(request)
    received = pending
    while b"\r\n\r\n" not in received:
        chunk = connection.recv(65536)
        assert chunk, f"closed before a whole answer: {received!r}"
        received += chunk
    head, _, rest = received.partition(b"\r\n\r\n")
    return head.decode().lower(), rest


@pytest.mark.parametrize("deactivate_returns_204", [False, True])
def test_a_204_carries_no_content_length_and_no_body(deactivate_returns_204: bool) -> None:
    # RFC 9110 section 8.6: a server must not send Content-Length in a 204. Every 204 oktasim
    # answers, on one kept-alive connection: had any a body, the next answer would not start
    # right after its header block.
    with serving(deactivate_returns_204=deactivate_returns_204) as okta:
        user_id = okta.create()["id"]
        group_id = okta.create_group("Sales")["id"]
        address = urlsplit(okta.url)
        assert address.hostname is not None
        assert address.port is not None
        member, user = f"/api/v1/groups/{group_id}/users/{user_id}", f"/api/v1/users/{user_id}"
        deactivate = (
            ("POST", f"{user}/lifecycle/deactivate", "Content-Length: 0\r\n")
            if deactivate_returns_204
            else ("DELETE", user, "")  # the first DELETE deactivates
        )
        requests = [
            ("PUT", member, "Content-Length: 0\r\n"),
            ("DELETE", member, ""),
            ("DELETE", f"/api/v1/groups/{group_id}", ""),
            deactivate,
            ("DELETE", user, "Connection: close\r\n"),
        ]
        heads: list[str] = []
        rest = b""
        with socket.create_connection((address.hostname, address.port), timeout=5) as connection:
            for method, path, extra in requests:
                request = (
                    f"{method} {path} HTTP/1.1\r\nHost: x\r\nAuthorization: SSWS t0ken\r\n"
                    f"{extra}\r\n"
                )
                head, rest = _head(connection, request.encode(), rest)
                heads.append(head)
                assert rest == b"", f"bytes after the 204 to {method} {path}: {rest!r}"
            while chunk := connection.recv(65536):  # until the simulator closes
                rest += chunk
        assert rest == b""
        for head in heads:
            status_line, *lines = head.split("\r\n")
            assert status_line.startswith("http/1.1 204 "), head
            assert not [line for line in lines if line.startswith("content-length:")], head
        assert okta.sim.users() == []
