"""The simulators' command lines, built on simkit.cli: every option parsed is the documented
one, only loopback hosts unless allowed, a bad option or an address that cannot be bound is a
clear exit 2, and `python -m <simulator>` serves until SIGINT or SIGTERM."""

from __future__ import annotations

import argparse
import signal
import socket
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

import legacyapp.__main__ as legacyapp_cli
import oktasim.__main__ as oktasim_cli
from legacyapp import Sandbox
from oktasim import Simulator
from simkit.running import Running

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Cli:
    module: str
    main: Callable[[Sequence[str] | None], int]
    parser: Callable[[], argparse.ArgumentParser]
    start: Callable[[str], Running]  # the in-process start on a host
    required: tuple[str, ...]  # the required options and their values
    options: tuple[str, ...]
    no_faults_header: str
    api: str  # the API's path, as the banner names it
    probe: str  # a GET answered 200 ...
    headers: dict[str, str]  # ... with these headers
    answered: Callable[[Any], bool] = field(repr=False)  # what its JSON body must be
    serve_args: tuple[str, ...] = ()

    @property
    def readme(self) -> str:
        return (ROOT / self.module / "README.md").read_text(encoding="utf-8")


# What simkit.cli adds to every simulator's command line.
SHARED = (
    "--host",
    "--port",
    "--allow-non-loopback",
    "--latency-ms",
    "--error-rate",
    "--timeout-rate",
    "--drop-rate",
    "--hang-seconds",
    "--seed",
)
OKTASIM = Cli(
    module="oktasim",
    main=oktasim_cli.main,
    parser=oktasim_cli._parser,
    start=lambda host: Simulator().start(host=host),
    required=("--token", "cli-token"),
    options=(
        *SHARED,
        "--token",
        "--custom-attribute",
        "--group-custom-attribute",
        "--rate-limit-per-minute",
        "--token-share-percent",
        "--concurrency-limit",
        "--search-lag-ms",
        "--activation-ms",
        "--deactivate-204",
        "--deprovisioned-updates",
        "--any-login",
    ),
    no_faults_header="X-Oktasim-No-Faults",
    api="/api/v1",
    probe="/api/v1/users",
    headers={"Authorization": "SSWS cli-token"},
    answered=lambda body: body == [],
    serve_args=("--seed", "1"),
)
LEGACYAPP = Cli(
    module="legacyapp",
    main=legacyapp_cli.main,
    parser=legacyapp_cli._parser,
    start=lambda host: Sandbox().start(host=host),
    required=("--api-key", "k"),
    options=(
        *SHARED,
        "--api-key",
        "--rate-limit",
        "--rate-window-seconds",
        "--accounts",
        "--errors-with-200",
    ),
    no_faults_header="X-Legacyapp-No-Faults",
    api="/api/v2",
    probe="/api/v2/accounts",
    headers={"X-Api-Key": "k"},
    answered=lambda body: body["meta"]["total"] == 2,
    serve_args=("--accounts", "2"),
)
CLIS = pytest.mark.parametrize("cli", [OKTASIM, LEGACYAPP], ids=lambda cli: cli.module)


@CLIS
def test_the_options_are_the_documented_ones(cli: Cli, capsys: pytest.CaptureFixture[str]) -> None:
    parsed = {
        name
        for action in cli.parser()._actions
        for name in action.option_strings
        if name not in ("-h", "--help")
    }
    assert parsed == set(cli.options)
    with pytest.raises(SystemExit) as exited:
        cli.main(["--help"])
    assert exited.value.code == 0
    text = capsys.readouterr().out
    for option in cli.options:
        assert option in text
        assert f"`{option}" in cli.readme, f"{option} is not in {cli.module}/README.md"
    assert f"{cli.no_faults_header}: 1" in text


@CLIS
@pytest.mark.parametrize("host", ["0.0.0.0", "192.0.2.1", "example.com", "::"])  # noqa: S104
def test_refuses_non_loopback_hosts(
    cli: Cli, host: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main([*cli.required, "--host", host]) == 2
    assert "non-loopback" in capsys.readouterr().err
    with pytest.raises(ValueError, match="non-loopback"):
        cli.start(host)


@CLIS
@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (["--error-rate", "2"], "error rate must be within [0, 1]"),
        (["--error-rate", "0.6", "--drop-rate", "0.6"], "add up to more than 1"),
        (["--port", "65536"], "port must be within 0-65535"),
    ],
)
def test_an_invalid_option_is_a_clear_exit(
    cli: Cli, args: list[str], reason: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main([*cli.required, *args]) == 2
    error = capsys.readouterr().err
    assert error.startswith("invalid option: ")
    assert reason in error


@CLIS
def test_a_port_in_use_is_a_clear_exit(cli: Cli, capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert cli.main([*cli.required, "--port", str(port)]) == 2
    error = capsys.readouterr().err
    assert error.startswith("invalid option: ")
    assert "Traceback" not in error


@CLIS
@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_serves_until_signalled(cli: Cli, stop: signal.Signals) -> None:
    process = subprocess.Popen(  # noqa: S603 (our own interpreter and module)
        [sys.executable, "-m", cli.module, "--port", "0", *cli.required, *cli.serve_args],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        url = line.split()[2]
        assert url.startswith("http://127.0.0.1:")
        assert f"{url}{cli.api}" in line
        response = httpx.get(f"{url}{cli.probe}", headers=cli.headers, timeout=5)
        assert response.status_code == 200
        assert cli.answered(response.json())
        process.send_signal(stop)
        assert process.wait(timeout=10) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=5)
