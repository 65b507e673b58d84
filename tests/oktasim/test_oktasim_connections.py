"""The simulator's HTTP connections: a connection it is going to close is announced as closing,
so a client never reuses it and races the close (found by the parallel random-order runs)."""

from __future__ import annotations

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
