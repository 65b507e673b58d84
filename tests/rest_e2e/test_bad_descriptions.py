"""A description that cannot work is refused at start, by `serve` and by `doctor`, with the file,
the line and what to write instead; a running connector answers 503 naming it, never 500."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from endpoint.harness import BEARER, ROOT, connector

from connector.cli.doctor import run_doctor
from legacyapp import Sandbox, SandboxOptions

from .harness import API_KEY, SAMPLE, sample_env

GOOD = (SAMPLE / "description.yaml").read_text(encoding="utf-8")


def _broken(old: str, new: str) -> str:
    assert old in GOOD, old
    return GOOD.replace(old, new, 1)


def _line_of(text: str, fragment: str) -> int:
    return text[: text.index(fragment)].count("\n") + 1


# name: (description text, the text the error points at, words the message must contain)
CASES = {
    "yaml syntax": (
        _broken("  timeoutSeconds: 10", "  timeoutSeconds: [10"),
        None,
        "not valid YAML",
    ),
    "unknown key": (
        _broken("  maxConcurrency: 10", "  maxConcurency: 10"),
        "maxConcurency",
        "did you mean 'maxConcurrency'",
    ),
    "missing operation": (
        _broken("  get:\n    path: /accounts/{id}\n    result: /data\n", ""),
        None,
        "'get' is missing here; add it",
    ),
    "malformed pointer": (
        _broken("    nickName: /nickname", "    nickName: nickname"),
        "nickName: nickname",
        "a JSON Pointer starts with '/'",
    ),
    "unknown placeholder": (
        _broken("path: /accounts/{id}/enable", "path: /accounts/{account}/enable"),
        None,
        "the placeholders here are {id}",
    ),
}


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "description.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _env(path: Path) -> dict[str, str]:
    return {**sample_env("http://127.0.0.1:9"), "TARGET_DESCRIPTION": str(path)}


def _location(text: str, at: str | None, path: Path) -> str:
    if at is None:
        return f"{path}:"
    return f"{path}:{_line_of(text, at)}:"


@pytest.mark.parametrize("case", list(CASES))
async def test_doctor_names_the_file_line_and_fix(case: str, tmp_path: Path) -> None:
    text, at, words = CASES[case]
    path = _write(tmp_path, text)
    results = {r.name: r for r in await run_doctor({**_env(path), "SCIM_BEARER_TOKEN": BEARER})}
    target = results["target"]
    assert not target.ok
    assert _location(text, at, path) in target.detail, target.detail
    assert words in target.detail
    assert target.fix


@pytest.mark.parametrize("case", ["unknown key", "malformed pointer"])
def test_serve_refuses_to_start(case: str, tmp_path: Path) -> None:
    text, at, words = CASES[case]
    path = _write(tmp_path, text)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OKTA_", "TARGET"))}
    result = subprocess.run(
        [sys.executable, "-m", "connector", "serve", "--port", "0"],
        cwd=ROOT,
        env={**env, **_env(path), "SCIM_BEARER_TOKEN": BEARER},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2, result.stdout + result.stderr
    assert _location(text, at, path) in result.stderr
    assert words in result.stderr
    assert "python -m connector doctor" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_missing_secret_is_refused_at_start_with_where_to_set_it(tmp_path: Path) -> None:
    env = {**sample_env("http://127.0.0.1:9")}
    del env["LEDGERLINE_API_KEY"]
    with connector(env) as server:
        response = httpx.get(
            f"{server.url}/api/scim/v2/Users",
            headers={"Authorization": f"Bearer {BEARER}"},
            timeout=30,
        )
    assert response.status_code == 503
    detail = response.json()["detail"]
    line = _line_of(GOOD, "secret: ledgerline-api-key")
    assert f"description.yaml:{line}:" in detail
    assert "LEDGERLINE_API_KEY" in detail


def test_a_running_connector_answers_503_naming_the_problem(tmp_path: Path) -> None:
    path = _write(tmp_path, CASES["unknown key"][0])
    with connector(_env(path)) as server:
        response = httpx.get(
            f"{server.url}/api/scim/v2/Users",
            headers={"Authorization": f"Bearer {BEARER}"},
            timeout=30,
        )
    assert response.status_code == 503
    assert response.headers["retry-after"] == "300"
    assert "maxConcurency" in response.json()["detail"]


async def test_a_result_pointer_into_nothing_is_found_by_doctor(tmp_path: Path) -> None:
    text = _broken(
        "    path: /accounts\n    result: /data", "    path: /accounts\n    result: /items"
    )
    path = _write(tmp_path, text)
    sandbox = Sandbox(SandboxOptions(api_key=API_KEY))
    with sandbox.start(host="127.0.0.1", port=0) as running:
        env = {
            **sample_env(running.url),
            "TARGET_DESCRIPTION": str(path),
            "SCIM_BEARER_TOKEN": BEARER,
        }
        target = {r.name: r for r in await run_doctor(env)}["target"]
        with connector({**env}) as server:
            async with httpx.AsyncClient(timeout=30) as client:
                listing = await client.get(
                    f"{server.url}/api/scim/v2/Users",
                    headers={"Authorization": f"Bearer {BEARER}"},
                )
    assert not target.ok
    assert "no list at /items" in target.detail
    assert re.search(rf"{re.escape(str(path))}:\d+:\d+", target.detail)
    assert listing.status_code == 503
    assert "no list at /items" in listing.json()["detail"]
