"""Fault injection: the kinds of fault, the seeded schedule that decides which request gets one,
and the outcome of a request that the HTTP transport carries out."""

from __future__ import annotations

import random
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from enum import Enum
from typing import Generic, Protocol, TypeVar

ResponseT = TypeVar("ResponseT")


class Fault(Enum):
    NONE = "none"
    ERROR = "error"  # answered with one of the plan's error statuses; the request is not applied
    TIMEOUT = "timeout"  # hangs without answering; the request is not applied
    DROP = "drop"  # applied, then the connection closes before any response byte


@dataclass(frozen=True)
class Decision:
    fault: Fault
    status: int = 0  # for Fault.ERROR: one of the plan's error statuses


def check_rates(error_rate: float, timeout_rate: float, drop_rate: float) -> None:
    """ValueError unless each rate is a fraction and together they are at most 1."""
    for name, rate in (("error", error_rate), ("timeout", timeout_rate), ("drop", drop_rate)):
        if not 0.0 <= rate <= 1.0:
            raise ValueError(f"{name} rate must be within [0, 1], got {rate}")
    if error_rate + timeout_rate + drop_rate > 1.0:
        raise ValueError("error, timeout and drop rates add up to more than 1")


class FaultPlan:
    """One draw per faultable request, in arrival order, so a seed replays the same faults.

    An error fault's status is drawn from `error_statuses` (what the simulated service or the
    proxy in front of it answers when it fails), with a second draw of the same generator.
    """

    def __init__(
        self,
        error_rate: float,
        timeout_rate: float,
        drop_rate: float,
        rng: random.Random,
        *,
        error_statuses: Sequence[int],
    ) -> None:
        check_rates(error_rate, timeout_rate, drop_rate)
        if not error_statuses:
            raise ValueError("error_statuses must not be empty")
        self.error_rate = error_rate
        self.timeout_rate = timeout_rate
        self.drop_rate = drop_rate
        self.error_statuses = tuple(error_statuses)
        self._rng = rng
        self._lock = threading.Lock()

    def decide(self) -> Decision:
        with self._lock:
            draw = self._rng.random()
            if draw < self.error_rate:
                return Decision(Fault.ERROR, self._rng.choice(self.error_statuses))
            if draw < self.error_rate + self.timeout_rate:
                return Decision(Fault.TIMEOUT)
            if draw < self.error_rate + self.timeout_rate + self.drop_rate:
                return Decision(Fault.DROP)
            return Decision(Fault.NONE)


@dataclass(frozen=True)
class Outcome(Generic[ResponseT]):
    """What the HTTP layer must do with one request: write `response`, or, for a fault, hang
    without answering for `hang_s` or drop the connection.

    `log_index` is the request's entry in the simulator's request log, so that a dropped request
    can be logged as unanswered. `release`, when set, is called when a hang ends: a hanging
    request may hold something until then (oktasim: its concurrency slot).
    """

    response: ResponseT | None
    fault: Fault = Fault.NONE
    hang_s: float = 0.0
    log_index: int = -1
    release: Callable[[], None] | None = None


class _WithStatus(Protocol):
    @property
    def status(self) -> int: ...


Answered = TypeVar("Answered", bound=_WithStatus)


class RequestLog(list[tuple[str, str, int]]):
    """Every request a simulator handled, in order: (method, target, status), status 0 where no
    answer reached the client. Safe from the server's threads: each change holds its lock."""

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()

    def logged(self, method: str, target: str, outcome: Outcome[Answered]) -> Outcome[Answered]:
        """`outcome`, logged, knowing its place in the log (for mark_unanswered)."""
        status = 0 if outcome.response is None else outcome.response.status
        with self._lock:
            self.append((method, target, status))
            index = len(self) - 1
        return replace(outcome, log_index=index)

    def mark_unanswered(self, outcome: Outcome[Answered]) -> None:
        """A dropped request was applied but got no response; its log status becomes 0."""
        with self._lock:
            if 0 <= outcome.log_index < len(self):
                method, target, _ = self[outcome.log_index]
                self[outcome.log_index] = (method, target, 0)
