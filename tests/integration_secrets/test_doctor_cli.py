"""``python -m connector doctor`` as a user runs it: a subprocess, its output and exit status."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from oktasim import Simulator, SimulatorOptions

from .support import BEARER_NAME, OKTA_NAME, KeyVaultStub, TlsFiles, closed_port, vault_env

ROOT = Path(__file__).resolve().parents[2]
OKTA = "00okta-doctor-cli-token-GGGGGGGG"
BEARER = "doctor-cli-bearer-HHHHHHHHHHHH"
WRONG = "00okta-doctor-cli-wrong-IIIIIIII"
CHECKS = ["OKTA_API_TOKEN", "SCIM_BEARER_TOKEN", "okta", "entra-jwt", "schema"]
# After a good `okta` check, Okta's profile schemas are read too.
GOOD_CHECKS = [*CHECKS[:3], "okta-user-schema", "okta-group-schema", *CHECKS[3:]]
# Settings a developer's shell may hold that would change what doctor checks.
_CLEARED = {
    name
    for name in os.environ
    if name.startswith(("OKTA_", "SCIM_", "KEY_VAULT", "ENTRA_", "RELAY_", "SECRETS_", "SCHEMA_"))
} | {"AZURE_CLIENT_ID", "SSL_CERT_FILE", "REQUESTS_CA_BUNDLE"}


@pytest.fixture(scope="module")
def okta_url() -> Iterator[str]:
    options = SimulatorOptions(token=OKTA, group_custom_attributes=("scimExternalId",))
    with Simulator(options).start() as running:
        yield running.url


def doctor(settings: dict[str, str]) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in _CLEARED}
    env.update(settings)
    return subprocess.run(
        [sys.executable, "-m", "connector", "doctor"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )


def _lines(run: subprocess.CompletedProcess[str]) -> dict[str, str]:
    """Each stdout line by check name; every line is one check's verdict."""
    lines: dict[str, str] = {}
    for line in run.stdout.splitlines():
        verdict, _, rest = line.partition(" ")
        assert verdict in {"ok", "FAIL"}, line
        name = rest.strip().split(":", 1)[0]
        assert name not in lines, f"two lines for {name}"
        lines[name] = line
    for secret in (OKTA, BEARER, WRONG):
        assert secret not in run.stdout
        assert secret not in run.stderr
    assert "Traceback" not in run.stderr
    return lines


def test_good_configuration(okta_url: str) -> None:
    run = doctor({"OKTA_ORG_URL": okta_url, "OKTA_API_TOKEN": OKTA, "SCIM_BEARER_TOKEN": BEARER})
    lines = _lines(run)
    assert list(lines) == GOOD_CHECKS
    assert all(line.startswith("ok ") for line in lines.values()), run.stdout
    assert run.returncode == 0, run.stdout + run.stderr


def test_good_vault_configuration(okta_url: str, vault: KeyVaultStub, tls: TlsFiles) -> None:
    vault.set(OKTA_NAME, OKTA)
    vault.set(BEARER_NAME, BEARER)
    run = doctor(vault_env(vault, tls, OKTA_ORG_URL=okta_url))
    lines = _lines(run)
    assert list(lines) == GOOD_CHECKS
    assert all(line.startswith("ok ") for line in lines.values()), run.stdout
    assert OKTA_NAME in lines["OKTA_API_TOKEN"]
    assert run.returncode == 0


def test_rejected_okta_token(okta_url: str) -> None:
    run = doctor({"OKTA_ORG_URL": okta_url, "OKTA_API_TOKEN": WRONG, "SCIM_BEARER_TOKEN": BEARER})
    lines = _lines(run)
    assert run.returncode == 1
    failed = [name for name, line in lines.items() if line.startswith("FAIL")]
    assert failed == ["okta"]
    assert "401" in lines["okta"]
    assert "-> fix:" in lines["okta"]


def test_several_broken_settings(okta_url: str) -> None:
    run = doctor(
        {
            "OKTA_ORG_URL": f"http://127.0.0.1:{closed_port()}",
            "OKTA_API_TOKEN": OKTA,
            "SCIM_BEARER_TOKEN": "short-tok",  # shorter than a token can be
            "SCHEMA_XML_PATH": "/nonexistent/Schema.xml",
        }
    )
    lines = _lines(run)
    assert run.returncode == 1
    assert list(lines) == CHECKS
    failed = {name for name, line in lines.items() if line.startswith("FAIL")}
    assert failed == {"SCIM_BEARER_TOKEN", "okta", "schema"}
    assert "unreachable" in lines["okta"]
    assert all("-> fix:" in lines[name] for name in failed)


def test_vault_unreachable(okta_url: str, vault: KeyVaultStub, tls: TlsFiles) -> None:
    vault.stop()
    run = doctor(vault_env(vault, tls, OKTA_ORG_URL=okta_url))
    lines = _lines(run)
    assert run.returncode == 1
    failed = {name for name, line in lines.items() if line.startswith("FAIL")}
    assert failed == {"OKTA_API_TOKEN", "SCIM_BEARER_TOKEN", "okta"}
    assert "Key Vault Secrets User" in lines["OKTA_API_TOKEN"]


def test_a_disabled_vault_secret_is_named_as_such(
    okta_url: str, vault: KeyVaultStub, tls: TlsFiles
) -> None:
    # A disabled secret reads as unset (not as an outage): the line says both, and the fix,
    # setting it, writes an enabled version.
    vault.set(OKTA_NAME, OKTA)
    vault.set(BEARER_NAME, BEARER)
    vault.disable(BEARER_NAME)
    run = doctor(vault_env(vault, tls, OKTA_ORG_URL=okta_url))
    line = _lines(run)["SCIM_BEARER_TOKEN"]
    assert run.returncode == 1
    assert line.startswith("FAIL")
    assert f"vault secret '{BEARER_NAME}'" in line
    assert "is not set (or is disabled)" in line
    assert "-> fix: set vault secret" in line


def test_settings_that_cannot_build_a_store() -> None:
    run = doctor(
        {
            "KEY_VAULT_URL": "https://prod.vault.azure.net",
            "KEY_VAULT_EMULATOR": "true",
            "ENTRA_TENANT_ID": "contoso.com",
        }
    )
    lines = _lines(run)
    assert run.returncode == 1
    assert lines["secrets"].startswith("FAIL")
    assert "KEY_VAULT_EMULATOR" in lines["secrets"]
    assert lines["entra-jwt"].startswith("FAIL")
    assert "GUID" in lines["entra-jwt"]
