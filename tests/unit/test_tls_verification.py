"""connector/targets/http.py: a plain http:// target gets no CA bundle, and nothing else changes."""

from __future__ import annotations

import ssl

import pytest

from connector.targets.http import _verification


def test_a_plain_http_target_trusts_nobody_rather_than_loading_a_bundle(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
    context = _verification("http://127.0.0.1:8080/api", True)
    assert isinstance(context, ssl.SSLContext)
    assert context.verify_mode == ssl.CERT_REQUIRED
    assert context.check_hostname
    assert context.get_ca_certs() == []


@pytest.mark.parametrize("verify", [True, False, "/etc/ssl/private-ca.pem"])
def test_https_targets_verify_as_configured(verify: bool | str) -> None:
    assert _verification("https://example.okta.com", verify) == verify


def test_behind_a_proxy_the_configured_verification_stays(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "https://proxy.example.com:8443")
    assert _verification("http://127.0.0.1:8080", True) is True
