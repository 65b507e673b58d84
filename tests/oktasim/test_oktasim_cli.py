"""oktasim's own command-line options reach the simulator; the options every simulator shares
(listening, faults, serving until stopped) are tested in tests/simkit/test_simkit_clis.py."""

from __future__ import annotations

import pytest

from oktasim import SimulatorOptions
from oktasim.__main__ import _parser, main, options_from


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


def test_fault_options_reach_the_simulator() -> None:
    args = ["--token", "t", "--latency-ms", "5", "--error-rate", "0.25", "--timeout-rate", "0.5"]
    args += ["--drop-rate", "0.125", "--hang-seconds", "7", "--seed", "3", "--any-login"]
    chosen = options_from(_parser().parse_args(args))
    assert (chosen.latency_ms, chosen.error_rate, chosen.timeout_rate) == (5.0, 0.25, 0.5)
    assert (chosen.drop_rate, chosen.hang_s, chosen.seed) == (0.125, 7.0, 3)
    assert chosen.any_login


def test_the_tokens_share_is_an_option() -> None:
    assert options_from(_parser().parse_args(["--token", "t"])).token_share_percent == 50
    chosen = options_from(_parser().parse_args(["--token", "t", "--token-share-percent", "80"]))
    assert chosen.token_share_percent == 80


def test_an_invalid_rate_limit_is_a_clear_exit_not_a_traceback(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["--token", "t", "--rate-limit-per-minute", "0"]) == 2
    assert "rate_limit_per_minute" in capsys.readouterr().err
    with pytest.raises(ValueError, match="rate_limit_per_minute"):
        SimulatorOptions(rate_limit_per_minute=0)
