"""Capped exponential backoff with full jitter."""

from __future__ import annotations

import random

BASE_SECONDS = 0.25
CAP_SECONDS = 4.0


def backoff(attempt: int, rng: random.Random | None = None) -> float:
    ceiling = min(CAP_SECONDS, BASE_SECONDS * (2**attempt))
    return (rng or random).uniform(ceiling / 2, ceiling)
