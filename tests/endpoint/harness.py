"""A running connector (served over local HTTP exactly as `python -m connector serve` does)
pointed at a running Okta simulator, for end-to-end tests."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from connector.cli.local_host import RunningServer, start
from connector.http import runtime as runtime_module
from connector.http.runtime import reset_runtime
from connector.logs import configure_logging
from connector.settings import SETTINGS
from oktasim import Simulator, SimulatorOptions

ROOT = Path(__file__).resolve().parents[2]
OKTA_TOKEN = "okta-token-for-tests"
BEARER = "scim-bearer-token-for-tests"
CORE = "urn:ietf:params:scim:schemas:core:2.0:User"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
ECMA = "urn:ietf:params:scim:schemas:extension:ECMA2Host:2.0:User"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
FLAG = "aadOptscim062020"
LIST = "urn:ietf:params:scim:api:messages:2.0:ListResponse"


@dataclass
class Stack:
    sim: Simulator
    okta_url: str
    server: RunningServer

    @property
    def tenant_url(self) -> str:
        return f"{self.server.url}/api/scim/v2"

    def client(self, flag: bool = False, token: str = BEARER) -> httpx.Client:
        return httpx.Client(
            base_url=self.tenant_url,
            headers={"Authorization": f"Bearer {token}"},
            params={FLAG: ""} if flag else None,
            timeout=60,
        )

    def okta_users(self) -> list[dict[str, Any]]:
        return self.sim.users()

    def okta_user(self, login: str) -> dict[str, Any]:
        matches = [u for u in self.sim.users() if u["profile"]["login"].lower() == login.lower()]
        assert len(matches) == 1, f"expected exactly one Okta user {login}, found {len(matches)}"
        return matches[0]

    def calls(self) -> list[tuple[str, str, int]]:
        return list(self.sim.request_log)

    def writes(self) -> list[tuple[str, str, int]]:
        return [c for c in self.sim.request_log if c[0] != "GET"]


_app_server: RunningServer | None = None


def _server() -> RunningServer:
    # FunctionApp.get_functions() may run once per app object: one server per test session.
    global _app_server
    if _app_server is None:
        sys.path.insert(0, str(ROOT))
        import function_app

        _app_server = start(function_app.app, ROOT / "host.json", "127.0.0.1", 0)
    return _app_server


@contextmanager
def connector(env: dict[str, str]) -> Iterator[RunningServer]:
    """The served connector with these settings (and the test bearer token), for this block only.

    The served app reads its settings from the environment, so the block sets exactly these
    (every other connector setting unset) and puts each variable back as it was afterwards, one
    by one (never by clearing the environment, which other threads read meanwhile). The
    connector's log level follows the block's LOG_LEVEL and is put back too: function_app sets
    it once, at its import, from whichever test happens to import it first.
    """
    logger = logging.getLogger("connector")
    level = logger.level
    with pytest.MonkeyPatch.context() as patched:
        for name, value in {"SCIM_BEARER_TOKEN": BEARER, **env}.items():
            patched.setenv(name, value)
        for setting in SETTINGS:
            if setting.name not in env and setting.name != "SCIM_BEARER_TOKEN":
                patched.delenv(setting.name, raising=False)
        reset_runtime()
        server = _server()
        try:
            configure_logging()
            yield server
        finally:
            _close_runtime(server)
            reset_runtime()
            logger.setLevel(level)


def _close_runtime(server: RunningServer) -> None:
    """Close what the block's requests opened (a vault client's aiohttp session, the target's
    HTTP clients) on the loop that opened it: left to the garbage collector, aiohttp logs
    "Unclosed client session" into whichever test runs then."""
    built = runtime_module._runtime
    if built is None:
        return

    async def close() -> None:
        await built.store.aclose()
        await built.targets.aclose()

    with contextlib.suppress(Exception):
        asyncio.run_coroutine_threadsafe(close(), server.host.loop).result(timeout=10)


def okta_options(**changes: Any) -> SimulatorOptions:
    """An org ready for the connector: the externalId attributes declared in its user profile
    (the simulator's default) and its group profile, Okta's concurrency limit on.

    Okta's search index and activation lag are off unless a test turns them on: most tests read
    back what they just wrote through a search, which a lagging org answers only a second later
    (tests of the lag itself, and of Entra against an org as Okta ships it, pass their own)."""
    values: dict[str, Any] = {
        "token": OKTA_TOKEN,
        "group_custom_attributes": ("scimExternalId",),
        "search_lag_ms": 0.0,
        "activation_ms": 0.0,
    }
    return SimulatorOptions(**{**values, **changes})


@contextmanager
def stack(options: SimulatorOptions | None = None, **env: str) -> Iterator[Stack]:
    sim = Simulator(options or okta_options())
    running = sim.start(host="127.0.0.1", port=0)
    try:
        with connector(
            {"OKTA_ORG_URL": running.url, "OKTA_API_TOKEN": OKTA_TOKEN, **env}
        ) as server:
            yield Stack(sim, running.url, server)
    finally:
        running.stop()


def new_user(user_name: str, **extra: Any) -> dict[str, Any]:
    """A create body shaped like Entra's (tutorial JSON)."""
    given, _, _ = user_name.partition("@")
    body: dict[str, Any] = {
        "schemas": [CORE, ENTERPRISE],
        "externalId": given,
        "userName": user_name,
        "active": True,
        "emails": [{"primary": True, "type": "work", "value": user_name}],
        "meta": {"resourceType": "User"},
        "name": {"formatted": f"{given} Tester", "familyName": "Tester", "givenName": given},
        "roles": [],
    }
    body.update(extra)
    return body


def patch(*operations: dict[str, Any]) -> dict[str, Any]:
    return {"schemas": [PATCH_OP], "Operations": list(operations)}


@contextmanager
def spawn(args: list[str], env: dict[str, str], pattern: str) -> Iterator[str]:
    """Start a process and yield group 1 of the first match of `pattern` in its output so far."""
    process = subprocess.Popen(  # noqa: S603 - our own modules, fixed arguments
        [sys.executable, *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: queue.Queue[str] = queue.Queue()
    assert process.stdout is not None
    stdout = process.stdout

    def pump() -> None:
        for line in stdout:
            lines.put(line)

    threading.Thread(target=pump, daemon=True).start()
    seen = ""
    try:
        while True:
            seen += lines.get(timeout=30)
            found = re.search(pattern, seen)
            if found:
                yield found.group(1)
                return
    finally:
        process.terminate()
        process.wait(timeout=10)
