"""The README is the product's front door: every setting and command it relies on is there."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from connector.settings import SETTINGS

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", [s.name for s in SETTINGS])
def test_every_setting_is_documented(name: str) -> None:
    assert f"| `{name}` |" in README


@pytest.mark.parametrize(
    "command",
    ["make run", "make test", "python -m connector serve", "python -m connector doctor", "azd up"],
)
def test_commands_are_documented(command: str) -> None:
    assert command in README


def test_ssl_cert_file_is_documented_as_replacing_the_public_roots(tmp_path: Path) -> None:
    # OpenSSL reads SSL_CERT_FILE itself: every default TLS context of the process (aiohttp
    # under the Key Vault SDK, httpx for Okta and token endpoints) then trusts that file alone.
    # A bundle holding only a private CA would break them, so the docs must say so.
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "secrets"))
    from kv_stub import self_signed_cert

    bundle = self_signed_cert(tmp_path).cert
    count = subprocess.run(
        [
            sys.executable,
            "-c",
            "import ssl; print(len(ssl.create_default_context().get_ca_certs()))",
        ],
        env={**os.environ, "SSL_CERT_FILE": str(bundle)},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout.strip()
    assert count == "1"
    deploy = (Path(__file__).resolve().parents[2] / "docs" / "deploy-to-azure.md").read_text()
    for text in (README, deploy):
        row = next(line for line in text.splitlines() if line.startswith("| `SSL_CERT_FILE` |"))
        assert "public roots" in row, row


def test_the_deploy_summary_reads_the_secret_token_the_hook_created() -> None:
    # infra/hooks/postprovision.sh creates scim-bearer-token at `azd up`; setting it again
    # afterwards would replace a token the admin may already have pasted into Entra.
    hook = (
        Path(__file__).resolve().parents[2] / "infra" / "hooks" / "postprovision.sh"
    ).read_text()
    assert "store_secret scim-bearer-token" in hook
    assert "--name scim-bearer-token --value" not in README
    assert "--name scim-bearer-token --query value -o tsv" in README


def test_the_emulator_trust_is_the_variable_the_connector_reads() -> None:
    # The async Key Vault client runs on aiohttp, which ignores REQUESTS_CA_BUNDLE; the
    # connector hands it SSL_CERT_FILE (connector/secrets/vault.py) and nothing else.
    sources = (Path(__file__).resolve().parents[2] / "connector").rglob("*.py")
    assert not any("REQUESTS_CA_BUNDLE" in path.read_text(encoding="utf-8") for path in sources)
    row = next(line for line in README.splitlines() if line.startswith("| `KEY_VAULT_EMULATOR` |"))
    assert "`SSL_CERT_FILE`" in row
    assert "REQUESTS_CA_BUNDLE" not in row
