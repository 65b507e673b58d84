"""A loopback HTTPS test double of the Key Vault secrets REST API.

It answers the SDK's first, token-less request with the 401 challenge real vaults send, then
serves secrets; tests rotate values, count reads, disable secrets, make the vault refuse a read
as it does for an identity without access or when it throttles, and take it down (connections
refused).
"""

from __future__ import annotations

import datetime
import ipaddress
import json
import ssl
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"


@dataclass(frozen=True)
class TlsFiles:
    cert: Path
    key: Path


def self_signed_cert(directory: Path) -> TlsFiles:
    """A certificate for localhost and 127.0.0.1, which clients trust by naming it as CA file."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    files = TlsFiles(directory / "vault-cert.pem", directory / "vault-key.pem")
    files.cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    files.key.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return files


class KeyVaultStub:
    def __init__(self, tls: TlsFiles, secrets: dict[str, str] | None = None) -> None:
        self.tls = tls
        self.secrets: dict[str, str] = dict(secrets or {})
        self.reads: dict[str, int] = {}
        self.tokens_seen: list[str] = []
        self.disabled: set[str] = set()
        self.refusals: dict[str, tuple[int, dict[str, Any]]] = {}
        self._versions: dict[str, int] = {}
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._port = 0

    @property
    def url(self) -> str:
        return f"https://localhost:{self._port}"

    def set(self, name: str, value: str) -> None:
        """Create or rotate a secret (a new version, enabled as ``az keyvault secret set`` makes
        it unless told ``--disabled``)."""
        with self._lock:
            self.secrets[name] = value
            self._versions[name] = self._versions.get(name, 0) + 1
            self.disabled.discard(name)

    def disable(self, name: str) -> None:
        """Disable a secret's current version (``az keyvault secret set-attributes --enabled
        false``)."""
        with self._lock:
            self.disabled.add(name)

    def refuse(self, name: str, status: int, code: str, inner_code: str | None = None) -> None:
        """Answer reads of ``name`` with this error until :meth:`allow`: 403 ``Forbidden`` with
        inner code ``ForbiddenByRbac`` (an identity whose role does not cover the secret), 429
        ``Throttled``, 500 ``InternalServerError``..."""
        error: dict[str, Any] = {"code": code, "message": f"read of {name} refused ({code})"}
        if inner_code is not None:
            error["innererror"] = {"code": inner_code}
        with self._lock:
            self.refusals[name] = (status, {"error": error})

    def allow(self, name: str) -> None:
        with self._lock:
            self.refusals.pop(name, None)

    def delete(self, name: str) -> None:
        with self._lock:
            self.secrets.pop(name, None)

    def start(self) -> KeyVaultStub:
        # Same port on restart, so a client configured with the URL reaches the vault again.
        server = ThreadingHTTPServer(("127.0.0.1", self._port), _handler(self))
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.tls.cert, self.tls.key)
        server.socket = context.wrap_socket(server.socket, server_side=True)
        self._port = server.server_address[1]
        self._server = server
        threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def stop(self) -> None:
        """Take the vault down: connections are refused until :meth:`start`."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> KeyVaultStub:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def answer(self, path: str, authorization: str | None) -> tuple[int, dict[str, str], Any]:
        if not authorization:
            challenge = (
                f'Bearer authorization="https://login.microsoftonline.com/{TENANT}", '
                'resource="https://vault.azure.net"'
            )
            return 401, {"WWW-Authenticate": challenge}, {"error": {"code": "Unauthorized"}}
        self.tokens_seen.append(authorization)
        parts = [p for p in urlsplit(path).path.split("/") if p]
        if len(parts) not in (2, 3) or parts[0] != "secrets":
            return 400, {}, {"error": {"code": "BadParameter"}}
        name = parts[1]
        with self._lock:
            self.reads[name] = self.reads.get(name, 0) + 1
            value = self.secrets.get(name)
            version = f"v{self._versions.get(name, 1)}"
            disabled = name in self.disabled
            refusal = self.refusals.get(name)
        if refusal is not None:
            return refusal[0], {}, refusal[1]
        if disabled:
            # What a vault answers for a disabled secret, whether or not it holds a value.
            error = {
                "code": "Forbidden",
                "message": "Operation get is not allowed on a disabled secret.",
                "innererror": {"code": "SecretDisabled"},
            }
            return 403, {}, {"error": error}
        if value is None:
            return 404, {}, {"error": {"code": "SecretNotFound", "message": f"{name} not found"}}
        body = {
            "value": value,
            "id": f"{self.url}/secrets/{name}/{version}",
            "attributes": {"enabled": True, "created": 1700000000, "updated": 1700000000},
        }
        return 200, {}, body


def _handler(stub: KeyVaultStub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            status, headers, body = stub.answer(self.path, self.headers.get("Authorization"))
            payload = json.dumps(body).encode()
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:
            return None

    return Handler
