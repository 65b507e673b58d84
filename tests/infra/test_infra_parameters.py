"""infra/main.parameters.json maps azd environment values onto main.bicep's parameters."""

from __future__ import annotations

import json
from typing import Any

import pytest

from ._bicep import AZD_PLACEHOLDER, MAIN_BICEP, MAIN_PARAMETERS, parse

EXPECTED = {
    "environmentName": "AZURE_ENV_NAME",
    "location": "AZURE_LOCATION",
    "principalId": "AZURE_PRINCIPAL_ID",
    "oktaOrgUrl": "OKTA_ORG_URL",
    "onPremEndpoint": "ON_PREM_ENDPOINT",
}


@pytest.fixture(scope="module")
def mapped() -> dict[str, Any]:
    document = json.loads(MAIN_PARAMETERS.read_text())
    assert document["contentVersion"] == "1.0.0.0"
    assert "deploymentParameters.json" in document["$schema"]
    parameters: dict[str, Any] = document["parameters"]
    return parameters


def test_every_mapped_parameter_exists_in_main_bicep(mapped: dict[str, Any]) -> None:
    declared = set(parse(MAIN_BICEP)["parameters"])
    assert set(mapped) <= declared, set(mapped) - declared


def test_every_required_parameter_is_mapped(mapped: dict[str, Any]) -> None:
    required = {n for n, p in parse(MAIN_BICEP)["parameters"].items() if p["default"] is None}
    assert required <= set(mapped), required - set(mapped)


def test_azd_environment_values(mapped: dict[str, Any]) -> None:
    names = {}
    for parameter, entry in mapped.items():
        assert set(entry) == {"value"}, f"{parameter}: only plain values (no key vault references)"
        if not isinstance(entry["value"], str):
            # A literal number or switch (e.g. alwaysReadyInstanceCount) is allowed, never text.
            assert isinstance(entry["value"], int | bool), parameter
            continue
        match = AZD_PLACEHOLDER.match(entry["value"])
        assert match, f"{parameter}: {entry['value']!r} is not an azd ${{VAR}} placeholder"
        names[parameter] = match.group("name")
    for parameter, variable in EXPECTED.items():
        assert names.get(parameter) == variable


def test_optional_values_have_azd_defaults(mapped: dict[str, Any]) -> None:
    params = parse(MAIN_BICEP)["parameters"]
    for parameter, entry in mapped.items():
        if not isinstance(entry["value"], str):
            continue
        match = AZD_PLACEHOLDER.match(entry["value"])
        assert match
        optional = params[parameter]["default"] is not None
        # Optional ones say so with ${VAR=default}; required ones must not hide behind a default.
        assert (match.group("default") is not None) == optional, parameter
        if optional and match.group("default"):
            assert match.group("default") == _as_text(params[parameter]["default"]), parameter


def _as_text(default: Any) -> str:
    """How a Bicep default reads in the parameters file (azd converts it back by type)."""
    if isinstance(default, bool):
        return "true" if default else "false"
    return str(default)


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("${AZURE_ENV_NAME}", True),
        ("${ON_PREM_ENDPOINT=}", True),
        ("${AZURE_PRINCIPAL_TYPE=User}", True),
        ("$AZURE_ENV_NAME", False),
        ("${azure_env_name}", False),
        ("literal", False),
    ],
)
def test_placeholder_pattern(value: str, ok: bool) -> None:
    assert bool(AZD_PLACEHOLDER.match(value)) == ok


def test_defaults_meet_their_own_constraints(mapped: dict[str, Any]) -> None:
    # ARM checks the value a deployment gets against the parameter's decorators: a default (in
    # main.bicep, or the ${VAR=default} azd sends when VAR is unset) that breaks one fails
    # `azd up` for everyone who leaves the value unset.
    params = parse(MAIN_BICEP)["parameters"]
    for parameter, declared in params.items():
        defaults = [declared["default"]]
        entry = mapped.get(parameter, {}).get("value")
        if isinstance(entry, str) and (match := AZD_PLACEHOLDER.match(entry)):
            defaults.append(match.group("default"))
        for default in defaults:
            if default is None:
                continue
            value = int(default) if declared["type"] == "int" else default
            for decorator in declared["decorators"]:
                kind, bound = decorator["type"], decorator["argument"]
                assert not _breaks(kind, bound, value), (
                    f"{parameter}: default {value!r} breaks @{kind}({bound!r})"
                )


def _breaks(kind: str, bound: Any, value: Any) -> bool:
    if kind == "min_length":
        return bool(len(value) < bound)
    if kind == "max_length":
        return bool(len(value) > bound)
    if kind == "min_value":
        return bool(value < bound)
    if kind == "max_value":
        return bool(value > bound)
    if kind == "allowed":
        return value not in bound
    return False
