"""Indexing the app (`import function_app`) loads no handler and none of their libraries; the
warmup loads them, builds the runtime and opens the target's client on the running loop, so a new
instance's first request finds them ready; a bad setting is logged once and answered by every
request, and never fails the warmup."""

from __future__ import annotations

import asyncio
import json
import logging
import subprocess
import sys
import textwrap
from pathlib import Path

import azure.functions as func
import pytest
from azure.functions.warmup import WarmUpContext

from connector.cli.local_host import start
from connector.http import lazy, routes, runtime
from connector.http.warmup import warm_up
from connector.targets.okta.users import OktaUsers
from connector.targets.protocol import Targets

ROOT = Path(__file__).resolve().parents[2]
HEAVY = (
    "scim2_models",
    "pydantic",
    "httpx",
    "httpcore",
    "anyio",
    "httptools",
    "yaml",
    "connector.settings",
)
HANDLERS = ("connector.http.handlers", "connector.http.group_handlers", "connector.http.endpoint")
ENV = {
    "PATH": "/usr/bin:/bin",
    "SCIM_BEARER_TOKEN": "bearer-for-the-probe-0123456789",
    "OKTA_ORG_URL": "http://127.0.0.1:9",  # never called: the warmup makes no target call
    "OKTA_API_TOKEN": "okta-token-for-the-probe",
}


def _loaded(script: str) -> dict[str, list[str]]:
    probe = textwrap.dedent(script) + textwrap.dedent(
        f"""
        import json, sys
        roots = {HEAVY + HANDLERS!r}
        print(json.dumps({{
            "loaded": sorted(r for r in roots if r in sys.modules),
            "connector": sorted(m for m in sys.modules if m.startswith("connector")),
        }}))
        """
    )
    result = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, env=ENV
    )
    assert result.returncode == 0, result.stderr
    found: dict[str, list[str]] = json.loads(result.stdout.strip().splitlines()[-1])
    return found


def test_indexing_the_app_loads_no_handler_and_no_heavy_library() -> None:
    found = _loaded("import function_app")
    assert found["loaded"] == []
    assert set(found["connector"]) <= {
        "connector",
        "connector.http",
        "connector.http.health",
        "connector.http.lazy",
        "connector.http.routes",
        "connector.http.warmup",
        "connector.logs",
        "connector.redact",
    }


def test_the_warmup_loads_the_handlers_and_builds_the_runtime() -> None:
    found = _loaded(
        """
        import asyncio
        import function_app
        from connector.http import runtime
        asyncio.run(function_app.warmup.warm_up())
        assert runtime._runtime is not None
        """
    )
    # yaml is a REST description's: the Okta target never reads one. httpcore (and anyio under
    # it) is httpx's own transport, used only where a proxy is set.
    assert found["loaded"] == sorted(set(HEAVY + HANDLERS) - {"yaml", "httpcore", "anyio"})


def test_every_route_names_a_handler_that_exists() -> None:
    refs = [v for v in vars(routes).values() if isinstance(v, lazy.HandlerRef)]
    assert {ref.module for ref in refs} == set(lazy.HANDLER_MODULES)
    for ref in refs:
        handler = ref.handler()
        assert handler.__name__ == ref.name
        assert ref.endpoint() is ref.endpoint()  # wrapped once


async def test_the_warmup_opens_the_targets_client_on_the_running_loop(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    built = runtime.build_runtime(ENV)
    monkeypatch.setattr(runtime, "_runtime", built)
    users = built.targets.users
    assert isinstance(users, OktaUsers)
    assert users.client.api._state is None
    try:
        await warm_up()
        state = users.client.api._state
        assert state is not None
        assert state.loop is asyncio.get_running_loop()
    finally:
        await built.targets.aclose()


async def test_a_target_without_prepare_opens_its_clients_on_first_use() -> None:
    class Plain:
        """A Python target's users with nothing to open ahead (no prepare method)."""

    class Prepared:
        def __init__(self) -> None:
            self.prepared = 0

        async def prepare(self) -> None:
            self.prepared += 1

    groups = Prepared()
    await Targets(Plain(), groups).prepare()  # type: ignore[arg-type]
    assert groups.prepared == 1


async def test_a_bad_setting_is_logged_once_and_the_warmup_goes_on(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("LOG_LEVEL", "LOUD")
    monkeypatch.setattr("connector.logs._reported", False)
    runtime.reset_runtime()
    caplog.set_level(logging.ERROR, logger="connector")
    try:
        await warm_up()
        await warm_up()
        with pytest.raises(runtime.ConfigurationError, match="LOG_LEVEL"):
            runtime.runtime()
    finally:
        runtime.reset_runtime()
    invalid = [r for r in caplog.records if "settings are invalid" in r.getMessage()]
    assert len(invalid) == 1
    assert "LOG_LEVEL" in invalid[0].getMessage()


def test_the_local_server_warms_the_app_up_before_it_opens_its_port() -> None:
    app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)
    warmed: list[str] = []

    @app.function_name("warmup")
    @app.warm_up_trigger("warmup")
    async def warmup(context: WarmUpContext) -> None:
        warmed.append("warmed")

    @app.function_name("ping")
    @app.route("ping")
    async def ping(req: func.HttpRequest) -> func.HttpResponse:
        return func.HttpResponse("pong")

    server = start(app, ROOT / "host.json", "127.0.0.1", 0)
    try:
        assert warmed == ["warmed"]
    finally:
        server.stop()
