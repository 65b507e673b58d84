"""A rotation gone wrong is said, not swallowed: a previous Secret Token too short to be one
leaves the current token working and answers any other token 503 naming the setting (Entra
retries it and logs why) instead of a 401 that reads as wrong credentials; `serve` refuses to
start with it."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from .harness import BEARER, ROOT, stack


def test_a_short_previous_token_is_a_503_naming_it_and_the_current_one_works() -> None:
    with stack(SCIM_BEARER_TOKEN_PREVIOUS="old-token") as okta:
        with okta.client() as scim:
            assert scim.get("/Users").status_code == 200
        with okta.client(token="old-token") as old:
            refused = old.get("/Users")
    assert refused.status_code == 503
    assert refused.headers["Retry-After"] == "300"
    assert "SCIM_BEARER_TOKEN_PREVIOUS" in refused.json()["detail"]
    assert "doctor" in refused.json()["detail"]
    assert "old-token" not in refused.text


@pytest.mark.parametrize("name", ["SCIM_BEARER_TOKEN", "SCIM_BEARER_TOKEN_PREVIOUS"])
def test_serve_refuses_to_start_with_a_short_token(name: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OKTA_", "SCIM_", "KEY_"))}
    env.pop("ENTRA_TENANT_ID", None)
    env.update({"SCIM_BEARER_TOKEN": BEARER, name: "too-short"})
    result = subprocess.run(
        [sys.executable, "-m", "connector", "serve", "--port", "0"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert f"{name} is shorter than 12 characters" in result.stderr
    assert "too-short" not in result.stderr + result.stdout
    assert "Traceback" not in result.stderr
