"""The agent's pure parts: routing to the one local origin, configuration, backoff."""

from __future__ import annotations

import subprocess
import sys

import httpx
import pytest

from relay_agent.agent import backoff_seconds
from relay_agent.config import ConfigError, load
from relay_agent.routing import RejectedError, local_url, request_headers, response_headers

BASE = httpx.URL("http://127.0.0.1:8080/app")


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/hc/Users?x=1", "http://127.0.0.1:8080/app/Users?x=1"),
        ("/hc", "http://127.0.0.1:8080/app"),
        ("/hc?a=b+c&flag", "http://127.0.0.1:8080/app?a=b%20c&flag"),
        (
            "/hc/Users?filter=userName+eq+%22b%27j%22",
            "http://127.0.0.1:8080/app/Users?filter=userName%20eq%20%22b%27j%22",
        ),
        ("/hc/a%20b/%C3%A9", "http://127.0.0.1:8080/app/a%20b/%C3%A9"),
        # Escapes that are not UTF-8 (a Latin-1 legacy app) keep their bytes, in the query too.
        ("/hc/x%FF?a=%FF&n%E9=v+w", "http://127.0.0.1:8080/app/x%FF?a=%FF&n%E9=v%20w"),
        # A path that does not start with the hybrid connection is kept whole.
        ("/other/x", "http://127.0.0.1:8080/app/other/x"),
        ("/hc//evil.example/x", "http://127.0.0.1:8080/app//evil.example/x"),
        ("/hc/http://evil.example/", "http://127.0.0.1:8080/app/http://evil.example/"),
    ],
)
def test_local_url_stays_on_the_configured_origin(target: str, expected: str) -> None:
    url = local_url(BASE, "hc", target)
    assert str(url) == expected
    assert url.host == "127.0.0.1"
    assert url.port == 8080


@pytest.mark.parametrize("target", ["/hc//evil.example/x", "//evil.example/x", "/hc/%2F/x"])
def test_local_url_never_starts_with_an_authority(target: str) -> None:
    # With a base URL without a path, `//evil.example/x` would be sent as the request-target,
    # which many servers and frameworks read as a network-path reference to another host.
    with pytest.raises(RejectedError) as raised:
        local_url(httpx.URL("http://127.0.0.1:8080"), "hc", target)
    assert raised.value.status == 400


@pytest.mark.parametrize(
    "target",
    [
        "http://evil.example/x",
        "evil.example:443",
        "*",
        "/hc/../x",
        "/hc/a/%2E%2E/b",
        "/hc/a/..%2f..%2fb",
        "/hc/a\\..\\b",
        "/hc/a%5c..%5cb",
        "/hc/a b",
        "/hc/a#frag",
    ],
)
def test_local_url_refuses_escapes(target: str) -> None:
    with pytest.raises(RejectedError) as raised:
        local_url(BASE, "hc", target)
    assert raised.value.status == 400


def test_request_headers_drop_hop_by_hop_and_refuse_host_overrides() -> None:
    kept = request_headers(
        {
            "Connection": "keep-alive, X-Hop",
            "X-Hop": "1",
            "Keep-Alive": "5",
            "Host": "contoso.servicebus.windows.net",
            "Content-Length": "3",
            "Authorization": "SSWS t",
            "Via": "1.1 relay",
        }
    )
    assert kept == {"Authorization": "SSWS t", "Via": "1.1 relay"}
    with pytest.raises(RejectedError) as raised:
        request_headers({"x-forwarded-host": "evil.example"})
    assert raised.value.status == 403


def test_response_headers_are_single_strings_without_framing() -> None:
    headers = httpx.Headers(
        [("Set-Cookie", "a=1"), ("set-cookie", "b=2"), ("Transfer-Encoding", "chunked")]
    )
    assert response_headers(headers) == {"Set-Cookie": "a=1, b=2"}


def test_backoff_is_capped_and_jittered() -> None:
    assert 0.5 <= backoff_seconds(0) <= 1
    assert 4 <= backoff_seconds(3) <= 8
    assert 30 <= backoff_seconds(50) <= 60


ENV = {
    "RELAY_NAMESPACE": "contoso.servicebus.windows.net",
    "RELAY_HYBRID_CONNECTION": "onprem-rest",
    "RELAY_LISTEN_KEY": "k",
    "RELAY_AGENT_LOCAL_URL": "http://127.0.0.1:8080/api/",
}


def test_config_from_environment_with_defaults() -> None:
    config, level = load([], ENV)
    assert (
        config.listen_url
        == "wss://contoso.servicebus.windows.net/$hc/onprem-rest?sb-hc-action=listen"
    )
    assert config.rule_name == "defaultListener"
    assert config.local_base_url == "http://127.0.0.1:8080/api"
    assert config.timeout_seconds == 50
    assert config.health_port is None
    assert level == "INFO"
    # The key never shows in a repr (and so in no log line or traceback).
    assert "k'" not in repr(config)


def test_flags_override_the_environment() -> None:
    config, _ = load(
        ["--relay-url", "ws://127.0.0.1:1/", "--health-port", "9100", "--timeout", "5"], ENV
    )
    assert config.listen_url == "ws://127.0.0.1:1/$hc/onprem-rest?sb-hc-action=listen"
    assert config.health_port == 9100
    assert config.timeout_seconds == 5


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"RELAY_LISTEN_KEY": ""}, "RELAY_LISTEN_KEY"),
        ({"RELAY_NAMESPACE": ""}, "--namespace"),
        ({"RELAY_NAMESPACE": "https://x"}, "host name"),
        ({"RELAY_AGENT_LOCAL_URL": "ftp://x"}, "--local-base-url"),
        ({"RELAY_AGENT_RELAY_URL": "http://x"}, "--relay-url"),
        ({"RELAY_AGENT_TIMEOUT_SECONDS": "soon"}, "number"),
        # The relay answers 504 itself after 60 s: a longer local deadline could never be ours.
        ({"RELAY_AGENT_TIMEOUT_SECONDS": "75"}, "--timeout"),
        ({"RELAY_AGENT_TIMEOUT_SECONDS": "0"}, "--timeout"),
    ],
)
def test_config_errors_are_clear(change: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load([], {**ENV, **change})


def test_there_is_no_key_flag() -> None:
    with pytest.raises(SystemExit):
        load(["--listen-key", "k"], ENV)


def test_module_entry_point() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "relay_agent", "--help"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert done.returncode == 0
    assert "RELAY_LISTEN_KEY" in done.stdout
