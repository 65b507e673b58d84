"""The per-request record as OpenTelemetry: one span per SCIM operation with a child span per
target call, and the metrics an admin watches. Imported only when telemetry is on.

The operation span is INTERNAL (the Functions host already reports the HTTP request itself), so
it is a dependency of the host's request in Application Insights, not a second request. Target
calls are CLIENT spans named `METHOD /path/template`, created when each call has finished, with
its real start and end times; a call that failed (no answer, an error status, or a success status
whose body says it failed) has the ERROR status, which is what makes it a failed dependency. A
retry is a call span of its own (`retry=true`) and a `retry` event on the operation span; waits
are `wait` events.
"""

from __future__ import annotations

from typing import Any

from opentelemetry import context as otel_context
from opentelemetry.metrics import MeterProvider
from opentelemetry.trace import (
    Span,
    SpanKind,
    Status,
    StatusCode,
    TracerProvider,
    set_span_in_context,
)

from .recorder import RequestRecord, TargetCall

SCOPE = "connector"
KIND = "scim.request"


class Bridge:
    def __init__(self, tracer_provider: TracerProvider, meter_provider: MeterProvider) -> None:
        self.tracer = tracer_provider.get_tracer(SCOPE)
        meter = meter_provider.get_meter(SCOPE)
        self.requests = meter.create_counter(
            "scim.requests", unit="{request}", description="SCIM requests by operation and status"
        )
        self.duration = meter.create_histogram(
            "scim.request.duration", unit="ms", description="Time to answer a SCIM request"
        )
        self.calls = meter.create_counter(
            "scim.target.calls",
            unit="{call}",
            description="Target calls by operation, status and outcome (success or failure)",
        )
        self.throttled = meter.create_counter(
            "scim.target.throttled", unit="{call}", description="Target calls answered 429"
        )
        self.waits = meter.create_counter(
            "scim.target.wait", unit="s", description="Time spent waiting for pacing or backoff"
        )
        self.budget = meter.create_counter(
            "scim.request_budget.exhausted",
            unit="{request}",
            description="Requests answered 429/503 because their time budget ran out",
        )

    def started(self, record: RequestRecord) -> None:
        span = self.tracer.start_span(
            record.operation,
            kind=SpanKind.INTERNAL,
            start_time=record.started_ns,
            attributes={"connector.kind": KIND, "scim.operation": record.operation},
        )
        # Current while the request runs, so Azure SDK spans (Key Vault) nest under it.
        token = otel_context.attach(set_span_in_context(span))
        record.state = (span, token)

    def _span(self, record: RequestRecord) -> Span | None:
        return record.state[0] if record.state else None

    def called(self, record: RequestRecord, call: TargetCall) -> None:
        parent = self._span(record)
        attributes: dict[str, Any] = {
            "http.request.method": call.method,
            "url.template": call.path,
            "target.name": call.target,
            "retry": call.retry,
        }
        if call.status is not None:
            attributes["http.response.status_code"] = call.status
        if call.error:
            attributes["error.type"] = call.error
        span = self.tracer.start_span(
            f"{call.method} {call.path}",
            context=set_span_in_context(parent) if parent is not None else None,
            kind=SpanKind.CLIENT,
            start_time=call.started_ns,
            attributes=attributes,
        )
        if call.failed:
            # Azure Monitor's dependency `success` is the span's status alone: a 200 whose body
            # says it failed is a failed dependency, its resultCode (the status) still 200.
            span.set_status(Status(StatusCode.ERROR, _failure(call)))
        span.end(end_time=call.started_ns + int(call.duration_ms * 1_000_000))
        labels = {
            "operation": record.operation,
            "method": call.method,
            "path": call.path,
            "status": str(call.status) if call.status is not None else (call.error or "none"),
            "outcome": "failure" if call.failed else "success",
        }
        self.calls.add(1, labels)
        if call.status == 429:
            self.throttled.add(1, {"operation": record.operation, "path": call.path})

    def retried(self, record: RequestRecord, reason: str) -> None:
        span = self._span(record)
        if span is not None:
            span.add_event("retry", {"reason": reason, "retries": record.retries})

    def waited(self, record: RequestRecord, seconds: float, kind: str) -> None:
        span = self._span(record)
        if span is not None:
            span.add_event("wait", {"seconds": round(seconds, 3), "kind": kind})
        self.waits.add(seconds, {"operation": record.operation, "kind": kind})

    def exhausted(self, record: RequestRecord, status: int) -> None:
        span = self._span(record)
        if span is not None:
            span.add_event("budget_exhausted", {"status": status})
        self.budget.add(1, {"operation": record.operation, "status": str(status)})

    def finished(self, record: RequestRecord) -> None:
        status = record.status if record.status is not None else 500
        labels = {"operation": record.operation, "status": str(status)}
        self.requests.add(1, labels)
        self.duration.record(record.duration_ms or 0.0, labels)
        if not record.state:
            return
        span, token = record.state
        span.set_attribute("scim.status", status)
        span.set_attribute("scim.target_calls", len(record.calls))
        span.set_attribute("scim.retries", record.retries)
        span.set_attribute("scim.wait_seconds", round(record.wait_seconds, 3))
        if record.scim_type:
            span.set_attribute("scim.type", record.scim_type)
        if record.resource_id:
            span.set_attribute("scim.resource_id", record.resource_id)
        if record.budget_exhausted is not None:
            span.set_attribute("scim.budget_exhausted", record.budget_exhausted)
        # A 4xx is the client's mistake, answered correctly; only a 5xx is a failure here.
        if status >= 500:
            span.set_status(Status(StatusCode.ERROR, record.reason or f"HTTP {status}"))
        end = record.started_ns + int((record.duration_ms or 0.0) * 1_000_000)
        span.end(end_time=end)
        otel_context.detach(token)


def _failure(call: TargetCall) -> str:
    if call.status is None:
        return call.error or "no answer"
    if call.error is not None:
        return f"HTTP {call.status} with an error envelope: {call.error}"
    return f"HTTP {call.status}"
