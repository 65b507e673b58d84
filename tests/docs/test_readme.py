"""The README is the product's front door: every setting and command it relies on is there."""

from __future__ import annotations

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
