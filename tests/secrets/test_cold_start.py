"""Importing the secrets and auth modules, and building a vault store, loads no Azure SDK."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_no_azure_module_before_the_first_vault_read() -> None:
    script = textwrap.dedent(
        """
        import json, sys
        from connector.auth import authenticator_for
        from connector.secrets import secret_store
        from connector.settings import Settings

        settings = Settings.from_env({"KEY_VAULT_URL": "https://example.vault.azure.net"})
        authenticator_for(secret_store(settings), settings)
        print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in {"azure", "jwt"})))
        """
    )
    result = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert json.loads(result.stdout) == []
