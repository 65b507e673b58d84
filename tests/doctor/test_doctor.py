"""``doctor``: one line per check, a fix for each failure, no secret ever printed."""

from __future__ import annotations

import socket
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from connector.cli import main as connector_cli
from connector.cli.doctor import CheckResult, main, run_doctor
from oktasim import Simulator, SimulatorOptions

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "secrets"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "auth"))
from jwks_stub import JwksServer, SigningKey
from kv_stub import KeyVaultStub, TlsFiles, self_signed_cert

OKTA_TOKEN = "00okta-doctor-token-abcdef"
BEARER = "doctor-bearer-token-123456"
SECRETS = (OKTA_TOKEN, BEARER)
TENANT = "4f1c2d3e-5a6b-4c7d-8e9f-0a1b2c3d4e5f"


@pytest.fixture(scope="module")
def okta_url() -> Iterator[str]:
    simulator = Simulator(
        SimulatorOptions(token=OKTA_TOKEN, group_custom_attributes=("scimExternalId",))
    )
    with simulator.start() as running:
        yield running.url


@pytest.fixture
def good_env(okta_url: str) -> dict[str, str]:
    return {"OKTA_ORG_URL": okta_url, "OKTA_API_TOKEN": OKTA_TOKEN, "SCIM_BEARER_TOKEN": BEARER}


def _by_name(results: list[CheckResult]) -> dict[str, CheckResult]:
    return {r.name: r for r in results}


def _assert_no_secret(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_good_configuration_passes(good_env: dict[str, str]) -> None:
    results = await run_doctor(good_env)
    assert [r.name for r in results] == [
        "OKTA_API_TOKEN",
        "SCIM_BEARER_TOKEN",
        "okta",
        "okta-user-schema",
        "okta-group-schema",
        "entra-jwt",
        "schema",
    ]
    assert all(r.ok for r in results), [r.line() for r in results]


def test_main_prints_one_line_per_check_and_exits_zero(
    good_env: dict[str, str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name, value in good_env.items():
        monkeypatch.setenv(name, value)
    for name in ("KEY_VAULT_URL", "ENTRA_TENANT_ID", "ENTRA_JWKS_URL", "SCHEMA_XML_PATH"):
        monkeypatch.delenv(name, raising=False)
    assert main([]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert len(lines) == 7
    assert all(line.startswith("ok ") for line in lines)
    _assert_no_secret(out)


def test_main_exits_non_zero_on_failure(
    good_env: dict[str, str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name, value in good_env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("OKTA_API_TOKEN", "00wrong-token-for-okta-xyz")
    monkeypatch.delenv("KEY_VAULT_URL", raising=False)
    assert main([]) == 1
    out = capsys.readouterr().out
    assert "FAIL  okta" in out
    assert "00wrong-token-for-okta-xyz" not in out


def test_the_command_lines_help_for_doctor_lists_its_options(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # `python -m connector doctor --help`: the README sends users to `--fix`.
    with pytest.raises(SystemExit) as ended:
        connector_cli(["doctor", "--help"])
    assert ended.value.code == 0
    assert "--fix" in capsys.readouterr().out


BROKEN = {
    "okta token rejected": ({"OKTA_API_TOKEN": "00wrong-token-for-okta-xyz"}, "okta", "401"),
    "okta token missing": ({"OKTA_API_TOKEN": ""}, "OKTA_API_TOKEN", "not set"),
    "okta unreachable": (
        {"OKTA_ORG_URL": f"http://127.0.0.1:{_closed_port()}"},
        "okta",
        "unreachable",
    ),
    "okta not https": ({"OKTA_ORG_URL": "http://example.okta.com"}, "okta", "https"),
    # httpx refuses these: found at the first call instead, every request failed unexplained.
    "okta port not a number": (
        {"OKTA_ORG_URL": "https://example.okta.com:44x"},
        "okta",
        "OKTA_ORG_URL: is not a URL the connector can call (Invalid port: '44x')",
    ),
    # httpx takes these ports, and a call to one fails unexplained (an IndexError in asyncio's
    # connect) or, port 0, goes to the scheme's default port.
    "okta port out of range": (
        {"OKTA_ORG_URL": "https://example.okta.com:99999"},
        "okta",
        "OKTA_ORG_URL: is not a URL the connector can call (port 99999 is not 1-65535)",
    ),
    "okta port 0": (
        {"OKTA_ORG_URL": "https://example.okta.com:0"},
        "okta",
        "(port 0 is not 1-65535)",
    ),
    "okta address out of range": (
        {"OKTA_ORG_URL": "https://1.2.3.999"},
        "okta",
        "Invalid IPv4 address",
    ),
    "bearer short": ({"SCIM_BEARER_TOKEN": "short-tok"}, "SCIM_BEARER_TOKEN", "shorter"),
    "previous bearer short": (
        {"SCIM_BEARER_TOKEN_PREVIOUS": "old-tok"},
        "SCIM_BEARER_TOKEN_PREVIOUS",
        "shorter than 12",
    ),
    "tenant not a guid": ({"ENTRA_TENANT_ID": "contoso.com"}, "entra-jwt", "GUID"),
    "jwks not https": (
        {"ENTRA_TENANT_ID": TENANT, "ENTRA_JWKS_URL": "http://keys.example.com/keys"},
        "entra-jwt",
        "https",
    ),
    "schema file missing": ({"SCHEMA_XML_PATH": "/nonexistent/Schema.xml"}, "schema", ""),
    # Not a request's 500 (or doctor's traceback) naming no file: the setting and the path.
    "ca bundle missing": (
        {"SSL_CERT_FILE": "/nonexistent/ca.pem"},
        "settings",
        "SSL_CERT_FILE: must be a readable file",
    ),
    "emulator on a real host": (
        {"KEY_VAULT_URL": "https://prod.vault.azure.net", "KEY_VAULT_EMULATOR": "true"},
        "secrets",
        "KEY_VAULT_EMULATOR",
    ),
    "vault url not https": ({"KEY_VAULT_URL": "http://localhost:1"}, "secrets", "https"),
}


@pytest.mark.parametrize("case", list(BROKEN))
async def test_each_broken_setting_fails_its_check_with_a_fix(
    case: str, good_env: dict[str, str]
) -> None:
    overrides, check, fragment = BROKEN[case]
    results = _by_name(await run_doctor({**good_env, **overrides}))
    failed = {r.name: r for r in results.values() if not r.ok}
    # The broken setting's own check fails; at most the Okta call that needs it fails too.
    assert check in failed, [r.line() for r in results.values()]
    assert set(failed) <= {check, "okta"}
    assert fragment in failed[check].detail
    assert all(r.fix for r in failed.values())
    for result in results.values():
        _assert_no_secret(result.line())
        _assert_no_secret(repr(result))
        assert "00wrong-token-for-okta-xyz" not in result.line()


@pytest.fixture(scope="module")
def jwks() -> Iterator[JwksServer]:
    with JwksServer(SigningKey("kid-doctor-1")) as server:
        yield server


async def test_jwt_mode_does_not_need_the_bearer_secret(
    good_env: dict[str, str], jwks: JwksServer
) -> None:
    env = {
        **good_env,
        "SCIM_BEARER_TOKEN": "",
        "ENTRA_TENANT_ID": TENANT,
        "ENTRA_JWKS_URL": jwks.url,
    }
    results = _by_name(await run_doctor(env))
    assert all(r.ok for r in results.values()), [r.line() for r in results.values()]
    assert "1 signing key" in results["entra-jwt"].detail


async def test_jwt_mode_fails_when_the_signing_keys_cannot_be_read(
    good_env: dict[str, str],
) -> None:
    # Every Entra token would be answered 503 ("signing keys cannot be fetched"): not an ok.
    url = f"http://127.0.0.1:{_closed_port()}/discovery/keys"
    env = {**good_env, "ENTRA_TENANT_ID": TENANT, "ENTRA_JWKS_URL": url}
    check = _by_name(await run_doctor(env))["entra-jwt"]
    assert not check.ok
    assert url in check.detail
    assert check.fix is not None
    assert "ENTRA_JWKS_URL" in check.fix


async def test_sandbox_mode_needs_no_okta_secret() -> None:
    results = _by_name(await run_doctor({"SCIM_BEARER_TOKEN": BEARER}))
    assert results["okta"].ok
    assert "python -m connector serve" in results["okta"].detail
    assert results["OKTA_API_TOKEN"].ok


async def test_nothing_set_passes_as_make_run_runs() -> None:
    # `make run` (`python -m connector serve` with nothing set) serves: it makes up the Secret
    # Token and starts the sandbox. doctor agrees, and says what Entra and a deployment need.
    results = _by_name(await run_doctor({}))
    assert all(r.ok for r in results.values()), [r.line() for r in results.values()]
    bearer = results["SCIM_BEARER_TOKEN"].detail
    assert "python -m connector serve` makes one up" in bearer
    assert "set a fixed one" in bearer
    assert "'scim-bearer-token'" in bearer


def test_main_exits_zero_with_nothing_set(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("SCIM_BEARER_TOKEN", "OKTA_ORG_URL", "OKTA_API_TOKEN", "KEY_VAULT_URL"):
        monkeypatch.delenv(name, raising=False)
    assert main([]) == 0
    assert "FAIL" not in capsys.readouterr().out


async def test_an_unset_bearer_with_a_real_okta_is_made_up_by_serve_too(
    good_env: dict[str, str],
) -> None:
    # serve makes the token up whatever the target; a short one still fails ("bearer short").
    results = _by_name(await run_doctor({**good_env, "SCIM_BEARER_TOKEN": ""}))
    assert all(r.ok for r in results.values()), [r.line() for r in results.values()]
    assert "makes one up" in results["SCIM_BEARER_TOKEN"].detail


async def test_a_deployed_configuration_needs_the_okta_url(vault_env: dict[str, str]) -> None:
    results = _by_name(await run_doctor({**vault_env, "OKTA_ORG_URL": ""}))
    assert not results["okta"].ok
    assert "OKTA_ORG_URL" in (results["okta"].fix or "")


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> TlsFiles:
    return self_signed_cert(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def vault(tls: TlsFiles) -> Iterator[KeyVaultStub]:
    with KeyVaultStub(tls, {"okta-api-token": OKTA_TOKEN, "scim-bearer-token": BEARER}) as stub:
        yield stub


@pytest.fixture
def vault_env(vault: KeyVaultStub, tls: TlsFiles, okta_url: str) -> dict[str, str]:
    return {
        "OKTA_ORG_URL": okta_url,
        "KEY_VAULT_URL": vault.url,
        "KEY_VAULT_EMULATOR": "true",
        "SSL_CERT_FILE": str(tls.cert),
    }


async def test_vault_configuration_passes(vault_env: dict[str, str]) -> None:
    results = await run_doctor(vault_env)
    assert all(r.ok for r in results), [r.line() for r in results]
    assert "okta-api-token" in results[0].detail


async def test_vault_secret_missing(vault_env: dict[str, str], vault: KeyVaultStub) -> None:
    vault.delete("scim-bearer-token")
    results = _by_name(await run_doctor(vault_env))
    assert not results["SCIM_BEARER_TOKEN"].ok
    assert "scim-bearer-token" in results["SCIM_BEARER_TOKEN"].detail
    assert results["okta"].ok


async def test_vault_unreachable(vault_env: dict[str, str], vault: KeyVaultStub) -> None:
    vault.stop()
    results = _by_name(await run_doctor(vault_env))
    failed = sorted(r.name for r in results.values() if not r.ok)
    assert failed == ["OKTA_API_TOKEN", "SCIM_BEARER_TOKEN", "okta"]
    fix = results["OKTA_API_TOKEN"].fix or ""
    assert "Key Vault Secrets User" in fix
    print(results["OKTA_API_TOKEN"].line())


async def test_the_previous_bearer_has_a_line_only_while_it_is_set(
    good_env: dict[str, str],
) -> None:
    assert "SCIM_BEARER_TOKEN_PREVIOUS" not in _by_name(await run_doctor(good_env))
    rotating = {**good_env, "SCIM_BEARER_TOKEN_PREVIOUS": "previous-bearer-token-7890"}
    previous = _by_name(await run_doctor(rotating))["SCIM_BEARER_TOKEN_PREVIOUS"]
    assert previous.ok
    assert "accepted during the rotation" in previous.detail
    assert "previous-bearer-token-7890" not in previous.line()
    short = _by_name(await run_doctor({**good_env, "SCIM_BEARER_TOKEN_PREVIOUS": "old-tok"}))
    failed = short["SCIM_BEARER_TOKEN_PREVIOUS"]
    assert not failed.ok
    assert failed.fix is not None
    assert "remove it once Entra sends the new one" in failed.fix
    assert "old-tok" not in failed.line()
