"""The function app's settings and the connector's settings registry agree (both sides read)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from ._bicep import (
    AZD_PLACEHOLDER,
    MAIN_BICEP,
    MAIN_PARAMETERS,
    Resource,
    declared,
    function_call,
    literal_object_entries,
    modules,
    one,
    parse,
)
from ._settings import DEPLOYMENT_DEFAULTS, NOT_SET_THROUGH_AZD, SETTINGS, admin_settings

# Settings the Functions platform reads, not the connector.
PLATFORM_PREFIXES = ("AzureWebJobsStorage__", "APPLICATIONINSIGHTS_", "FUNCTIONS_")

CONNECTOR = {s.name: s for s in SETTINGS}
RELAY_SETTINGS = {
    "RELAY_NAMESPACE",
    "RELAY_HYBRID_CONNECTION",
    "RELAY_SEND_RULE_NAME",
    "RELAY_SEND_KEY_SECRET_NAME",
}


@pytest.fixture(scope="module")
def app_settings_resource() -> Resource:
    site = one("Microsoft.Web/sites")
    configs = [
        r for r in declared("Microsoft.Web/sites/config") if r.config["name"] == "appsettings"
    ]
    assert len(configs) == 1, "app settings live in exactly one sites/config 'appsettings'"
    assert configs[0].config["parent"] == site.symbol
    # One place only: no second list inside siteConfig.
    assert "appSettings" not in site.properties.get("siteConfig", {})
    return configs[0]


@pytest.fixture(scope="module")
def app_settings(app_settings_resource: Resource) -> dict[str, Any]:
    resource = app_settings_resource
    return literal_object_entries(resource.config["properties"], parse(resource.file))


def _is_platform(name: str) -> bool:
    return name.startswith(PLATFORM_PREFIXES)


def test_every_app_setting_is_read_by_the_connector_or_the_platform(
    app_settings: dict[str, Any],
) -> None:
    unknown = {n for n in app_settings if not _is_platform(n) and n not in CONNECTOR}
    assert not unknown, f"app settings no code reads: {sorted(unknown)}"


def test_every_setting_required_in_azure_is_set(app_settings: dict[str, Any]) -> None:
    required = {s.name for s in SETTINGS if s.required_in_azure}
    assert required, "connector.config declares no required_in_azure setting"
    missing = required - set(app_settings)
    assert not missing, f"required in Azure but not set by infra/: {sorted(missing)}"


def test_no_secret_is_an_app_setting(app_settings: dict[str, Any]) -> None:
    secrets = {s.name for s in SETTINGS if s.secret}
    assert secrets
    assert not secrets & set(app_settings), "secrets come from Key Vault, never app settings"


def test_relay_settings_are_declared_and_set_only_with_a_relay(
    app_settings_resource: Resource,
) -> None:
    assert set(CONNECTOR) >= RELAY_SETTINGS
    parsed = parse(app_settings_resource.file)
    variables = parsed["variables"]
    holders = [
        name
        for name, variable in variables.items()
        if RELAY_SETTINGS & set(literal_object_entries(variable["value"], parsed))
    ]
    assert len(holders) == 1, holders
    value = variables[holders[0]]["value"]
    operands = value["operator"]["operands"]
    # empty(relayNamespaceFqdn) ? {} : { RELAY_* }
    assert value["operator"]["type"] == "conditional"
    assert operands["true_value"] == {}
    assert set(operands["false_value"]) == RELAY_SETTINGS
    assert operands["condition"]["function"]["type"] == "empty"


def test_platform_settings_use_the_managed_identity(app_settings: dict[str, Any]) -> None:
    assert app_settings["AzureWebJobsStorage__credential"] == "managedidentity"
    assert app_settings["AzureWebJobsStorage__clientId"] == "identityClientId"
    assert "AzureWebJobsStorage__blobServiceUri" in app_settings
    # Blob only: an HTTP-only app's host needs no queue or table service (least privilege).
    assert "AzureWebJobsStorage__queueServiceUri" not in app_settings
    assert "AzureWebJobsStorage__tableServiceUri" not in app_settings
    assert "AzureWebJobsStorage" not in app_settings, "no connection string for host storage"
    assert "APPLICATIONINSIGHTS_CONNECTION_STRING" in app_settings
    assert app_settings["APPLICATIONINSIGHTS_AUTHENTICATION_STRING"] == (
        "ClientId=${identityClientId};Authorization=AAD"
    )
    assert app_settings["AZURE_CLIENT_ID"] == "identityClientId"
    # Flex Consumption takes the runtime from functionAppConfig, not from these settings.
    assert "FUNCTIONS_WORKER_RUNTIME" not in app_settings
    assert "FUNCTIONS_EXTENSION_VERSION" not in app_settings


def test_okta_org_url_comes_from_the_parameter(app_settings: dict[str, Any]) -> None:
    assert app_settings["OKTA_ORG_URL"] == "oktaOrgUrl"
    assert modules(MAIN_BICEP)["api"]["params"]["oktaOrgUrl"] == "oktaOrgUrl"


@pytest.mark.parametrize(
    ("setting", "api_param"),
    [
        ("OKTA_API_TOKEN_SECRET_NAME", "oktaApiTokenSecretName"),
        ("SCIM_BEARER_TOKEN_SECRET_NAME", "scimBearerSecretName"),
        ("SCIM_BEARER_TOKEN_PREVIOUS_SECRET_NAME", "scimBearerPreviousSecretName"),
        ("RELAY_SEND_KEY_SECRET_NAME", "relaySendKeySecretName"),
        ("RELAY_SEND_RULE_NAME", "relaySendRuleName"),
    ],
)
def test_names_agree_with_the_connector_defaults(
    app_settings: dict[str, Any], setting: str, api_param: str
) -> None:
    # The vault secrets and the Send rule the templates create carry the names the connector
    # falls back to, so the deployment still works if one of these app settings is dropped.
    assert app_settings[setting] == api_param
    passed = modules(MAIN_BICEP)["api"]["params"][api_param]
    value = parse(MAIN_BICEP)["variables"][passed]["value"]
    assert value == CONNECTOR[setting].default


# --- Settings that survive `azd provision` ------------------------------------------------------


def _azd_wiring() -> dict[str, tuple[str, str | None]]:
    """azd variable -> (main.bicep parameter, default) from main.parameters.json."""
    document = json.loads(MAIN_PARAMETERS.read_text())
    wired: dict[str, tuple[str, str | None]] = {}
    for parameter, entry in document["parameters"].items():
        match = AZD_PLACEHOLDER.match(str(entry["value"]))
        if match:
            wired[match.group("name")] = (parameter, match.group("default"))
    return wired


def _module_parameter(app_value: Any) -> str | None:
    """The api.bicep parameter behind an app setting: ``p`` or ``string(p)``."""
    if isinstance(app_value, str):
        return app_value
    call = function_call(app_value)
    if call is not None and call[0] == "string" and isinstance(call[1][0], str):
        return str(call[1][0])
    return None


def test_the_exclusion_list_names_real_settings() -> None:
    assert set(NOT_SET_THROUGH_AZD) <= set(CONNECTOR)
    assert not {n for n in NOT_SET_THROUGH_AZD if CONNECTOR[n].secret}
    assert set(DEPLOYMENT_DEFAULTS) <= set(admin_settings())


def wiring_problems(name: str, app_settings: dict[str, Any]) -> list[str]:
    """Why setting ``name`` would not survive ``azd provision`` (empty: it does).

    azd env set NAME value -> main.parameters.json ${NAME=default} -> main.bicep parameter ->
    api module parameter -> app setting NAME. `azd provision` then writes the admin's value (or
    the default) every time instead of wiping it.
    """
    wired = _azd_wiring()
    if name not in wired:
        return [f"main.parameters.json does not read ${{{name}}}"]
    main_parameter, azd_default = wired[name]
    if main_parameter not in parse(MAIN_BICEP)["parameters"]:
        return [f"main.bicep has no parameter {main_parameter}"]
    api_call = modules(MAIN_BICEP)["api"]["params"]
    api_parameters = [p for p, value in api_call.items() if value == main_parameter]
    if not api_parameters:
        return [f"main.bicep does not pass {main_parameter} to the api module"]
    if name not in app_settings:
        return [f"{name} is not an app setting"]
    problems = []
    if _module_parameter(app_settings[name]) not in api_parameters:
        problems.append(f"app setting {name} is {app_settings[name]!r}, not {api_parameters}")
    setting = CONNECTOR[name]
    if setting.required_in_azure:
        if azd_default is not None:
            problems.append(f"{name} is required: no default may hide a missing value")
    else:
        expected = DEPLOYMENT_DEFAULTS.get(name, setting.default or "")
        if azd_default != expected:
            problems.append(f"{name}: azd default {azd_default!r}, expected {expected!r}")
    return problems


@pytest.mark.parametrize("name", admin_settings())
def test_admin_setting_is_wired_from_the_azd_environment(
    name: str, app_settings: dict[str, Any]
) -> None:
    assert wiring_problems(name, app_settings) == []


def test_a_setting_nobody_wired_is_reported(app_settings: dict[str, Any]) -> None:
    # What happens to the next setting added to SETTINGS before it is wired.
    assert wiring_problems("SOME_NEW_SETTING", app_settings) == [
        "main.parameters.json does not read ${SOME_NEW_SETTING}"
    ]
    assert "SOME_NEW_SETTING" not in app_settings
