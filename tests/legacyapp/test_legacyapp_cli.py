"""legacyapp's own command-line options; the options every simulator shares (listening, faults,
serving until stopped, the README listing them) are tested in tests/simkit/test_simkit_clis.py."""

from __future__ import annotations

import pytest

from legacyapp import SandboxOptions
from legacyapp.__main__ import _parser, main, options_from


def test_api_key_is_required(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--port", "0"])
    assert exited.value.code == 2
    assert "--api-key" in capsys.readouterr().err


def test_an_invalid_rate_limit_is_a_clear_exit(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--api-key", "k", "--rate-limit", "0"]) == 2
    assert "rate_limit" in capsys.readouterr().err


def test_options_reach_the_sandbox() -> None:
    assert options_from(_parser().parse_args(["--api-key", "k"])) == SandboxOptions(api_key="k")
    args = ["--api-key", "k", "--rate-limit", "5", "--rate-window-seconds", "2", "--accounts", "3"]
    args += ["--latency-ms", "5", "--error-rate", "0.25", "--timeout-rate", "0.5"]
    args += ["--drop-rate", "0.125", "--hang-seconds", "7", "--seed", "3"]
    chosen = options_from(_parser().parse_args(args))
    assert (chosen.rate_limit, chosen.rate_window_s, chosen.accounts) == (5, 2.0, 3)
    assert (chosen.latency_ms, chosen.error_rate, chosen.timeout_rate) == (5.0, 0.25, 0.5)
    assert (chosen.drop_rate, chosen.hang_s, chosen.seed) == (0.125, 7.0, 3)
