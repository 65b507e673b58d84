"""Telemetry of SCIM requests: what each one did, as a log record, spans and metrics.

`recorder` collects, per request, what the transport reports (target calls, retries, waits,
budget exhaustion); it is standard library only and imported by the HTTP adapter and the
transport alike, so neither imports the other. `setup` decides at the first request whether
OpenTelemetry is on and only then imports it (`bridge`, `console`).
"""

from __future__ import annotations

from .paths import template
from .recorder import (
    Observer,
    RequestRecord,
    TargetCall,
    budget_exhausted,
    current,
    recording,
    retried,
    target_call,
    waited,
)
from .scrub import scrub

__all__ = [
    "Observer",
    "RequestRecord",
    "TargetCall",
    "budget_exhausted",
    "current",
    "recording",
    "retried",
    "scrub",
    "target_call",
    "template",
    "waited",
]
