"""connector/targets/http.py: which transport a target's calls take, and what TLS it trusts. A
plain http:// target loads no CA bundle; https verifies as configured (a private CA's bundle:
tests/transport/test_http11.py); behind a proxy httpx's own transport carries the calls."""

from __future__ import annotations

import ssl
import sys
import warnings
from pathlib import Path

import pytest

from connector.targets.http import ApiClient, Authorization, _direct_transport
from connector.transport.http11 import Http11Transport

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "secrets"))
from kv_stub import self_signed_cert

PROXIES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy")


@pytest.fixture
def no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in PROXIES:
        monkeypatch.delenv(name, raising=False)


def _context(transport: object) -> ssl.SSLContext | None:
    assert isinstance(transport, Http11Transport)
    return transport._ssl_context


@pytest.mark.usefixtures("no_proxy")
def test_a_plain_http_target_loads_no_ca_bundle() -> None:
    assert _context(_direct_transport("http://127.0.0.1:8080/api", True, 20)) is None


@pytest.mark.usefixtures("no_proxy")
def test_https_targets_verify_as_configured() -> None:
    strict = _context(_direct_transport("https://example.okta.com", True, 20))
    assert strict is not None
    assert (strict.verify_mode, strict.check_hostname) == (ssl.CERT_REQUIRED, True)
    assert strict.get_ca_certs()  # the default bundle
    lax = _context(_direct_transport("https://legacy.test", False, 20))
    assert lax is not None
    assert (lax.verify_mode, lax.check_hostname) == (ssl.CERT_NONE, False)


def test_behind_a_proxy_httpx_own_transport_is_used(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "https://proxy.example.com:8443")
    assert _direct_transport("https://example.okta.com", True, 20) is None
    assert _direct_transport("http://127.0.0.1:8080", True, 20) is None


async def test_behind_a_proxy_a_ca_bundle_is_given_to_httpx_as_a_context(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # httpx deprecates verify=<path>: the same trust goes to its transport as a context.
    files = self_signed_cert(tmp_path)
    monkeypatch.setenv("HTTPS_PROXY", "https://proxy.example.com:8443")
    client = ApiClient("https://example.okta.com", _Credentials(), name="T", verify=str(files.cert))
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        await client.prepare()
    assert client._state is not None
    assert client._state.transport is None
    await client.aclose()


class _Credentials:
    fix = "nothing to fix"

    async def authorization(self, refresh: bool) -> Authorization:
        return Authorization()
