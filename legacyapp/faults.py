"""Fault injection: which faultable request fails, and how, drawn from one seeded generator."""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass
from enum import Enum


class Fault(Enum):
    NONE = "none"
    ERROR = "error"  # answered 500 (JSON) or 503 (the proxy's HTML page); not applied
    TIMEOUT = "timeout"  # hangs without answering; not applied
    DROP = "drop"  # applied, then the connection closes before any response byte


ERROR_STATUSES = (500, 503)


@dataclass(frozen=True)
class Decision:
    fault: Fault
    status: int = 0  # for Fault.ERROR: 500 or 503


class FaultPlan:
    """One draw per faultable request, in arrival order, so a seed replays the same faults."""

    def __init__(
        self, error_rate: float, timeout_rate: float, drop_rate: float, rng: random.Random
    ) -> None:
        check_rates(error_rate, timeout_rate, drop_rate)
        self.error_rate = error_rate
        self.timeout_rate = timeout_rate
        self.drop_rate = drop_rate
        self._rng = rng
        self._lock = threading.Lock()

    def decide(self) -> Decision:
        with self._lock:
            draw = self._rng.random()
            if draw < self.error_rate:
                return Decision(Fault.ERROR, self._rng.choice(ERROR_STATUSES))
            if draw < self.error_rate + self.timeout_rate:
                return Decision(Fault.TIMEOUT)
            if draw < self.error_rate + self.timeout_rate + self.drop_rate:
                return Decision(Fault.DROP)
            return Decision(Fault.NONE)


def check_rates(error_rate: float, timeout_rate: float, drop_rate: float) -> None:
    for name, rate in (("error", error_rate), ("timeout", timeout_rate), ("drop", drop_rate)):
        if not 0.0 <= rate <= 1.0:
            raise ValueError(f"{name} rate must be within [0, 1], got {rate}")
    if error_rate + timeout_rate + drop_rate > 1.0:
        raise ValueError("error, timeout and drop rates add up to more than 1")
