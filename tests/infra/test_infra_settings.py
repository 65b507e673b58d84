"""The function app's settings and the connector's settings registry agree (both sides read)."""

from __future__ import annotations

from typing import Any

import pytest

from connector.settings import SETTINGS

from ._bicep import MAIN_BICEP, Resource, declared, literal_object_entries, modules, one, parse

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
