"""What the Functions host and `func start` need from the repo, and what the package leaves out."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_host_json_is_a_functions_v4_host_with_the_api_prefix() -> None:
    host = json.loads((ROOT / "host.json").read_text(encoding="utf-8"))
    assert host["version"] == "2.0"
    assert host["extensionBundle"]["id"] == "Microsoft.Azure.Functions.ExtensionBundle"
    assert host["extensionBundle"]["version"] == "[4.*, 5.0.0)"
    assert host["extensions"]["http"]["routePrefix"] == "api"


def test_local_settings_example_is_valid_for_func_start() -> None:
    settings = json.loads((ROOT / "local.settings.example.json").read_text(encoding="utf-8"))
    assert settings["IsEncrypted"] is False
    assert settings["Values"]["FUNCTIONS_WORKER_RUNTIME"] == "python"
    assert "AzureWebJobsStorage" in settings["Values"]
    ignored = (ROOT / ".gitignore").read_text(encoding="utf-8").split()
    assert "local.settings.json" in ignored


def test_funcignore_keeps_development_material_out_of_the_package() -> None:
    entries = set((ROOT / ".funcignore").read_text(encoding="utf-8").split())
    for needed in ("oktasim", "relay_agent", "tests", "bench", ".venv", "local.settings.json"):
        assert needed in entries
    assert "requirements-dev.txt" in entries
    assert "connector" not in entries
    assert "function_app.py" not in entries


def test_runtime_requirements_are_pinned_and_hold_no_test_tools() -> None:
    lines = [
        line.strip()
        for line in (ROOT / "requirements.txt").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert all("==" in line for line in lines)
    names = {line.split("==")[0].split("[")[0].lower() for line in lines}
    assert {"azure-functions", "httpx", "pydantic", "scim2-models"} <= names
    assert not names & {"pytest", "respx", "hypothesis", "websockets", "scim2-tester"}
    assert "azure-functions-worker" not in names


def test_the_deployed_app_imports_nothing_that_is_not_deployed() -> None:
    probe = "import sys, function_app; print(','.join(sorted(sys.modules)))"
    result = subprocess.run(  # noqa: S603 - our own interpreter, a fixed script
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
    )
    loaded = set(result.stdout.strip().split(","))
    roots = {name.split(".")[0] for name in loaded}
    assert not roots & {"oktasim", "relay_agent", "tests", "bench", "websockets", "pytest"}
    # Cold start: the Azure SDK and the JWT stack load on first use, not at indexing.
    assert not roots & {"jwt", "cryptography", "aiohttp"}
    assert not {n for n in loaded if n.startswith(("azure.identity", "azure.keyvault"))}
    assert "azure.functions" in loaded
