"""Signing keys and tokens shaped like Entra's, a loopback JWKS endpoint that serves them, and
the fake clock the key cache is tested with."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

TENANT = "4f1c2d3e-5a6b-4c7d-8e9f-0a1b2c3d4e5f"
AUDIENCE = "8adf8e6e-67b2-4cf2-a259-e3dc5476c621"
APP_ID = "00000014-0000-0000-c000-000000000000"


class SigningKey:
    def __init__(self, kid: str) -> None:
        self.kid = kid
        self.private = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    def jwk(self) -> dict[str, Any]:
        entry: dict[str, Any] = json.loads(RSAAlgorithm.to_jwk(self.private.public_key()))
        # As Entra publishes them: no "alg", a kid and the signing use.
        entry.update({"kid": self.kid, "use": "sig"})
        return entry

    def token(self, headers: dict[str, Any] | None = None, **overrides: Any) -> str:
        return jwt.encode(
            claims(**overrides),
            self.private,
            algorithm="RS256",
            headers={"kid": self.kid, "x5t": self.kid, **(headers or {})},
        )


def claims(**overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    values: dict[str, Any] = {
        "aud": AUDIENCE,
        "iss": f"https://sts.windows.net/{TENANT}/",
        "iat": now - 60,
        "nbf": now - 60,
        "exp": now + 3600,
        "appid": APP_ID,
        "tid": TENANT,
        "oid": "b6f3c1d2-0000-4000-8000-000000000001",
    }
    values.update(overrides)
    return {k: v for k, v in values.items() if v is not None}


class JwksServer:
    """Plain HTTP on 127.0.0.1: the authenticator accepts http only for loopback."""

    def __init__(self, *keys: SigningKey) -> None:
        self.keys = list(keys)
        self.hits = 0
        self.down = False
        # held: each answer waits for `release`. hanging: the answer starts, then dribbles a byte
        # now and then (a per-read timeout never fires) until `release`.
        self.held = False
        self.hanging = False
        self.release = threading.Event()
        self.reached = threading.Event()  # set by the first request that arrives
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                outer.hits += 1
                outer.reached.set()
                if outer.held:
                    outer.release.wait(30)
                if outer.hanging:
                    self._dribble()
                    return
                if outer.down:
                    self.send_error(503)
                    return
                body = json.dumps({"keys": [k.jwk() for k in outer.keys]}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _dribble(self) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", "100000")
                self.end_headers()
                while not outer.release.wait(0.2):
                    try:
                        self.wfile.write(b" ")
                        self.wfile.flush()
                    except OSError:
                        return

            def log_message(self, format: str, *args: Any) -> None:
                return None

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/discovery/keys"

    def __enter__(self) -> JwksServer:
        threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release.set()  # held and hanging answers end, so the server can close
        self._server.shutdown()
        self._server.server_close()
