"""Shared pieces of the end-to-end secrets tests: stub imports, secret names, settings.

The stubs live beside the unit tests that own them (``tests/secrets``, ``tests/auth``); those
directories are not packages (a ``secrets`` package would shadow the standard library), so their
modules are imported from the path, as ``tests/doctor`` does.
"""

from __future__ import annotations

import socket
import sys
import time
from collections.abc import Callable
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
for _stubs in (TESTS / "secrets", TESTS / "auth"):
    if str(_stubs) not in sys.path:
        sys.path.insert(0, str(_stubs))

import jwks_stub  # noqa: E402
from kv_stub import KeyVaultStub, TlsFiles, self_signed_cert  # noqa: E402

__all__ = ["KeyVaultStub", "TlsFiles", "jwks_stub", "self_signed_cert"]

OKTA_NAME = "okta-api-token"
BEARER_NAME = "scim-bearer-token"
PREVIOUS_NAME = "scim-bearer-token-previous"
RELAY_NAME = "relay-send-key"

# What the harness would otherwise put in the environment; vault mode must never read these.
ENV_OKTA = "env-okta-token-must-not-be-used"
ENV_BEARER = "env-bearer-token-must-not-be-used"


def vault_env(vault: KeyVaultStub, tls: TlsFiles, **extra: str) -> dict[str, str]:
    """Settings that point the connector at the stub as a local emulator."""
    return {
        "KEY_VAULT_URL": vault.url,
        "KEY_VAULT_EMULATOR": "true",
        "SSL_CERT_FILE": str(tls.cert),
        "OKTA_API_TOKEN": ENV_OKTA,
        "SCIM_BEARER_TOKEN": ENV_BEARER,
        **extra,
    }


def closed_port() -> int:
    """A loopback port nothing listens on (connections are refused)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def eventually(check: Callable[[], bool], timeout: float = 10.0, interval: float = 0.1) -> bool:
    """Poll ``check`` until it holds or ``timeout`` seconds pass; the last outcome."""
    deadline = time.monotonic() + timeout
    while True:
        if check():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(interval)
