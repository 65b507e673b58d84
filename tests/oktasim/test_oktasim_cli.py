"""The command line: documented options, loopback-only default, serving until interrupted."""

from __future__ import annotations

import signal
import subprocess
import sys

import httpx
import pytest

from oktasim import Simulator, SimulatorOptions
from oktasim.__main__ import _parser, main, options_from

OPTIONS = (
    "--host",
    "--port",
    "--token",
    "--rate-limit-per-minute",
    "--concurrency-limit",
    "--latency-ms",
    "--error-rate",
    "--timeout-rate",
    "--drop-rate",
    "--seed",
    "--search-lag-ms",
    "--hang-seconds",
    "--activation-ms",
    "--deactivate-204",
    "--deprovisioned-updates",
    "--custom-attribute",
    "--group-custom-attribute",
    "--allow-non-loopback",
)


def test_help_documents_every_option(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--help"])
    assert exited.value.code == 0
    text = capsys.readouterr().out
    for option in OPTIONS:
        assert option in text


def test_refuses_non_loopback_host(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--token", "t", "--host", "0.0.0.0"]) == 2  # noqa: S104
    assert "non-loopback" in capsys.readouterr().err
    with pytest.raises(ValueError, match="non-loopback"):
        Simulator().start(host="192.0.2.1")


def test_rejects_invalid_options(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--token", "t", "--error-rate", "2"]) == 2
    assert "invalid option" in capsys.readouterr().err
    with pytest.raises(ValueError, match="rate_limit_per_minute"):
        SimulatorOptions(rate_limit_per_minute=0)


def test_serves_until_interrupted() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "oktasim", "--port", "0", "--token", "cli-token", "--seed", "1"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        url = line.split()[2]
        assert url.startswith("http://127.0.0.1:")
        response = httpx.get(
            f"{url}/api/v1/users", headers={"Authorization": "SSWS cli-token"}, timeout=5
        )
        assert (response.status_code, response.json()) == (200, [])
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=5) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=5)


def test_custom_attribute_options_reach_the_simulator() -> None:
    defaults = options_from(_parser().parse_args(["--token", "t"]))
    assert defaults.custom_attributes == ("scimExternalId",)
    assert defaults.group_custom_attributes == ()
    chosen = options_from(
        _parser().parse_args(
            [
                "--token",
                "t",
                "--group-custom-attribute",
                "scimExternalId",
                "--group-custom-attribute",
                "costCenter",
            ]
        )
    )
    assert chosen.group_custom_attributes == ("scimExternalId", "costCenter")


def test_an_invalid_rate_limit_is_a_clear_exit_not_a_traceback(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["--token", "t", "--rate-limit-per-minute", "0"]) == 2
    assert "rate_limit_per_minute" in capsys.readouterr().err
