"""Issue 3, item 7, end to end: known secrets, every reachable error path, nothing leaks.

The connector is served over HTTP against oktasim and the HTTPS vault stub. Every log record of
every logger is captured at DEBUG by a handler that runs first and ignores filters, so this sees
what the code itself says, before any redaction; pytest's ``caplog``, anything written to the
process's stdout/stderr (thread tracebacks included) and every response's status line, headers
and body are checked too.
"""

from __future__ import annotations

import json
import logging
import os
import re
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from endpoint.harness import CORE, Stack, new_user, patch, stack

from connector.cli import doctor
from oktasim import SimulatorOptions

from .support import (
    BEARER_NAME,
    OKTA_NAME,
    PREVIOUS_NAME,
    RELAY_NAME,
    KeyVaultStub,
    TlsFiles,
    closed_port,
    vault_env,
)

OKTA = "00okta-leak-e2e-token-AAAAAAAAAA"
ROTATED = "00okta-leak-e2e-rotated-BBBBBBBB"
BEARER = "bearer-leak-e2e-current-CCCCCCCC"
PREVIOUS = "bearer-leak-e2e-previous-DDDDDDD"
RELAY_KEY = "relay-leak-e2e-send-key-EEEEEEEEEEEEEEEE"
PRESENTED = "presented-wrong-bearer-FFFFFFFF"
SHORT_BEARER = "short-tok-1"
KNOWN = (OKTA, ROTATED, BEARER, PREVIOUS, RELAY_KEY, PRESENTED, SHORT_BEARER)

# Credential shapes with a value after them (a masked value is "***").
_SHAPES = re.compile(
    r"SSWS\s+[A-Za-z0-9_-]{6,}"
    r"|Bearer\s+(?!authorization=|realm=)[A-Za-z0-9._~+/-]{12,}"  # not a challenge's parameters
    r"|SharedAccessSignature\s+sr="
    r"|[?&]sig=[A-Za-z0-9%]{8,}"
)
_LOGGERS = ("", "connector", "azure", "httpx", "httpcore", "asyncio", "urllib3", "aiohttp")


class _RawHandler(logging.Handler):
    """Formats every record as it arrives; filters added later (``redact.install``) are ignored."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
        self.lines: list[str] = []

    def filter(self, record: logging.LogRecord) -> bool:
        return True

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


class Evidence:
    """Everything the connector said during a test."""

    def __init__(self, raw: _RawHandler) -> None:
        self.raw = raw
        self.responses: list[str] = []
        self.extra: list[str] = []
        self.forbidden: list[str] = list(KNOWN)

    def response(self, response: httpx.Response) -> httpx.Response:
        headers = "\n".join(f"{k}: {v}" for k, v in response.headers.items())
        self.responses.append(f"{response.status_code}\n{headers}\n\n{response.text}")
        return response

    def check(self, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]) -> None:
        out, err = capfd.readouterr()
        sources = {
            "raw log": "\n".join(self.raw.lines),
            "caplog": caplog.text
            + "\n".join(str(r.exc_text or "") + str(r.stack_info or "") for r in caplog.records),
            "stdout/stderr": out + err,
            "responses": "\n\n".join(self.responses),
            "other output": "\n".join(self.extra),
        }
        assert self.raw.lines, "nothing was logged: the capture is not working"
        for where, text in sources.items():
            # Booleans, not the texts: a failure must not print the secret it found.
            leaked = [n for n, secret in enumerate(self.forbidden) if secret in text]
            if leaked and os.environ.get("LEAK_DEBUG"):
                # Where it leaked, with every secret masked: LEAK_DEBUG=1 pytest -s ...
                for line in text.splitlines():
                    shown = line
                    for n, secret in enumerate(self.forbidden):
                        shown = shown.replace(secret, f"<SECRET#{n}>")
                    if shown != line:
                        print("LEAK", where, shown)
            assert not leaked, f"secret #{leaked} of {len(self.forbidden)} appears in the {where}"
            shape = _SHAPES.search(text)
            near = text[max(0, shape.start() - 60) : shape.start()] if shape else ""
            assert shape is None, f"a credential appears in the {where}, after: {near!r}"


@pytest.fixture
def evidence(caplog: pytest.LogCaptureFixture) -> Iterator[Evidence]:
    raw = _RawHandler()
    root = logging.getLogger()
    root.handlers.insert(0, raw)  # first: sees each record before any handler's filter edits it
    saved = {name: logging.getLogger(name).level for name in _LOGGERS}
    for name in _LOGGERS:
        logging.getLogger(name).setLevel(logging.DEBUG)
    caplog.set_level(logging.DEBUG)
    try:
        yield Evidence(raw)
    finally:
        root.removeHandler(raw)
        for name, level in saved.items():
            logging.getLogger(name).setLevel(level)


def _all_secrets(vault: KeyVaultStub) -> None:
    vault.set(OKTA_NAME, OKTA)
    vault.set(BEARER_NAME, BEARER)
    vault.set(PREVIOUS_NAME, PREVIOUS)
    vault.set(RELAY_NAME, RELAY_KEY)


def _client(running: Stack, headers: dict[str, str] | None = None) -> httpx.Client:
    client = running.client(token=BEARER)
    if headers is not None:
        client.headers.pop("Authorization", None)
        client.headers.update(headers)
    return client


def test_request_error_paths_leak_nothing(
    vault: KeyVaultStub,
    tls: TlsFiles,
    evidence: Evidence,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    _all_secrets(vault)
    env = vault_env(vault, tls, SECRETS_CACHE_TTL_SECONDS="0.5", SECRETS_MAX_STALE_SECONDS="1")
    ok = evidence.response
    with stack(SimulatorOptions(token=OKTA, concurrency_limit=0), **env) as running:
        with _client(running) as scim:
            created = ok(scim.post("/Users", json=new_user("leak@example.com")))
            assert created.status_code == 201
            user_id = created.json()["id"]
            # Okta's own errors: duplicate login, malformed and unknown input.
            assert ok(scim.post("/Users", json=new_user("leak@example.com"))).status_code == 409
            bad_json = scim.post(
                "/Users", content=b'{"userName": ', headers={"Content-Type": "application/json"}
            )
            assert ok(bad_json).status_code == 400
            assert ok(scim.post("/Users", json={"schemas": [CORE]})).status_code == 400
            assert ok(scim.get("/Users/00unoSuchUser0000000")).status_code == 404
            replace = patch({"op": "replace", "path": "displayName", "value": "x"})
            assert ok(scim.patch("/Users/00unoSuchUser0000000", json=replace)).status_code == 404
            assert ok(scim.delete("/Users/00unoSuchUser0000000")).status_code == 404
            assert ok(scim.patch(f"/Users/{user_id}", content=b"[")).status_code == 400
            listed = scim.get("/Users", params={"filter": 'userName co "x" or'})
            assert ok(listed).status_code == 400
        # The previous bearer is accepted; anything else is refused without being repeated.
        with _client(running, {"Authorization": f"Bearer {PREVIOUS}"}) as scim:
            assert ok(scim.get(f"/Users/{user_id}")).status_code == 200
        for headers in (
            {"Authorization": f"Bearer {PRESENTED}"},
            {"Authorization": f"bearer  {PRESENTED} trailing"},
            {"Authorization": f"Bearer {OKTA}"},
            {"Authorization": f"Basic {BEARER}"},
            {"Authorization": f"SSWS {OKTA}"},
            {"Authorization": PRESENTED},
            {"Authorization": "Bearer"},
            {},
        ):
            with _client(running, headers) as scim:
                assert ok(scim.get("/Users")).status_code == 401
        # Okta's token rotated without the vault being updated: 401, one re-read, 503.
        running.sim.set_token(ROTATED)
        with _client(running) as scim:
            refused = ok(scim.get(f"/Users/{user_id}"))
            assert refused.status_code == 503, refused.text
            assert ok(scim.post("/Users", json=new_user("no@example.com"))).status_code == 503
        running.sim.set_token(OKTA)
        # The vault goes away; past the stale window nothing is left to serve with.
        vault.stop()
        time.sleep(1.6)
        with _client(running) as scim:
            assert ok(scim.get("/Users")).status_code == 503
        with _client(running, {"Authorization": f"Bearer {PRESENTED}"}) as scim:
            assert ok(scim.get("/Users")).status_code == 503
    evidence.check(caplog, capfd)


FAULTS = {
    "5xx": SimulatorOptions(token=OKTA, concurrency_limit=0, error_rate=1.0, seed=1),
    "timeouts": SimulatorOptions(token=OKTA, concurrency_limit=0, timeout_rate=1.0, hang_s=3),
    "dropped": SimulatorOptions(token=OKTA, concurrency_limit=0, drop_rate=1.0, seed=1),
}


@pytest.mark.parametrize("fault", list(FAULTS))
def test_okta_faults_leak_nothing(
    fault: str,
    vault: KeyVaultStub,
    tls: TlsFiles,
    evidence: Evidence,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    _all_secrets(vault)
    env = vault_env(vault, tls, REQUEST_BUDGET_SECONDS="1.5")
    with stack(FAULTS[fault], **env) as running, _client(running) as scim:
        calls: tuple[Callable[[], httpx.Response], ...] = (
            lambda: scim.get("/Users", params={"filter": 'userName eq "a@example.com"'}),
            lambda: scim.get("/Users/00uSomeUser000000000"),
            lambda: scim.post("/Users", json=new_user("fault@example.com")),
            lambda: scim.patch(
                "/Users/00uSomeUser000000000",
                json=patch({"op": "replace", "path": "active", "value": False}),
            ),
            lambda: scim.delete("/Users/00uSomeUser000000000"),
        )
        # Each call is answered (the budget ends it; tests/resilience/test_client.py proves how).
        for call in calls:
            response = evidence.response(call())
            assert response.status_code >= 500 or response.status_code == 429, response.text
            assert "Traceback" not in response.text
            assert response.status_code != 500, response.text
    evidence.check(caplog, capfd)


class _HostileRelay:
    """A "relay" on loopback that refuses every request and echoes what it received."""

    def __init__(self, status: int) -> None:
        self.received: list[dict[str, str]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                headers = dict(self.headers.items())
                outer.received.append(headers)
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(length)
                body = json.dumps(
                    {"error": {"code": status, "message": f"TrackingId:abc-1 echo {headers}"}}
                ).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = do_DELETE = do_PUT = _answer

            def log_message(self, format: str, *args: Any) -> None:
                return None

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> _HostileRelay:
        threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.mark.parametrize("status", [401, 502, 0])
def test_relay_errors_leak_nothing(
    status: int,
    vault: KeyVaultStub,
    tls: TlsFiles,
    evidence: Evidence,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    _all_secrets(vault)
    with _HostileRelay(status or 502) as relay:
        endpoint = relay.url if status else f"http://127.0.0.1:{closed_port()}"
        env = vault_env(
            vault,
            tls,
            RELAY_NAMESPACE="contoso-leak.servicebus.windows.net",
            RELAY_HYBRID_CONNECTION="okta",
            RELAY_ENDPOINT_URL=endpoint,
            REQUEST_BUDGET_SECONDS="1.5",
        )
        with stack(SimulatorOptions(token=OKTA), **env) as running, _client(running) as scim:
            for response in (
                scim.get("/Users", params={"count": "1"}),
                scim.post("/Users", json=new_user("relay@example.com")),
            ):
                evidence.response(response)
                assert response.status_code in (502, 503, 504), response.text
    if status:
        assert relay.received, "the connector never reached the relay"
    # The SAS tokens the connector signed are credentials too.
    for headers in relay.received:
        token = headers.get("ServiceBusAuthorization", "")
        assert token.startswith("SharedAccessSignature ")
        evidence.forbidden.append(token.split(" ", 1)[1])
        evidence.forbidden.append(token.split("sig=", 1)[1].split("&", 1)[0])
    evidence.check(caplog, capfd)


def test_doctor_with_broken_settings_leaks_nothing(
    vault: KeyVaultStub,
    tls: TlsFiles,
    evidence: Evidence,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _all_secrets(vault)
    from oktasim import Simulator

    with Simulator(SimulatorOptions(token=ROTATED)).start() as okta:
        configs: list[dict[str, str]] = [
            # The Okta token is wrong (rotated in Okta, not in the vault).
            vault_env(vault, tls, OKTA_ORG_URL=okta.url),
            # Env mode: wrong Okta token, a too-short bearer, a previous one.
            {
                "OKTA_ORG_URL": okta.url,
                "OKTA_API_TOKEN": OKTA,
                "SCIM_BEARER_TOKEN": SHORT_BEARER,
                "SCIM_BEARER_TOKEN_PREVIOUS": PREVIOUS,
                "RELAY_SEND_KEY": RELAY_KEY,
            },
            # Okta unreachable, JWT settings incoherent.
            {
                "OKTA_ORG_URL": f"http://127.0.0.1:{closed_port()}",
                "OKTA_API_TOKEN": OKTA,
                "SCIM_BEARER_TOKEN": BEARER,
                "ENTRA_TENANT_ID": "not-a-guid",
            },
        ]
        for config in configs:
            for name in ("KEY_VAULT_URL", "ENTRA_TENANT_ID", "ENTRA_JWKS_URL", "RELAY_NAMESPACE"):
                monkeypatch.delenv(name, raising=False)
            for name, value in config.items():
                monkeypatch.setenv(name, value)
            assert doctor.main([]) == 1
        vault.stop()
        monkeypatch.setenv("OKTA_ORG_URL", okta.url)
        for name, value in vault_env(vault, tls).items():
            monkeypatch.setenv(name, value)
        assert doctor.main([]) == 1
    evidence.extra.append(capfd.readouterr().out)
    assert evidence.extra[0].count("FAIL") >= 4
    logging.getLogger("connector").debug("doctor finished")  # the capture saw the run
    evidence.check(caplog, capfd)
