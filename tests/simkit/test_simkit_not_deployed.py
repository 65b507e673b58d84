"""simkit is development material like the simulators: left out of the Functions package, and
never imported by the deployed app (which would then fail to start in Azure)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_package_leaves_simkit_out() -> None:
    assert "simkit" in (ROOT / ".funcignore").read_text(encoding="utf-8").split()


def test_the_deployed_app_does_not_import_simkit() -> None:
    probe = "import sys, function_app; print(','.join(sorted(sys.modules)))"
    result = subprocess.run(  # noqa: S603 - our own interpreter, a fixed script
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert "simkit" not in {name.split(".")[0] for name in result.stdout.strip().split(",")}
