"""``doctor`` with TARGET=okta reads Okta's user and group profile schemas: a missing externalId
attribute is a failure saying exactly what to add and where, and ``--fix`` adds it through the
Schemas API (only when asked; refused cleanly when Okta says 403)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest

from connector.cli.doctor import CheckResult, main, run_doctor
from connector.targets.okta.client import OktaClient
from connector.targets.okta.schemas import GROUP, USER, check_attribute
from oktasim import Simulator, SimulatorOptions

OKTA_TOKEN = "00okta-profile-token-abcdef"
BEARER = "profile-bearer-token-123456"
SCHEMAS = ("/api/v1/meta/schemas/user/default", "/api/v1/meta/schemas/group/default")


@contextmanager
def okta(**options: Any) -> Iterator[tuple[Simulator, dict[str, str]]]:
    sim = Simulator(SimulatorOptions(token=OKTA_TOKEN, **options))
    with sim.start() as running:
        env = {
            "OKTA_ORG_URL": running.url,
            "OKTA_API_TOKEN": OKTA_TOKEN,
            "SCIM_BEARER_TOKEN": BEARER,
        }
        yield sim, env


def _by_name(results: list[CheckResult]) -> dict[str, CheckResult]:
    return {r.name: r for r in results}


def _custom(sim: Simulator, path: str) -> dict[str, Any]:
    with httpx.Client(base_url=sim.org_url, headers={"Authorization": f"SSWS {OKTA_TOKEN}"}) as c:
        schema = c.get(path).json()
    properties: dict[str, Any] = schema["definitions"]["custom"]["properties"]
    return properties


def _post(sim: Simulator, path: str, body: dict[str, Any]) -> httpx.Response:
    """A set-up call of an Okta admin, outside the connector."""
    with httpx.Client(base_url=sim.org_url, headers={"Authorization": f"SSWS {OKTA_TOKEN}"}) as c:
        return c.post(path, json=body)


def _schema_writes(sim: Simulator) -> list[str]:
    return [p for m, p, _ in sim.request_log if m == "POST" and p.startswith(SCHEMAS)]


async def test_both_attributes_present_pass() -> None:
    with okta(group_custom_attributes=("scimExternalId",)) as (sim, env):
        checks = _by_name(await run_doctor(env))
    assert checks["okta-user-schema"].ok
    assert checks["okta-user-schema"].detail == "scimExternalId (string) is in Okta's user profile"
    assert checks["okta-group-schema"].ok
    assert (
        checks["okta-group-schema"].detail == "scimExternalId (string) is in Okta's group profile"
    )
    assert _schema_writes(sim) == []


async def test_a_missing_group_attribute_says_what_to_add_and_where() -> None:
    with okta() as (sim, env):  # a new org: no custom group attribute
        results = await run_doctor(env)
    names = [r.name for r in results]
    assert names.index("okta") + 1 == names.index("okta-user-schema")
    assert names.index("okta-user-schema") + 1 == names.index("okta-group-schema")
    checks = _by_name(results)
    assert checks["okta-user-schema"].ok
    group = checks["okta-group-schema"]
    assert not group.ok
    assert "group profile has no attribute 'scimExternalId'" in group.detail
    assert "OKTA_GROUP_EXTERNAL_ID_ATTRIBUTE" in group.detail
    fix = group.fix or ""
    assert "data type string" in fix
    assert "variable name scimExternalId" in fix
    assert "Directory > Profile Editor > Groups > Okta group > + Add Attribute" in fix
    assert "python -m connector doctor --fix" in fix
    assert _schema_writes(sim) == []  # nothing is changed without --fix


async def test_a_missing_user_attribute_says_what_to_add_and_where() -> None:
    with okta(custom_attributes=(), group_custom_attributes=("scimExternalId",)) as (_, env):
        checks = _by_name(await run_doctor(env))
    user = checks["okta-user-schema"]
    assert not user.ok
    assert "user profile has no attribute 'scimExternalId'" in user.detail
    assert "Directory > Profile Editor > User (default) > + Add Attribute" in (user.fix or "")
    assert checks["okta-group-schema"].ok


async def test_fix_adds_both_attributes_and_says_so() -> None:
    with okta(custom_attributes=()) as (sim, env):
        checks = _by_name(await run_doctor(env, fix=True))
        for name, path in zip(("okta-user-schema", "okta-group-schema"), SCHEMAS, strict=True):
            assert checks[name].ok, checks[name].line()
            assert checks[name].detail.startswith("added scimExternalId (string) to Okta's")
            assert f"POST {path}" in checks[name].detail
            assert _custom(sim, path)["scimExternalId"]["type"] == "string"
        assert _schema_writes(sim) == list(SCHEMAS)
        # Done: the next run finds them and changes nothing.
        again = _by_name(await run_doctor(env, fix=True))
        assert again["okta-group-schema"].detail.endswith("is in Okta's group profile")
        assert _schema_writes(sim) == list(SCHEMAS)
        # A group with an externalId can now be created.
        made = _post(sim, "/api/v1/groups", {"profile": {"name": "G", "scimExternalId": "e-1"}})
        assert made.status_code == 200, made.text


async def test_fix_adds_the_configured_names() -> None:
    with okta() as (sim, env):
        env = {**env, "OKTA_GROUP_EXTERNAL_ID_ATTRIBUTE": "entraGroupId"}
        checks = _by_name(await run_doctor(env, fix=True))
        assert checks["okta-group-schema"].ok
        assert "entraGroupId" in checks["okta-group-schema"].detail
        assert "entraGroupId" in _custom(sim, SCHEMAS[1])
        assert "scimExternalId" not in _custom(sim, SCHEMAS[1])


async def test_an_attribute_of_another_type_is_not_fixed_but_reported() -> None:
    with okta() as (sim, env):
        flag = {"title": "Flag", "type": "boolean"}
        definitions = {"custom": {"properties": {"scimExternalId": flag}}}
        assert _post(sim, SCHEMAS[1], {"definitions": definitions}).status_code == 200
        group = _by_name(await run_doctor(env, fix=True))["okta-group-schema"]
    assert not group.ok
    assert "of type boolean, not string" in group.detail
    assert "OKTA_GROUP_EXTERNAL_ID_ATTRIBUTE" in (group.fix or "")


async def test_no_schema_lines_when_okta_itself_fails() -> None:
    with okta() as (_, env):
        results = await run_doctor({**env, "OKTA_API_TOKEN": "00wrong-token-for-okta-xyz"})
    names = [r.name for r in results]
    assert "okta" in names
    assert "okta-user-schema" not in names
    assert "okta-group-schema" not in names


def test_the_cli_fix_flag(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with okta() as (sim, env):
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        for name in ("KEY_VAULT_URL", "ENTRA_TENANT_ID", "SCHEMA_XML_PATH", "TARGET"):
            monkeypatch.delenv(name, raising=False)
        assert main([]) == 1
        assert "FAIL  okta-group-schema" in capsys.readouterr().out
        assert main(["--fix"]) == 0
        out = capsys.readouterr().out
        assert "ok    okta-group-schema: added scimExternalId (string)" in out
        assert OKTA_TOKEN not in out
        assert "scimExternalId" in _custom(sim, SCHEMAS[1])


# -- Okta refusing the change -------------------------------------------------------------------


def _refusing(missing: bool = True) -> httpx.MockTransport:
    """Okta as a token without the right to change profiles sees it: GET works, POST is 403."""

    def answer(request: httpx.Request) -> httpx.Response:
        if request.method == "GET":
            custom = {} if missing else {"scimExternalId": {"title": "x", "type": "string"}}
            return httpx.Response(
                200,
                json={
                    "definitions": {"base": {"properties": {}}, "custom": {"properties": custom}}
                },
            )
        body = {
            "errorCode": "E0000006",
            "errorSummary": "You do not have permission to perform the requested action",
            "errorLink": "E0000006",
            "errorId": "oae1",
            "errorCauses": [],
        }
        return httpx.Response(
            403, content=json.dumps(body), headers={"content-type": "application/json"}
        )

    return httpx.MockTransport(answer)


async def _token(refresh: bool) -> str:
    return OKTA_TOKEN


@pytest.mark.parametrize("profile", [USER, GROUP], ids=["user", "group"])
async def test_fix_refused_with_403_changes_nothing_and_says_what_to_do(profile: Any) -> None:
    client = OktaClient("https://example.okta.com", _token, transport=_refusing())
    try:
        found = await check_attribute(client, profile, "scimExternalId", fix=True)
    finally:
        await client.aclose()
    assert not found.ok
    assert "refused to add scimExternalId" in found.detail
    assert "403 E0000006" in found.detail
    assert "nothing was changed" in found.detail
    assert profile.console in (found.fix or "")
    assert "super administrator" in (found.fix or "")


async def test_a_schema_the_token_cannot_read_fails_with_a_fix() -> None:
    def forbidden(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            403,
            json={"errorCode": "E0000006", "errorSummary": "You do not have permission"},
        )

    client = OktaClient(
        "https://example.okta.com", _token, transport=httpx.MockTransport(forbidden)
    )
    try:
        found = await check_attribute(client, GROUP, "scimExternalId", fix=False)
    finally:
        await client.aclose()
    assert not found.ok
    assert "403 E0000006" in found.detail
    assert "scimExternalId (string)" in (found.fix or "")
