"""Okta's per-bucket, per-minute rate limits and its concurrent-request limit."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

USERS_COLLECTION = "users"  # GET/POST /api/v1/users
USER_WRITE = "user-write"  # POST/PUT/DELETE /api/v1/users/{id}
USER_READ = "user-read"  # GET /api/v1/users/{idOrLogin}
GROUPS = "groups"  # /api/v1/groups and everything under it but /api/v1/groups/{id} itself
GROUP_BY_ID = "group-by-id"  # /api/v1/groups/{id} only, any method
OTHER = "other"  # everything else under /api/v1: lifecycle, /users/{id}/groups, schemas

# Last published Workforce table ("Management rate limits", legacy doc).
WORKFORCE_LIMITS = {
    USERS_COLLECTION: 600,
    USER_WRITE: 600,
    USER_READ: 2000,
    GROUPS: 500,
    GROUP_BY_ID: 1000,
    OTHER: 1200,
}
WORKFORCE_CONCURRENCY = 75


def token_share(limits: dict[str, int], percent: int) -> dict[str, int]:
    """What one API token may use of each bucket: Okta caps every token (and OAuth app) at a
    share of the org's limit, 50 % unless an admin changes it; at least one request."""
    return {bucket: max(1, limit * percent // 100) for bucket, limit in limits.items()}


def bucket_for(method: str, path: str) -> str:
    """Exact match first, then longest prefix, as Okta matches its buckets."""
    segments = path.rstrip("/").split("/")
    if segments[:4] == ["", "api", "v1", "users"]:
        if len(segments) == 4 and method in ("GET", "POST"):
            return USERS_COLLECTION
        if len(segments) == 5 and method == "GET":
            return USER_READ
        if len(segments) == 5 and method in ("POST", "PUT", "DELETE"):
            return USER_WRITE
    if segments[:4] == ["", "api", "v1", "groups"]:
        # The table's "/api/v1/groups except /api/v1/groups/{id}" takes member calls
        # (/groups/{id}/users…) by longest prefix; /groups/rules is a path of its own.
        if len(segments) == 5 and segments[4] != "rules":
            return GROUP_BY_ID
        return GROUPS
    return OTHER


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    limit: int
    remaining: int
    reset: int  # UTC epoch seconds

    def headers(self) -> list[tuple[str, str]]:
        return [
            ("X-Rate-Limit-Limit", str(self.limit)),
            ("X-Rate-Limit-Remaining", str(self.remaining)),
            ("X-Rate-Limit-Reset", str(self.reset)),
        ]


@dataclass
class _Window:
    start: float
    used: int = 0


class RateLimiter:
    """Windows open at a bucket's first request and last `window_s`; not wall-clock aligned.
    `clock` says UTC epoch seconds: the reset it gives is one."""

    def __init__(
        self,
        limits: dict[str, int],
        window_s: float = 60.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.limits = dict(limits)
        self.window_s = window_s
        self._clock = clock
        self._windows: dict[str, _Window] = {}
        self._lock = threading.Lock()

    def take(self, bucket: str, *, count: bool = True) -> Verdict:
        """Counts one request (unless `count` is false) and says whether it may proceed."""
        limit = self.limits[bucket]
        with self._lock:
            now = self._clock()
            window = self._windows.get(bucket)
            if window is None or now >= window.start + self.window_s:
                window = _Window(start=now)
                if count:
                    self._windows[bucket] = window
            allowed = window.used < limit
            if count and allowed:
                window.used += 1
            reset = math.ceil(window.start + self.window_s)
            return Verdict(allowed, limit, max(limit - window.used, 0), reset)

    def clear(self) -> None:
        with self._lock:
            self._windows.clear()


class ConcurrencyGate:
    """Counts requests in flight; past the limit Okta answers 429 with limit and remaining 0."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._in_flight = 0
        self._lock = threading.Lock()

    def enter(self) -> bool:
        with self._lock:
            if self.limit > 0 and self._in_flight >= self.limit:
                return False
            self._in_flight += 1
            return True

    def leave(self) -> None:
        with self._lock:
            self._in_flight -= 1


def concurrency_verdict(now: float) -> Verdict:
    """`now` in UTC epoch seconds. Okta's reset on a concurrency 429 is only a suggestion: one
    second ahead."""
    return Verdict(False, 0, 0, math.ceil(now) + 1)
