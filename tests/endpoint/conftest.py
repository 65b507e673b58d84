from __future__ import annotations

from collections.abc import Iterator

import pytest

from .harness import Stack, stack


@pytest.fixture
def okta_stack() -> Iterator[Stack]:
    with stack() as running:
        yield running
