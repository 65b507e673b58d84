"""Fixtures of the REST target's unit tests."""

from __future__ import annotations

import pytest

from connector.transport import backoff as backoff_module


@pytest.fixture(autouse=True)
def fast_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep retries quick: what is tested is how many calls are made, never how long they take."""
    monkeypatch.setattr(backoff_module, "BASE_SECONDS", 0.001)
    monkeypatch.setattr(backoff_module, "CAP_SECONDS", 0.005)
