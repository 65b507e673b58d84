"""TELEMETRY_CONSOLE=true: each SCIM request's spans printed as a small tree when it ends.

    users.patch 200 in 12.3 ms (2 target calls, 1 retry, waited 0.50 s)
      POST /api/v1/users/{} 503 in 2.0 ms
      POST /api/v1/users/{} 200 in 2.2 ms (retry)

Target-call spans end before their operation's span, so they are held until it ends.
"""

from __future__ import annotations

import sys
from collections import OrderedDict
from collections.abc import Sequence
from typing import TextIO

from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult

from .bridge import KIND

# Spans of traces whose operation never ended (a crash) are dropped past this many traces.
_MAX_PENDING_TRACES = 100


def _ms(span: ReadableSpan) -> float:
    return ((span.end_time or 0) - (span.start_time or 0)) / 1_000_000


class ConsoleTree(SpanExporter):
    def __init__(self, out: TextIO | None = None) -> None:
        self._out = out
        self._pending: OrderedDict[int, list[ReadableSpan]] = OrderedDict()

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        for span in spans:
            trace_id = span.context.trace_id if span.context else 0
            if (span.attributes or {}).get("connector.kind") == KIND:
                children = self._pending.pop(trace_id, [])
                self._print(span, children)
                continue
            self._pending.setdefault(trace_id, []).append(span)
            while len(self._pending) > _MAX_PENDING_TRACES:
                self._pending.popitem(last=False)
        return SpanExportResult.SUCCESS

    def _print(self, root: ReadableSpan, children: list[ReadableSpan]) -> None:
        attributes = root.attributes or {}
        calls = int(str(attributes.get("scim.target_calls", len(children))))
        retries = int(str(attributes.get("scim.retries", 0)))
        wait = float(str(attributes.get("scim.wait_seconds", 0.0)))
        notes = [f"{calls} target call{'s' if calls != 1 else ''}"]
        if retries:
            notes.append(f"{retries} retr{'ies' if retries != 1 else 'y'}")
        if wait:
            notes.append(f"waited {wait:.2f} s")
        if attributes.get("scim.type"):
            notes.append(f"scimType {attributes['scim.type']!s}")
        status = str(attributes.get("scim.status", "?"))
        lines = [f"{root.name} {status} in {_ms(root):.1f} ms ({', '.join(notes)})"]
        for child in sorted(children, key=lambda s: s.start_time or 0):
            child_attributes = child.attributes or {}
            # A status with an error beside it: a success status whose body says it failed.
            shown = (child_attributes.get(k) for k in ("http.response.status_code", "error.type"))
            answer = " ".join(str(a) for a in shown if a is not None) or "no answer"
            retry = " (retry)" if child_attributes.get("retry") else ""
            lines.append(f"  {child.name} {answer} in {_ms(child):.1f} ms{retry}")
        out = self._out or sys.stdout
        out.write("\n".join(lines) + "\n")
        out.flush()

    def shutdown(self) -> None:
        self._pending.clear()
