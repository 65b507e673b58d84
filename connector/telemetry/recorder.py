"""What one SCIM request did, collected while it runs: its target calls, retries and waits.

The HTTP adapter opens one record per SCIM request (`recording`); the transport reports every
call, retry, wait and budget exhaustion to whichever record is current. The current record lives
in a contextvar, so concurrent requests on one event loop never mix, and tasks a request starts
report to it too. Reporting outside any request does nothing. This module runs on every request
with telemetry on or off, so it uses nothing but the standard library.
"""

from __future__ import annotations

import time
from contextvars import ContextVar, Token
from dataclasses import dataclass, field
from typing import Any, NamedTuple, Protocol


class TargetCall(NamedTuple):
    """One HTTP attempt at the target (a retry is a call of its own). A tuple, not a frozen
    dataclass: one is made per target call, and a frozen dataclass sets each field through
    `object.__setattr__` (~2 % of a request's instructions went to reporting a call)."""

    target: str  # how messages name the application ("Okta")
    method: str
    path: str  # a template: values such as ids and logins are `{}`, and there is no query
    status: int | None  # None: no answer came (`error` says why)
    duration_ms: float
    started_ns: int  # wall clock, for spans
    # Why the call failed without an error status: the exception's type when no answer came
    # (`ReadTimeout`), or, beside a success status, the error its body says (a described
    # application's `errorEnvelope`: its code, e.g. `conflict`).
    error: str | None = None
    retry: bool = False  # sent again after a failed attempt of the same request

    @property
    def failed(self) -> bool:
        """No answer, an error status, or a success status whose body says it failed."""
        return self.status is None or self.status >= 400 or self.error is not None

    def summary(self) -> dict[str, Any]:
        """The call as the per-request record shows it (no values, only their shape)."""
        shown: dict[str, Any] = {
            "method": self.method,
            "path": self.path,
            "status": self.status,
            "ms": round(self.duration_ms, 1),
        }
        if self.error:
            shown["error"] = self.error
        if self.retry:
            shown["retry"] = True
        return shown


class Observer(Protocol):
    """Turns a record's events into spans and metrics (the OpenTelemetry bridge)."""

    def started(self, record: RequestRecord) -> None: ...

    def called(self, record: RequestRecord, call: TargetCall) -> None: ...

    def retried(self, record: RequestRecord, reason: str) -> None: ...

    def waited(self, record: RequestRecord, seconds: float, kind: str) -> None: ...

    def exhausted(self, record: RequestRecord, status: int) -> None: ...

    def finished(self, record: RequestRecord) -> None: ...


@dataclass
class RequestRecord:
    operation: str
    started_ns: int = field(default_factory=time.time_ns)
    started: float = field(default_factory=time.perf_counter)
    calls: list[TargetCall] = field(default_factory=list)
    retries: int = 0
    wait_seconds: float = 0.0
    # 429 or 503 when the request's time budget ran out before the target answered.
    budget_exhausted: int | None = None
    # Filled in by the HTTP adapter when the answer is known.
    status: int | None = None
    scim_type: str | None = None
    reason: str | None = None
    resource_id: str | None = None
    duration_ms: float | None = None
    observer: Observer | None = None
    # Whatever the observer keeps per request (the span and its context token).
    state: Any = None
    _retry_pending: bool = False

    def finish(
        self,
        status: int,
        *,
        scim_type: str | None = None,
        reason: str | None = None,
        resource_id: str | None = None,
    ) -> None:
        self.status = status
        self.scim_type = scim_type
        self.reason = reason
        self.resource_id = resource_id
        self.duration_ms = (time.perf_counter() - self.started) * 1000


_current: ContextVar[RequestRecord | None] = ContextVar("scim_request_record", default=None)


def recording(operation: str, observer: Observer | None = None) -> _Recording:
    """Collect what the request does while the block runs; the caller calls `finish`."""
    return _Recording(RequestRecord(operation, observer=observer))


class _Recording:
    """`recording`'s block: a class rather than a generator's context manager, which costs
    twice as much, on every request."""

    __slots__ = ("_record", "_token")

    def __init__(self, record: RequestRecord) -> None:
        self._record = record
        self._token: Token[RequestRecord | None] | None = None

    def __enter__(self) -> RequestRecord:
        record = self._record
        self._token = _current.set(record)
        if record.observer is not None:
            try:
                record.observer.started(record)
            except BaseException:
                _current.reset(self._token)
                raise
        return record

    def __exit__(self, *exc_info: object) -> None:
        assert self._token is not None
        _current.reset(self._token)
        record = self._record
        if record.duration_ms is None:
            record.duration_ms = (time.perf_counter() - record.started) * 1000
        if record.observer is not None:
            record.observer.finished(record)


def current() -> RequestRecord | None:
    return _current.get()


def target_call(
    target: str,
    method: str,
    path: str,
    status: int | None,
    *,
    started_ns: int,
    duration_s: float,
    error: str | None = None,
) -> None:
    """One attempt at the target finished (with an answer, or with `error`)."""
    record = _current.get()
    if record is None:
        return
    call = TargetCall(
        target=target,
        method=method,
        path=path,
        status=status,
        duration_ms=duration_s * 1000,
        started_ns=started_ns,
        error=error,
        retry=record._retry_pending,
    )
    record._retry_pending = False
    record.calls.append(call)
    if record.observer is not None:
        record.observer.called(record, call)


def retried(reason: str) -> None:
    """The last call failed in a way worth another attempt, which comes next."""
    record = _current.get()
    if record is None:
        return
    record.retries += 1
    record._retry_pending = True
    if record.observer is not None:
        record.observer.retried(record, reason)


def waited(seconds: float, kind: str) -> None:
    """About to wait `seconds` before a call: `pacing` (rate-limit headers) or `backoff`."""
    record = _current.get()
    if record is None or seconds <= 0:
        return
    record.wait_seconds += seconds
    if record.observer is not None:
        record.observer.waited(record, seconds, kind)


def budget_exhausted(status: int) -> None:
    """The request's time budget ran out: it answers `status` (429 or 503) instead."""
    record = _current.get()
    if record is None:
        return
    record.budget_exhausted = status
    if record.observer is not None:
        record.observer.exhausted(record, status)
