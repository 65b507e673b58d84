"""One Peopledir per test module, emptied and set back to START for every test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .harness import Peopledir, serving


@pytest.fixture(scope="module")
def served() -> Iterator[Peopledir]:
    with serving() as peopledir:
        yield peopledir


@pytest.fixture
def pd(served: Peopledir) -> Peopledir:
    return served.fresh()
