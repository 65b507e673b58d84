"""`doctor` with TARGET=rest: the description, its secrets, one cheap authenticated read, and
every mapped attribute's home in the description."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from endpoint.harness import BEARER

from connector.cli.doctor import CheckResult, run_doctor
from legacyapp import Sandbox, SandboxOptions

from .harness import API_KEY, SAMPLE, sample_env


@pytest.fixture
def sandbox() -> Iterator[tuple[Sandbox, str]]:
    app = Sandbox(SandboxOptions(api_key=API_KEY))
    with app.start(host="127.0.0.1", port=0) as running:
        yield app, running.url


def _by_name(results: list[CheckResult]) -> dict[str, CheckResult]:
    return {r.name: r for r in results}


async def test_a_good_description_passes_with_one_read(sandbox: tuple[Sandbox, str]) -> None:
    app, url = sandbox
    results = await run_doctor({**sample_env(url), "SCIM_BEARER_TOKEN": BEARER})
    assert [r.name for r in results] == ["SCIM_BEARER_TOKEN", "target", "entra-jwt", "schema"]
    assert all(r.ok for r in results), [r.line() for r in results]
    assert [(m, p) for m, p, _ in app.request_log] == [
        ("GET", "/api/v2/accounts?per_page=1&page=1")
    ]
    assert "Ledgerline HR" in results[1].detail
    text = "\n".join(r.line() for r in results)
    assert API_KEY not in text


async def test_a_wrong_key_fails_with_the_secret_to_fix(sandbox: tuple[Sandbox, str]) -> None:
    _, url = sandbox
    env = {**sample_env(url), "SCIM_BEARER_TOKEN": BEARER, "LEDGERLINE_API_KEY": "wrong-key-1234"}
    target = _by_name(await run_doctor(env))["target"]
    assert not target.ok
    assert "HTTP 401" in target.detail
    assert target.fix is not None
    assert "ledgerline-api-key" in target.fix
    assert "wrong-key-1234" not in target.line()


async def test_an_unreachable_application_says_so_at_once() -> None:
    env = {**sample_env("http://127.0.0.1:9"), "SCIM_BEARER_TOKEN": BEARER}
    target = _by_name(await run_doctor(env))["target"]
    assert not target.ok
    assert "unreachable" in target.detail


async def test_a_mapped_attribute_without_a_home_fails_the_schema_check(
    sandbox: tuple[Sandbox, str], tmp_path: Path
) -> None:
    _, url = sandbox
    mapping = json.loads((SAMPLE / "mapping.json").read_text())
    mapping["scim"]["nickName"] = "alias"
    (tmp_path / "mapping.json").write_text(json.dumps(mapping))
    env = {
        **sample_env(url),
        "SCIM_BEARER_TOKEN": BEARER,
        "SCHEMA_MAPPING_PATH": str(tmp_path / "mapping.json"),
    }
    schema = _by_name(await run_doctor(env))["schema"]
    assert not schema.ok
    assert "alias" in schema.detail
    assert "users.attributes" in schema.detail
