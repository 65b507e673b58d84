"""Spans and metrics of SCIM requests, kept by an in-memory exporter: one span per operation
with one child per target call, statuses right, retries visible."""

from __future__ import annotations

import io
from collections.abc import Iterator

import httpx
import pytest
from endpoint.harness import Stack, new_user, stack
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.trace import SpanKind, StatusCode

from connector.telemetry import setup
from oktasim import SimulatorOptions

from .conftest import Telemetry
from .support import seed_user, statuses

TOKEN = "okta-token-for-tests"


def _operations(spans: list[ReadableSpan]) -> list[ReadableSpan]:
    return [s for s in spans if s.kind is SpanKind.INTERNAL]


def _children(spans: list[ReadableSpan], parent: ReadableSpan) -> list[ReadableSpan]:
    assert parent.context is not None
    found = [
        s for s in spans if s.parent is not None and s.parent.span_id == parent.context.span_id
    ]
    return sorted(found, key=lambda s: s.start_time or 0)


def test_one_span_per_operation_with_one_child_per_target_call(
    okta_stack: Stack, otel: Telemetry
) -> None:
    with okta_stack.client() as scim:
        created = scim.post("/Users", json=new_user("span@example.com"))
        user_id = created.json()["id"]
        scim.get(f"/Users/{user_id}")
        scim.get("/ServiceProviderConfig")
    spans = otel.finished()
    operations = _operations(spans)
    assert [s.name for s in operations] == [
        "users.create",
        "users.get",
        "discovery.service_provider_config",
    ]
    create, get, discovery = operations
    [post] = _children(spans, create)
    assert post.name == "POST /api/v1/users"
    assert post.kind is SpanKind.CLIENT
    assert post.attributes is not None
    assert post.attributes["http.response.status_code"] == 200
    assert post.status.status_code is StatusCode.UNSET
    assert post.context is not None
    assert create.context is not None
    assert post.context.trace_id == create.context.trace_id
    [read] = _children(spans, get)
    assert read.name == "GET /api/v1/users/{}"
    assert _children(spans, discovery) == []
    assert create.attributes is not None
    assert create.attributes["scim.status"] == 201
    assert create.attributes["scim.resource_id"] == user_id
    assert create.attributes["scim.target_calls"] == 1
    # Every target-call span has its operation as parent: no orphan.
    assert len(spans) == len(operations) + 2
    # Each request is a trace of its own.
    assert len({s.context.trace_id for s in operations if s.context}) == 3


def test_retries_are_spans_of_their_own_and_events(otel: Telemetry) -> None:
    options = SimulatorOptions(token=TOKEN, concurrency_limit=0, error_rate=0.5, seed=0)
    with stack(options) as running:
        user_id = seed_user(running)
        before = len(running.calls())
        with running.client() as scim:
            assert scim.get(f"/Users/{user_id}").status_code == 200
        seen = statuses(running, before)
    spans = otel.finished()
    [operation] = _operations(spans)
    attempts = _children(spans, operation)
    assert [a.attributes["http.response.status_code"] for a in attempts if a.attributes] == seen
    assert len(attempts) >= 2
    assert [a.status.status_code for a in attempts] == [StatusCode.ERROR] * (len(seen) - 1) + [
        StatusCode.UNSET
    ]
    assert [a.attributes["retry"] for a in attempts if a.attributes] == [False] + [True] * (
        len(seen) - 1
    )
    retry_events = [e for e in operation.events if e.name == "retry"]
    wait_events = [e for e in operation.events if e.name == "wait"]
    assert len(retry_events) == len(seen) - 1
    assert [e.attributes["kind"] for e in wait_events if e.attributes] == ["backoff"] * (
        len(seen) - 1
    )
    assert operation.status.status_code is StatusCode.UNSET
    assert operation.attributes is not None
    assert operation.attributes["scim.retries"] == len(seen) - 1
    # Metrics: the request, and every call by its status.
    assert ({"operation": "users.get", "status": "200"}, 1.0) in otel.points("scim.requests")
    by_status = {a["status"]: v for a, v in otel.points("scim.target.calls")}
    assert sum(by_status.values()) == len(seen)
    assert by_status["200"] == 1.0
    [(wait_labels, waited)] = otel.points("scim.target.wait")
    assert wait_labels == {"operation": "users.get", "kind": "backoff"}
    assert waited > 0


def test_a_4xx_is_not_a_failed_operation_but_a_failed_call(
    okta_stack: Stack, otel: Telemetry
) -> None:
    with okta_stack.client() as scim:
        scim.post("/Users", json=new_user("twice@example.com"))
        assert scim.post("/Users", json=new_user("twice@example.com")).status_code == 409
    spans = otel.finished()
    conflict = _operations(spans)[-1]
    assert conflict.attributes is not None
    assert conflict.attributes["scim.status"] == 409
    assert conflict.attributes["scim.type"] == "uniqueness"
    assert conflict.status.status_code is StatusCode.UNSET
    [refused] = _children(spans, conflict)
    assert refused.status.status_code is StatusCode.ERROR
    assert refused.attributes is not None
    assert refused.attributes["http.response.status_code"] == 400


def test_a_5xx_fails_the_operation_span_and_counts_the_exhausted_budget(otel: Telemetry) -> None:
    options = SimulatorOptions(token=TOKEN, concurrency_limit=0, error_rate=1.0, seed=3)
    with stack(options, REQUEST_BUDGET_SECONDS="1") as running, running.client() as scim:
        assert scim.get("/Users/00uSomeUser000000000").status_code == 503
    [operation] = _operations(otel.finished())
    assert operation.status.status_code is StatusCode.ERROR
    assert "Okta answered" in (operation.status.description or "")
    assert [e.name for e in operation.events].count("budget_exhausted") == 1
    assert otel.points("scim.request_budget.exhausted") == [
        ({"operation": "users.get", "status": "503"}, 1.0)
    ]
    assert ({"operation": "users.get", "status": "503"}, 1.0) in otel.points("scim.requests")


def test_okta_429s_are_counted(otel: Telemetry) -> None:
    options = SimulatorOptions(token=TOKEN, concurrency_limit=0, rate_limit_per_minute=1)
    with stack(options) as running:
        user_id = seed_user(running)
        spent = httpx.get(
            f"{running.okta_url}/api/v1/users/{user_id}",
            headers={"Authorization": f"SSWS {TOKEN}"},
        )
        assert spent.status_code == 200
        with running.client() as scim:
            assert scim.get(f"/Users/{user_id}").status_code == 429
    assert otel.points("scim.target.throttled") == [
        ({"operation": "users.get", "path": "/api/v1/users/{}"}, 1.0)
    ]
    assert otel.points("scim.request_budget.exhausted") == [
        ({"operation": "users.get", "status": "429"}, 1.0)
    ]


def test_the_duration_histogram_counts_every_request(okta_stack: Stack, otel: Telemetry) -> None:
    with okta_stack.client() as scim:
        for _ in range(3):
            scim.get("/Schemas")
    assert otel.points("scim.request.duration") == [
        ({"operation": "discovery.schemas", "status": "200"}, 3.0)
    ]


@pytest.fixture
def console(monkeypatch: pytest.MonkeyPatch) -> Iterator[io.StringIO]:
    from connector.telemetry import console as console_module

    out = io.StringIO()
    original = console_module.ConsoleTree.__init__

    def into_buffer(self: console_module.ConsoleTree, _out: object = None) -> None:
        original(self, out)

    monkeypatch.setattr(console_module.ConsoleTree, "__init__", into_buffer)
    setup.reset()
    yield out
    setup.reset()


def test_telemetry_console_prints_what_one_request_did(console: io.StringIO) -> None:
    options = SimulatorOptions(token=TOKEN, concurrency_limit=0, error_rate=0.5, seed=0)
    with stack(options, TELEMETRY_CONSOLE="true") as running:
        user_id = seed_user(running)
        before = len(running.calls())
        with running.client() as scim:
            assert scim.get(f"/Users/{user_id}").status_code == 200
        seen = statuses(running, before)
    assert setup.mode() == "console"
    lines = console.getvalue().splitlines()
    assert lines[0].startswith("users.get 200 in ")
    assert f"({len(seen)} target calls, {len(seen) - 1} retr" in lines[0]
    calls = lines[1:]
    assert [line.split(" in ")[0].strip() for line in calls] == [
        f"GET /api/v1/users/{{}} {status}" for status in seen
    ]
    assert calls[0].endswith(" ms")
    assert all(line.endswith("(retry)") for line in calls[1:])
