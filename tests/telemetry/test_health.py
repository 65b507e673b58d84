"""`GET /api/health` through the local host: anonymous and free of target calls and secrets;
`?deep=true` only with the bearer token, and then one cheap target read."""

from __future__ import annotations

import json
from typing import Any

import httpx
from endpoint.harness import BEARER, OKTA_TOKEN, Stack, connector, stack

from oktasim import SimulatorOptions


def _health(running: Stack, token: str | None = None, **params: str) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.get(f"{running.server.url}/api/health", params=params, headers=headers)


def _body(response: httpx.Response) -> dict[str, Any]:
    assert response.headers["content-type"].startswith("application/json")
    body: dict[str, Any] = response.json()
    return body


def test_health_is_anonymous_and_calls_nothing(okta_stack: Stack) -> None:
    answer = _health(okta_stack)
    assert answer.status_code == 200
    assert _body(answer) == {
        "status": "ok",
        "target": "Okta",
        "auth": "secret-token",
        "telemetry": _body(answer)["telemetry"],
    }
    assert answer.headers["cache-control"] == "no-store"
    assert okta_stack.calls() == []


def test_health_needs_no_secret(okta_stack: Stack, monkeypatch: Any) -> None:
    # The Okta token is not read for the basic answer: its absence is found only by deep.
    monkeypatch.delenv("OKTA_API_TOKEN")
    assert _health(okta_stack).status_code == 200
    deep = _health(okta_stack, BEARER, deep="true")
    assert deep.status_code == 503
    checks = _body(deep)["checks"]
    assert checks["secrets"] == "failed: not set: OKTA_API_TOKEN"


def test_a_bad_configuration_is_a_503_with_every_problem() -> None:
    env = {"OKTA_ORG_URL": "ftp://okta.example", "REQUEST_BUDGET_SECONDS": "soon"}
    with connector(env) as server:
        answer = httpx.get(f"{server.url}/api/health")
    assert answer.status_code == 503
    body = _body(answer)
    assert body["status"] == "misconfigured"
    problems = " ".join(body["problems"])
    assert "OKTA_ORG_URL" in problems
    assert "REQUEST_BUDGET_SECONDS" in problems
    assert len(body["problems"]) == 2
    assert "doctor" in body["fix"]


def test_a_target_that_cannot_be_built_is_a_503() -> None:
    with connector({"TARGET": "rest", "TARGET_DESCRIPTION": "/nonexistent/description.yaml"}) as s:
        answer = httpx.get(f"{s.url}/api/health")
    assert answer.status_code == 503
    assert "description" in " ".join(_body(answer)["problems"]).lower()


def test_deep_is_refused_without_the_bearer_token(okta_stack: Stack) -> None:
    for token in (None, "not-the-token-0123456789"):
        answer = _health(okta_stack, token, deep="true")
        assert answer.status_code == 401
        assert _body(answer)["status"] == "unauthorized"
    assert okta_stack.calls() == []


def test_deep_reads_the_secrets_and_makes_one_cheap_target_call(okta_stack: Stack) -> None:
    answer = _health(okta_stack, BEARER, deep="true")
    assert answer.status_code == 200, answer.text
    body = _body(answer)
    assert body["status"] == "ok"
    assert body["checks"]["secrets"].startswith("ok: ")
    assert "OKTA_API_TOKEN" in body["checks"]["secrets"]
    assert body["checks"]["target"].startswith("ok: ")
    assert [(method, path.split("?")[0]) for method, path, _ in okta_stack.calls()] == [
        ("GET", "/api/v1/users")
    ]
    assert OKTA_TOKEN not in answer.text
    assert BEARER not in answer.text


def test_deep_says_what_failed_when_okta_refuses_the_token() -> None:
    with stack(
        SimulatorOptions(token="rotated-in-okta-0123456789", concurrency_limit=0)
    ) as running:
        answer = _health(running, BEARER, deep="true")
        calls = running.calls()
    assert answer.status_code == 503
    body = _body(answer)
    assert body["status"] == "failing"
    assert body["checks"]["target"].startswith("failed: ")
    assert "401" in body["checks"]["target"]
    # One attempt, plus the one re-read after a 401: a health check does not wait out Okta.
    assert [status for _, _, status in calls] == [401, 401]
    assert OKTA_TOKEN not in json.dumps(body)


def test_health_route_metadata() -> None:
    from connector.http.health import blueprint

    [builder] = blueprint._function_builders
    binding = json.loads(builder.build().get_function_json())["bindings"][0]
    assert binding["route"] == "health"
    assert binding["methods"] == ["GET"]
    assert binding["authLevel"] == "ANONYMOUS"
