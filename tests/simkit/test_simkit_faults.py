"""The shared fault schedule: which band of the draw is which fault, error statuses drawn from
the simulator's own list, a seed replaying the same faults, and the rates checked."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

import pytest

from simkit.faults import Decision, Fault, FaultPlan, Outcome, RequestLog, check_rates

if TYPE_CHECKING:
    from _typeshed import SupportsLenAndGetItem

_T = TypeVar("_T")


class Draws(random.Random):
    """Hands out the given draws in order; choice() takes the first element."""

    def __init__(self, draws: Sequence[float]) -> None:
        super().__init__()
        self._draws = list(draws)
        self.offered: list[tuple[Any, ...]] = []

    def random(self) -> float:
        return self._draws.pop(0)

    def choice(self, seq: SupportsLenAndGetItem[_T]) -> _T:
        self.offered.append(tuple(seq[n] for n in range(len(seq))))
        return seq[0]


def test_each_fault_has_its_band_of_the_draw_in_order_error_timeout_drop() -> None:
    # Rates whose sums are exact in binary, so each band's edges are where they are said to be.
    draws = [0.0, 0.1249, 0.125, 0.3749, 0.375, 0.7499, 0.75, 0.99]
    plan = FaultPlan(0.125, 0.25, 0.375, Draws(draws), error_statuses=(503,))
    faults = [plan.decide().fault for _ in draws]
    assert faults == [
        Fault.ERROR,
        Fault.ERROR,
        Fault.TIMEOUT,
        Fault.TIMEOUT,
        Fault.DROP,
        Fault.DROP,
        Fault.NONE,
        Fault.NONE,
    ]


def test_an_error_status_is_drawn_from_the_simulator_s_own_statuses() -> None:
    rng = Draws([0.0, 0.5])
    plan = FaultPlan(0.4, 0.0, 0.0, rng, error_statuses=[502, 500])
    assert plan.decide() == Decision(Fault.ERROR, 502)
    assert plan.decide() == Decision(Fault.NONE)
    assert rng.offered == [(502, 500)]  # only an error draws a status


def test_every_status_occurs_and_no_other() -> None:
    plan = FaultPlan(1.0, 0.0, 0.0, random.Random(7), error_statuses=(500, 503))
    statuses = {plan.decide().status for _ in range(200)}
    assert statuses == {500, 503}


def test_a_seed_replays_the_same_faults() -> None:
    def decisions(seed: int) -> list[Decision]:
        plan = FaultPlan(0.2, 0.2, 0.2, random.Random(seed), error_statuses=(500, 502, 503))
        return [plan.decide() for _ in range(100)]

    first = decisions(11)
    assert decisions(11) == first
    assert decisions(12) != first
    assert {decision.fault for decision in first} == set(Fault)


@pytest.mark.parametrize(
    ("rates", "message"),
    [
        ((-0.1, 0.0, 0.0), "error rate must be within"),
        ((0.0, 1.5, 0.0), "timeout rate must be within"),
        ((0.0, 0.0, 2.0), "drop rate must be within"),
        ((0.5, 0.3, 0.3), "add up to more than 1"),
    ],
)
def test_rates_are_checked(rates: tuple[float, float, float], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        check_rates(*rates)
    with pytest.raises(ValueError, match=message):
        FaultPlan(*rates, random.Random(), error_statuses=(500,))


def test_a_plan_needs_error_statuses() -> None:
    with pytest.raises(ValueError, match="error_statuses"):
        FaultPlan(0.0, 0.0, 0.0, random.Random(), error_statuses=())


@dataclass(frozen=True)
class _Answer:
    status: int


def test_the_request_log_keeps_each_outcome_whole_and_marks_the_unanswered() -> None:
    log = RequestLog()
    released: list[bool] = []
    hanging = Outcome[_Answer](None, Fault.TIMEOUT, 3.0, release=lambda: released.append(True))
    first = log.logged("GET", "/a", hanging)
    assert (first.fault, first.hang_s, first.log_index) == (Fault.TIMEOUT, 3.0, 0)
    assert first.release is not None
    first.release()  # what the hang holds is still released when it ends
    assert released == [True]
    dropped = log.logged("POST", "/b?x=1", Outcome(_Answer(201), Fault.DROP))
    log.mark_unanswered(dropped)
    assert log == [("GET", "/a", 0), ("POST", "/b?x=1", 0)]
    log.mark_unanswered(Outcome(_Answer(200)))  # never logged: nothing changes
    assert len(log) == 2
