"""The command line: documented options, loopback-only default, serving until interrupted."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from legacyapp import Sandbox
from legacyapp.__main__ import main

ROOT = Path(__file__).resolve().parents[2]
OPTIONS = (
    "--host",
    "--port",
    "--api-key",
    "--allow-non-loopback",
    "--rate-limit",
    "--rate-window-seconds",
    "--latency-ms",
    "--error-rate",
    "--timeout-rate",
    "--drop-rate",
    "--hang-seconds",
    "--seed",
    "--accounts",
)


def test_help_documents_every_option(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--help"])
    assert exited.value.code == 0
    text = capsys.readouterr().out
    for option in OPTIONS:
        assert option in text
    assert "X-Legacyapp-No-Faults: 1" in text


def test_the_readme_documents_every_option() -> None:
    readme = (ROOT / "legacyapp" / "README.md").read_text(encoding="utf-8")
    for option in OPTIONS:
        assert f"`{option}" in readme


def test_api_key_is_required(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--port", "0"])
    assert exited.value.code == 2
    assert "--api-key" in capsys.readouterr().err


@pytest.mark.parametrize("host", ["0.0.0.0", "192.0.2.1", "example.com", "::"])  # noqa: S104
def test_refuses_non_loopback_hosts(capsys: pytest.CaptureFixture[str], host: str) -> None:
    assert main(["--api-key", "k", "--host", host]) == 2
    assert "non-loopback" in capsys.readouterr().err
    with pytest.raises(ValueError, match="non-loopback"):
        Sandbox().start(host=host)


def test_rejects_invalid_options(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--api-key", "k", "--error-rate", "2"]) == 2
    assert "invalid option" in capsys.readouterr().err
    assert main(["--api-key", "k", "--rate-limit", "0"]) == 2
    assert "rate_limit" in capsys.readouterr().err


def test_serves_until_interrupted() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "legacyapp", "--port", "0", "--api-key", "k", "--accounts", "2"],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        url = line.split()[2]
        assert url.startswith("http://127.0.0.1:")
        assert f"{url}/api/v2" in line
        response = httpx.get(f"{url}/api/v2/accounts", headers={"X-Api-Key": "k"}, timeout=5)
        assert response.status_code == 200
        assert response.json()["meta"]["total"] == 2
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=10) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=5)
