"""The pacer, on a fake clock: no 429 while pacing, spreading when low, new windows counted."""

from __future__ import annotations

import itertools
import math
from email.utils import formatdate

from clocks import Clock

from connector.transport.pacing import LOW_WATER, Pacer

EPOCH = 1_800_000_000  # the "server" clock at fake time 0


class FakeBucketServer:
    """A rate-limited bucket with Okta's headers, on the same fake clock."""

    def __init__(self, clock: Clock, limit: int, window: float) -> None:
        self.clock, self.limit, self.window = clock, limit, window
        self.start: float | None = None
        self.used = 0
        self.accepted: list[float] = []
        self.rejected = 0

    def call(self) -> dict[str, str]:
        now = self.clock.now
        if self.start is None or now >= self.start + self.window:
            self.start, self.used = now, 0
        allowed = self.used < self.limit
        if allowed:
            self.used += 1
            self.accepted.append(now)
        else:
            self.rejected += 1
        return {
            "x-rate-limit-limit": str(self.limit),
            "x-rate-limit-remaining": str(self.limit - self.used),
            "x-rate-limit-reset": str(EPOCH + math.ceil(self.start + self.window)),
            "date": formatdate(EPOCH + math.floor(now), usegmt=True),
        }


def drive(pacer: Pacer, server: FakeBucketServer, clock: Clock, calls: int) -> None:
    """Sequential calls that always follow the pacer, answering instantly."""
    for _ in range(calls):
        while True:
            wait, taken = pacer.plan("users")
            clock.now += max(0.0, wait)
            if taken:
                break
        pacer.observe("users", server.call())


def test_unknown_bucket_is_free() -> None:
    assert Pacer(Clock(0.0)).plan("users") == (0.0, True)


def test_no_429_while_pacing_a_long_run() -> None:
    clock = Clock(0.0)
    pacer, server = Pacer(clock), FakeBucketServer(clock, limit=100, window=60)
    drive(pacer, server, clock, 520)
    assert server.rejected == 0
    assert len(server.accepted) == 520
    # Five full windows, and a sixth begun: close to the limit, never above it.
    assert clock.now < 6 * 60 + 6


def test_calls_go_freely_until_low_then_spread_over_the_window() -> None:
    clock = Clock(0.0)
    pacer, server = Pacer(clock), FakeBucketServer(clock, limit=100, window=60)
    drive(pacer, server, clock, 100)
    free = int(100 * (1 - LOW_WATER))
    assert all(t == 0.0 for t in server.accepted[:free])
    spread = server.accepted[free:]
    assert spread[0] == 0.0
    gaps = [b - a for a, b in itertools.pairwise(spread)]
    assert min(gaps) > 1.0  # about 60 s / 20 remaining calls
    assert spread[-1] < 61  # the last slot is still inside the window (reset rounded up)


def test_empty_bucket_waits_for_the_reset_without_taking_a_slot() -> None:
    clock = Clock(0.0)
    pacer = Pacer(clock)
    pacer.observe(
        "users",
        {
            "x-rate-limit-limit": "10",
            "x-rate-limit-remaining": "0",
            "x-rate-limit-reset": str(EPOCH + 30),
            "date": formatdate(EPOCH, usegmt=True),
        },
    )
    wait, taken = pacer.plan("users")
    assert (wait, taken) == (30.0, False)
    clock.now = 30.0
    # The window has reset: the whole bucket is counted here until a response names it.
    granted = 0
    while pacer.plan("users") == (0.0, True):
        granted += 1
    assert granted == 10 - int(10 * LOW_WATER)
    assert pacer.plan("users")[1] is False  # low on a window whose end is not known yet


def test_new_window_keeps_the_local_count_and_ignores_late_answers() -> None:
    clock = Clock(0.0)
    pacer = Pacer(clock)

    def headers(remaining: int, reset: int, at: float) -> dict[str, str]:
        return {
            "x-rate-limit-limit": "100",
            "x-rate-limit-remaining": str(remaining),
            "x-rate-limit-reset": str(EPOCH + reset),
            "date": formatdate(EPOCH + math.floor(at), usegmt=True),
        }

    pacer.observe("users", headers(0, 60, 0))
    clock.now = 60.0
    for _ in range(50):
        assert pacer.plan("users") == (0.0, True)
    pacer.observe("users", headers(0, 60, 59))  # a late answer about the old window
    pacer.observe("users", headers(99, 120, 60))  # the new window, optimistic remaining
    granted = 0
    while pacer.plan("users") == (0.0, True):
        granted += 1
    # 50 already sent in this window: only the rest above the low-water mark go freely,
    # plus the first spread slot, which is due at once.
    assert granted == 100 - 50 - int(100 * LOW_WATER) + 1


def test_concurrency_rejections_say_nothing_about_the_bucket() -> None:
    pacer = Pacer(Clock(0.0))
    pacer.observe(
        "users",
        {"x-rate-limit-limit": "0", "x-rate-limit-remaining": "0", "x-rate-limit-reset": "1"},
    )
    assert pacer.plan("users") == (0.0, True)


def test_wait_for_reset_uses_the_servers_clock() -> None:
    pacer = Pacer(Clock(0.0))
    headers = {"x-rate-limit-reset": str(EPOCH + 7), "date": formatdate(EPOCH, usegmt=True)}
    assert pacer.wait_for_reset(headers) == 7.0
    assert pacer.wait_for_reset({}) == 1.0


def test_slots_still_ahead_when_the_server_opens_its_next_window_count_in_it() -> None:
    clock = Clock(0.0)
    pacer = Pacer(clock)

    def headers(remaining: int, reset: int, at: float) -> dict[str, str]:
        return {
            "x-rate-limit-limit": "100",
            "x-rate-limit-remaining": str(remaining),
            "x-rate-limit-reset": str(EPOCH + reset),
            "date": formatdate(EPOCH + math.floor(at), usegmt=True),
        }

    pacer.observe("users", headers(10, 10, 0))  # low: calls are spread over 10 s
    waits = [pacer.plan("users")[0] for _ in range(4)]
    assert waits[0] == 0.0
    assert waits[-1] > 2.0  # three slots are still ahead
    clock.now = 0.5
    # The server already counts a new window (our reset estimate erred late).
    pacer.observe("users", headers(99, 71, 1))
    granted = 0
    while pacer.plan("users") == (0.0, True):
        granted += 1
    # 99 minus the three slots that will still be sent, down to the low-water mark, plus the
    # first spread slot, which is due at once.
    assert granted == 99 - 3 - int(100 * LOW_WATER) + 1


def test_calls_in_flight_before_the_first_answer_count_against_the_bucket() -> None:
    clock = Clock(0.0)
    server = FakeBucketServer(clock, limit=30, window=60)
    pacer = Pacer(clock)
    # 20 calls go out at once before anything is known about the bucket.
    for _ in range(20):
        assert pacer.plan("users") == (0.0, True)
    answers = [server.call() for _ in range(20)]
    # The first answer arrives first: it says 29 left, while 19 more are already counted.
    pacer.observe("users", answers[0])
    free = 0
    while pacer.plan("users") == (0.0, True):
        free += 1
        server.call()
    assert server.rejected == 0
    # Down to the low-water mark, plus the first spread slot, which may also go at once.
    assert free == 29 - 19 - math.ceil(30 * LOW_WATER) + 1


def _free_calls(abandoned: int) -> int:
    """Calls the pacer lets through at once after `abandoned` calls that got no answer."""
    clock = Clock(0.0)
    server = FakeBucketServer(clock, limit=100, window=60)
    pacer = Pacer(clock)
    for _ in range(abandoned):
        pacer.plan("users")
        pacer.abandon("users")  # connection errors: nothing reached the server
    pacer.plan("users")
    pacer.observe("users", server.call())
    free = 0
    while pacer.plan("users") == (0.0, True):
        free += 1
        pacer.observe("users", server.call())
    return free


def test_an_unanswered_call_leaves_the_in_flight_count() -> None:
    assert _free_calls(abandoned=10) == _free_calls(abandoned=0) > 70
