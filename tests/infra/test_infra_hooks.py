"""The azd postprovision hook: declared in azure.yaml, valid shell, idempotent, silent on secrets.

The POSIX script runs here against a stand-in ``az`` (a small script that keeps "secrets" in a
temporary folder and logs every call), so its behaviour is tested, not only its syntax. The
PowerShell twin cannot run on this machine (no pwsh); it is checked for the same contract.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from ._bicep import REPO_ROOT

HOOKS = REPO_ROOT / "infra" / "hooks"
SH_HOOK = HOOKS / "postprovision.sh"
PS_HOOK = HOOKS / "postprovision.ps1"
VAULT = "kv-test123"
SH = shutil.which("sh") or "/bin/sh"

# Stand-in for the Azure CLI: `keyvault secret show|set` against files in $FAKE_VAULT.
# $FAKE_FORBIDDEN holds how many more calls answer Forbidden (the role not applied yet).
FAKE_AZ = r"""#!/bin/sh
echo "$*" >> "$FAKE_AZ_LOG"
name=""; file=""; value=""
prev=""
for arg in "$@"; do
  case "$prev" in
    --name) name="$arg" ;;
    --file) file="$arg" ;;
    --value) value="$arg" ;;
  esac
  prev="$arg"
done
left=$(cat "$FAKE_FORBIDDEN" 2>/dev/null || echo 0)
if [ "$left" -gt 0 ]; then
  echo $((left - 1)) > "$FAKE_FORBIDDEN"
  echo "ERROR: (Forbidden) Caller is not authorized to perform action on resource." >&2
  exit 1
fi
case "$1 $2 $3" in
  "keyvault secret show")
    if [ -f "$FAKE_VAULT/$name" ]; then
      echo "https://$VAULT_HOST/secrets/$name/0123456789abcdef"
      exit 0
    fi
    echo "ERROR: (SecretNotFound) A secret with (name/id) $name was not found." >&2
    exit 3 ;;
  "keyvault secret set")
    if [ -n "$file" ]; then
      cat "$file" > "$FAKE_VAULT/$name"
    else
      printf '%s' "$value" > "$FAKE_VAULT/$name"
    fi
    exit 0 ;;
esac
echo "fake az: unexpected command: $*" >&2
exit 2
"""


@dataclass
class FakeAzure:
    root: Path

    @property
    def vault(self) -> Path:
        return self.root / "vault"

    @property
    def log(self) -> Path:
        return self.root / "az.log"

    def calls(self) -> list[str]:
        return self.log.read_text().splitlines() if self.log.exists() else []

    def forbid(self, times: int) -> None:
        (self.root / "forbidden").write_text(str(times))

    def run(self, **env: str) -> subprocess.CompletedProcess[str]:
        environment = {
            "PATH": f"{self.root / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}",
            "HOME": str(self.root),
            "FAKE_AZ_LOG": str(self.log),
            "FAKE_VAULT": str(self.vault),
            "FAKE_FORBIDDEN": str(self.root / "forbidden"),
            "VAULT_HOST": f"{VAULT}.vault.azure.net",
            "AZURE_KEY_VAULT_NAME": VAULT,
            "SCIM_TENANT_URL": "https://func-test.azurewebsites.net/api/scim/v2",
            "SCIM_HOOK_RETRY_SECONDS": "0",
            "SCIM_HOOK_ATTEMPTS": "4",
            **env,
        }
        return subprocess.run(  # noqa: S603 - our own script with a fixed environment
            [SH, str(SH_HOOK)],
            env=environment,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )


@pytest.fixture
def azure(tmp_path: Path) -> FakeAzure:
    fake = FakeAzure(tmp_path)
    (tmp_path / "bin").mkdir()
    fake.vault.mkdir()
    for name, body in (("az", FAKE_AZ), ("azd", "#!/bin/sh\nexit 1\n")):
        tool = tmp_path / "bin" / name
        tool.write_text(body)
        tool.chmod(0o755)
    return fake


# --- Declaration and syntax --------------------------------------------------------------------


def test_azure_yaml_declares_the_hook_and_its_powershell_twin() -> None:
    project = yaml.safe_load((REPO_ROOT / "azure.yaml").read_text())
    hook = project["hooks"]["postprovision"]
    assert hook["posix"] == {"shell": "sh", "run": "infra/hooks/postprovision.sh"}
    assert hook["windows"] == {"shell": "pwsh", "run": "infra/hooks/postprovision.ps1"}
    for entry in (hook["posix"], hook["windows"]):
        assert (REPO_ROOT / entry["run"]).is_file()


@pytest.mark.parametrize("shell", ["bash", "dash", "sh"])
def test_the_shell_hook_is_valid_syntax(shell: str) -> None:
    executable = shutil.which(shell)
    if executable is None:
        pytest.fail(f"{shell} is not installed")
    result = subprocess.run(  # noqa: S603 - a syntax check of our own script
        [executable, "-n", str(SH_HOOK)], capture_output=True, text=True, timeout=30, check=False
    )
    assert result.returncode == 0, result.stderr


# --- Behaviour against the stand-in az ---------------------------------------------------------


def test_first_run_creates_the_bearer_token_without_showing_it(azure: FakeAzure) -> None:
    result = azure.run()
    assert result.returncode == 0, result.stderr
    token = (azure.vault / "scim-bearer-token").read_text()
    assert len(token) == 64
    assert token not in result.stdout + result.stderr
    creates = [c for c in azure.calls() if c.startswith("keyvault secret set")]
    # Through stdin, never on the command line.
    assert creates == [
        f"keyvault secret set --vault-name {VAULT} --name scim-bearer-token "
        "--file /dev/stdin --encoding utf-8 -o none"
    ]
    assert "scim-bearer-token: created" in result.stdout
    # The Okta token cannot be invented: the exact command is printed instead.
    assert "okta-api-token: NOT SET" in result.stdout
    assert (
        f'az keyvault secret set --vault-name {VAULT} --name okta-api-token --value "$OKTA_TOKEN"'
        " -o none"
    ) in result.stdout
    assert f"--vault-name {VAULT} --name scim-bearer-token --query value -o tsv" in result.stdout
    assert "https://func-test.azurewebsites.net/api/scim/v2" in result.stdout


def test_a_second_run_changes_nothing(azure: FakeAzure) -> None:
    assert azure.run().returncode == 0
    first = (azure.vault / "scim-bearer-token").read_text()
    calls_before = len(azure.calls())
    result = azure.run()
    assert result.returncode == 0, result.stderr
    assert (azure.vault / "scim-bearer-token").read_text() == first
    again = azure.calls()[calls_before:]
    assert not [c for c in again if c.startswith("keyvault secret set")]
    assert "scim-bearer-token: already set" in result.stdout


def test_secrets_already_in_the_vault_are_never_read_or_printed(azure: FakeAzure) -> None:
    (azure.vault / "scim-bearer-token").write_text("bearer-value-that-must-stay-hidden")
    (azure.vault / "okta-api-token").write_text("okta-value-that-must-stay-hidden")
    (azure.vault / "relay-send-key").write_text("relay-value-that-must-stay-hidden")
    result = azure.run(AZURE_RELAY_NAMESPACE="relay-test.servicebus.windows.net")
    assert result.returncode == 0, result.stderr
    for value in ("bearer-value", "okta-value", "relay-value"):
        assert value not in result.stdout + result.stderr
    # Only metadata is asked for (--query id), never a value.
    shows = [c for c in azure.calls() if c.startswith("keyvault secret show")]
    assert shows
    assert all(c.endswith("--query id -o tsv") for c in shows)
    assert "okta-api-token: set" in result.stdout
    assert "relay-send-key: set by the deployment" in result.stdout
    assert "Test Connection in Entra should succeed" in result.stdout


@pytest.mark.parametrize("target", ["rest", "REST", "python:mytargets.hr:create_target"])
def test_a_target_other_than_okta_is_not_asked_for_an_okta_token(
    azure: FakeAzure, target: str
) -> None:
    result = azure.run(TARGET=target)
    assert result.returncode == 0, result.stderr
    assert "okta-api-token: NOT SET" not in result.stdout
    assert not [c for c in azure.calls() if "--name okta-api-token" in c]
    assert "okta-api-token: not needed" in result.stdout
    # Its own secrets are named in its description: the admin is pointed there.
    assert "docs/targets.md" in result.stdout
    assert "503" not in result.stdout


def test_target_okta_still_needs_the_okta_token(azure: FakeAzure) -> None:
    result = azure.run(TARGET="Okta")
    assert "okta-api-token: NOT SET" in result.stdout


def test_it_waits_for_the_vault_role_to_apply(azure: FakeAzure) -> None:
    azure.forbid(2)
    result = azure.run(SCIM_HOOK_ATTEMPTS="5")
    assert result.returncode == 0, result.stderr
    assert (azure.vault / "scim-bearer-token").is_file()


def test_it_gives_up_with_a_warning_when_access_never_comes(azure: FakeAzure) -> None:
    azure.forbid(1000)
    result = azure.run(SCIM_HOOK_ATTEMPTS="3")
    # A warning, not a failure: `azd up` must still deploy the code.
    assert result.returncode == 0
    assert "no access to" in result.stderr
    assert "azd hooks run postprovision" in result.stderr
    assert not (azure.vault / "scim-bearer-token").exists()
    assert len(azure.calls()) == 3  # bounded: the configured number of attempts


def test_without_a_vault_name_it_stops_with_a_clear_error(azure: FakeAzure) -> None:
    result = azure.run(AZURE_KEY_VAULT_NAME="")
    assert result.returncode == 1
    assert "AZURE_KEY_VAULT_NAME is not set" in result.stderr
    assert azure.calls() == []


# --- The PowerShell twin (static: no pwsh here) ------------------------------------------------


def test_the_powershell_hook_keeps_the_same_contract() -> None:
    script = PS_HOOK.read_text()
    for name in ("scim-bearer-token", "okta-api-token", "relay-send-key"):
        assert name in script
    # Metadata only, when checking a secret; the value goes through a file, never argv.
    assert "--query id -o tsv" in script
    assert "--query value" not in script.replace(
        "--name scim-bearer-token --query value -o tsv", ""
    )
    assert "--file $file --encoding utf-8 -o none" in script
    assert "Remove-Item -LiteralPath $file" in script
    # The generated token only ever goes into the temporary file.
    uses = [line.strip() for line in script.splitlines() if "New-RandomToken" in line]
    assert uses == [
        "function New-RandomToken {",
        "Set-Content -LiteralPath $file -Value (New-RandomToken) -NoNewline -Encoding ascii",
    ]
    # Only TARGET=okta needs the Okta token, as in the shell hook.
    assert "$env:TARGET" in script
    assert "okta-api-token: not needed" in script
    # Same knobs as the shell hook.
    assert "SCIM_HOOK_ATTEMPTS" in script
    assert "SCIM_HOOK_RETRY_SECONDS" in script
    assert script.count("{") == script.count("}")
    assert script.count("(") == script.count(")")
