"""connector/targets/pause.py: a target's own retry, within the request's budget and record."""

from __future__ import annotations

import asyncio

import pytest

from connector import telemetry
from connector.targets import pause as pause_module
from connector.targets.errors import UnavailableError
from connector.targets.pause import pause
from connector.transport.budget import request_budget


@pytest.fixture(autouse=True)
def no_real_waits(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    monkeypatch.setattr(pause_module, "backoff", lambda attempt: 0.25 * (attempt + 1))
    monkeypatch.setattr(asyncio, "sleep", sleep)
    return slept


async def test_a_pause_waits_and_counts_in_the_requests_record(no_real_waits: list[float]) -> None:
    with telemetry.recording("users.create") as record, request_budget(20):
        await pause(0, "Okta is still activating the user")
        await pause(1, "Okta is still activating the user")
    assert no_real_waits == [0.25, 0.5]
    assert (record.retries, record.wait_seconds) == (2, 0.75)


async def test_no_pause_when_the_budget_leaves_no_time_for_the_try_after_it(
    no_real_waits: list[float],
) -> None:
    with (
        telemetry.recording("users.patch") as record,
        request_budget(0.6),
        pytest.raises(UnavailableError, match="still activating"),
    ):
        await pause(0, "Okta is still activating the user")
    assert no_real_waits == []
    assert record.budget_exhausted == 503


async def test_no_pause_where_the_request_allows_no_retry(no_real_waits: list[float]) -> None:
    with (
        telemetry.recording("health.deep") as record,
        request_budget(20, retries=False),
        pytest.raises(UnavailableError, match="outcome unknown"),
    ):
        await pause(0, "create outcome unknown")
    assert no_real_waits == []
    assert (record.retries, record.budget_exhausted) == (0, None)  # a diagnostic's own refusal
