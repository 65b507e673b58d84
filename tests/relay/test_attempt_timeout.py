"""How long one attempt at the application may take: through the relay, what the request's
budget has left, up to the agent's limit (an on-premises application answering in 15 s is
waited for, not given up on at 10 s and, for a write, checked after); directly, the target's
own per-attempt timeout, as before. Read from the timeout each attempt hands its transport;
the budget is counted on a clock that stands still, so what it leaves is known exactly."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any

import httpx
import pytest
from clocks import Clock
from rest_units.helpers import oauth2_auth, write_description

from connector.secrets import EnvSecretStore
from connector.settings import Settings
from connector.targets.context import TargetContext
from connector.targets.factory import okta_target
from connector.targets.rest import build
from connector.targets.rest.loading import load_description
from connector.transport.budget import request_budget
from connector.transport.relay import ATTEMPT_LIMIT_SECONDS, RelaySenderTransport
from relay_agent.config import MAX_TIMEOUT_SECONDS, load

from .conftest import SEND_KEY

RELAY = {
    "RELAY_NAMESPACE": "contoso.servicebus.windows.net",
    "RELAY_HYBRID_CONNECTION": "onprem-rest",
}
SAMPLE = "samples/legacyapp/description.yaml"
SECRETS = {
    "LEDGERLINE_API_KEY": "k",
    "LEDGERLINE_CLIENT_SECRET": "c",
    "OKTA_API_TOKEN": "t",
    "RELAY_SEND_KEY": SEND_KEY,
}


class Timeouts(httpx.AsyncBaseTransport):
    """The application behind the relay (or reached directly): answers 404 at once, and keeps
    the read timeout each request was sent with."""

    def __init__(self) -> None:
        self.read: list[float] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        timeout: Mapping[str, Any] = request.extensions["timeout"]
        self.read.append(float(timeout["read"]))
        return httpx.Response(404, headers={"Via": "1.1 contoso"}, json={"error": "none"})


async def _send_key() -> str:
    return SEND_KEY


def _context(env: dict[str, str], app: Timeouts) -> TargetContext:
    settings = Settings.from_env(env)
    transport: httpx.AsyncBaseTransport = app
    if settings.relay is not None:
        transport = RelaySenderTransport(settings.relay, _send_key, inner=app)
    return TargetContext(settings, EnvSecretStore(SECRETS), transport)


async def _rest_read(env: dict[str, str], budget: float | None) -> float:
    """The read timeout of one REST read (`users.get`), with this budget (None: outside any
    SCIM request)."""
    app = Timeouts()
    env = {"TARGET": "rest", "TARGET_DESCRIPTION": SAMPLE, **env}
    context = _context(env, app)
    assert context.settings.target_description is not None
    description, marks = load_description(context.settings.target_description)
    users = build(description, context, context.settings.target_description, marks).users
    with _budget(budget):
        assert await users.get("1001") is None
    [read] = app.read
    return read


@contextmanager
def _budget(seconds: float | None) -> Iterator[None]:
    with request_budget(seconds, clock=Clock()) if seconds is not None else nullcontext():
        yield


async def test_through_the_relay_an_attempt_may_take_what_the_budget_leaves() -> None:
    # The sample description says `timeoutSeconds: 10`: a direct call's attempt timeout.
    assert await _rest_read(RELAY, 20.0) == 20.0


@pytest.mark.parametrize("budget", [100.0, None])
async def test_through_the_relay_an_attempt_waits_no_longer_than_the_agent(
    budget: float | None,
) -> None:
    assert await _rest_read(RELAY, budget) == ATTEMPT_LIMIT_SECONDS


async def test_directly_an_attempt_keeps_the_descriptions_timeout() -> None:
    assert await _rest_read({}, 20.0) == 10.0
    assert await _rest_read({}, 3.0) == 3.0  # and never more than the budget leaves


async def test_okta_through_the_relay_is_given_the_budget_too() -> None:
    app = Timeouts()
    env = {**RELAY, "OKTA_ORG_URL": "http://legacy-app.invalid"}
    users = okta_target(_context(env, app)).users
    with request_budget(20.0, clock=Clock()):
        assert await users.get("00u1") is None
    assert app.read == [20.0]
    direct = Timeouts()
    users = okta_target(_context({"OKTA_ORG_URL": "http://127.0.0.1:9"}, direct)).users
    with request_budget(20.0, clock=Clock()):
        assert await users.get("00u1") is None
    assert direct.read == [10.0]


def test_the_limit_is_the_longest_the_agent_can_be_told_to_wait() -> None:
    # The agent answers 503 once its --timeout (at most this) passes; the relay 504 at 60 s.
    assert ATTEMPT_LIMIT_SECONDS == MAX_TIMEOUT_SECONDS
    args = ["--namespace", "ns.example", "--hybrid-connection", "hc"]
    config, _ = load([*args, "--local-base-url", "http://127.0.0.1:1"], {"RELAY_LISTEN_KEY": "k"})
    assert config.timeout_seconds < ATTEMPT_LIMIT_SECONDS  # the agent's default, 50 s
    assert ATTEMPT_LIMIT_SECONDS < 60


async def _token_read(tmp_path: Path, env: dict[str, str], budget: float) -> float:
    """The read timeout of the OAuth2 token request one REST read makes first."""
    description = write_description(tmp_path, oauth2_auth())
    seen: list[float] = []

    class App(Timeouts):
        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            if request.url.path.endswith("/oauth/token"):
                seen.append(float(request.extensions["timeout"]["read"]))
                return httpx.Response(200, headers={"Via": "1.1 c"}, json={"access_token": "t"})
            return await super().handle_async_request(request)

    context = _context({"TARGET": "rest", "TARGET_DESCRIPTION": str(description), **env}, App())
    loaded, marks = load_description(description)
    users = build(loaded, context, description, marks).users
    with request_budget(budget, clock=Clock()):
        assert await users.get("1001") is None
    [read] = seen
    return read


async def test_a_token_request_through_the_relay_is_given_the_budget_too(tmp_path: Path) -> None:
    # OAuth2's token URL is a path on the base URL: it goes through the relay, like the API,
    # and is waited for as long as an API call there (not the description's 10 s).
    assert await _token_read(tmp_path, RELAY, 20.0) == 20.0
    assert await _token_read(tmp_path, {}, 20.0) == 10.0
