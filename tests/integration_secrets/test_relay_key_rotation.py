"""The relay Send key rotated in the vault: the relay's 401 makes the connector re-read it.

A minimal "relay" on loopback checks each request's SAS token against the key it currently
accepts and forwards good ones to oktasim (answering with ``Via``, as the real relay does).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest
from endpoint.harness import Stack, new_user, stack

from connector.transport.relay.sas import resource_uri, sas_token
from oktasim import SimulatorOptions

from .support import BEARER_NAME, OKTA_NAME, RELAY_NAME, KeyVaultStub, TlsFiles, vault_env

OKTA = "00okta-relay-rotation-JJJJJJJJ"
BEARER = "relay-rotation-bearer-KKKKKKKK"
KEY_1 = "relay-send-key-one-LLLLLLLLLLLLLLLL"
KEY_2 = "relay-send-key-two-MMMMMMMMMMMMMMMM"
NAMESPACE = "contoso-rotation.servicebus.windows.net"
HC = "okta"
RULE = "defaultSender"


class CheckingRelay:
    def __init__(self, key: str) -> None:
        self.key = key
        self.target = ""
        self.refused = 0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def _relay(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if not outer.accepts(self.headers.get("ServiceBusAuthorization", "")):
                    outer.refused += 1
                    self._send(401, {}, b'{"error":{"code":401,"message":"TrackingId:x"}}')
                    return
                path = self.path.removeprefix(f"/{HC}")
                headers = {
                    k: v
                    for k, v in self.headers.items()
                    if k.lower() not in {"host", "servicebusauthorization", "content-length"}
                }
                answer = httpx.request(
                    self.command, outer.target + path, headers=headers, content=body, timeout=10
                )
                self._send(answer.status_code, dict(answer.headers), answer.content)

            def _send(self, status: int, headers: dict[str, str], body: bytes) -> None:
                self.send_response(status)
                for name, value in headers.items():
                    if name.lower() not in {"content-length", "transfer-encoding", "connection"}:
                        self.send_header(name, value)
                if status != 401:
                    self.send_header("Via", f"1.1 {NAMESPACE}")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = do_DELETE = do_PUT = _relay

            def log_message(self, format: str, *args: Any) -> None:
                return None

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)

    def accepts(self, token: str) -> bool:
        fields = parse_qs(token.removeprefix("SharedAccessSignature "))
        expiry = int(fields.get("se", ["0"])[0])
        return token == sas_token(resource_uri(NAMESPACE, HC), RULE, self.key, expiry)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> CheckingRelay:
        threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def relayed(vault: KeyVaultStub, tls: TlsFiles) -> Iterator[tuple[Stack, CheckingRelay]]:
    vault.set(OKTA_NAME, OKTA)
    vault.set(BEARER_NAME, BEARER)
    vault.set(RELAY_NAME, KEY_1)
    with CheckingRelay(KEY_1) as relay:
        env = vault_env(
            vault,
            tls,
            RELAY_NAMESPACE=NAMESPACE,
            RELAY_HYBRID_CONNECTION=HC,
            RELAY_ENDPOINT_URL=relay.url,
            # Only the relay's 401 can make the connector re-read the key within this test.
            SECRETS_CACHE_TTL_SECONDS="3600",
        )
        with stack(SimulatorOptions(token=OKTA, concurrency_limit=0), **env) as running:
            relay.target = running.okta_url
            yield running, relay


def test_rotated_send_key_is_picked_up_without_a_restart(
    relayed: tuple[Stack, CheckingRelay], vault: KeyVaultStub
) -> None:
    running, relay = relayed
    with running.client(token=BEARER) as scim:
        first = scim.post("/Users", json=new_user("relayed@example.com"))
        assert first.status_code == 201, first.text
        assert relay.refused == 0
        # The admin regenerates the Send key and stores the new one in the vault.
        relay.key = KEY_2
        vault.set(RELAY_NAME, KEY_2)
        # The token signed with the old key is still cached: the first call after this is
        # refused by the relay, the key re-read, and the request retried within its budget.
        listed = scim.get("/Users", params={"filter": 'userName eq "relayed@example.com"'})
        assert listed.status_code == 200, listed.text
        assert listed.json()["totalResults"] == 1
        assert relay.refused == 1
        assert vault.reads[RELAY_NAME] == 2
