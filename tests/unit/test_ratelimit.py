"""connector/transport/ratelimit.py: reading a server's clock and its rate-limit headers."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from email.utils import format_datetime

import pytest

from connector.transport.ratelimit import RateLimitHeaders, server_now

NOON = datetime(2026, 12, 1, 12, 0, 0, tzinfo=UTC)


def test_the_servers_clock_is_its_date_header() -> None:
    assert server_now({"date": "Tue, 01 Dec 2026 12:00:00 GMT"}) == NOON.timestamp()
    # Read again (answers share a Date within a second), then the next second's: each its own.
    assert server_now({"date": "Tue, 01 Dec 2026 12:00:00 GMT"}) == NOON.timestamp()
    assert server_now({"date": "Tue, 01 Dec 2026 12:00:01 GMT"}) == NOON.timestamp() + 1
    assert server_now({"date": format_datetime(NOON, usegmt=True)}) == NOON.timestamp()


@pytest.mark.parametrize("headers", [{}, {"date": ""}, {"date": "yesterday"}, {"date": "1"}])
def test_without_a_readable_date_the_clock_is_ours(headers: dict[str, str]) -> None:
    before = time.time()
    assert before <= server_now(headers) <= time.time()


def test_a_window_is_read_under_names_configured_in_any_case() -> None:
    names = RateLimitHeaders(
        limit="X-RateLimit-Limit",
        remaining="X-RateLimit-Remaining",
        reset="X-RateLimit-Reset",
        reset_unit="delta-seconds",
    )
    reading = names.read(
        {
            "x-ratelimit-limit": "600",
            "x-ratelimit-remaining": "12",
            "x-ratelimit-reset": "30",
            "date": "Tue, 01 Dec 2026 12:00:00 GMT",
        }
    )
    assert reading is not None
    assert (reading.limit, reading.remaining) == (600, 12)
    assert reading.reset_epoch == NOON.timestamp() + 30
