"""Structural assertions on the parsed templates (pycep-parser): the resources and properties the
deployment promises. Values that are parameters are followed to their defaults where it matters.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from ._bicep import (
    INFRA_DIR,
    MAIN_BICEP,
    Resource,
    all_resources,
    bicep_files,
    conditional,
    declared,
    function_call,
    modules,
    one,
    parameter_default,
    parse,
    relative,
)
from ._bicep_ast import bicep_file
from ._bicep_types import resource_property_kind, type_data

KEY_VAULT_SECRETS_USER = "4633458b-17de-408a-b874-0445c86b69e6"
KEY_VAULT_SECRETS_OFFICER = "b86a8fe4-44ce-4948-aee5-eccb2c155cd7"
STORAGE_BLOB_DATA_OWNER = "b7e6dc6d-f1e8-4753-8033-0f276bb0955b"
STORAGE_QUEUE_DATA_CONTRIBUTOR = "974c5e8b-45b9-4653-ba55-5f855dd0fb88"
STORAGE_TABLE_DATA_CONTRIBUTOR = "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3"
MONITORING_METRICS_PUBLISHER = "3913510d-42f4-4e42-8a64-420c390055eb"
KNOWN_ROLES = {
    KEY_VAULT_SECRETS_USER,
    KEY_VAULT_SECRETS_OFFICER,
    STORAGE_BLOB_DATA_OWNER,
    MONITORING_METRICS_PUBLISHER,
}
GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def value_of(resource: Resource, expr: Any) -> Any:
    """A literal, or the default of the module parameter / the value of the variable it names."""
    parsed = parse(resource.file)
    if isinstance(expr, str):
        if expr in parsed.get("parameters", {}):
            return parsed["parameters"][expr]["default"]
        if expr in parsed.get("variables", {}):
            return parsed["variables"][expr]["value"]
    return expr


def role_ids(resource: Resource) -> set[str]:
    """The role definition GUIDs a role assignment (or a loop of them) grants."""
    call = function_call(resource.properties["roleDefinitionId"])
    assert call is not None
    assert call[0] == "subscription_resource_id"
    assert call[1][0] == "Microsoft.Authorization/roleDefinitions"
    name = call[1][1]
    variables = parse(resource.file).get("variables", {})
    if resource.loop is not None and name == resource.loop["item_name"]:
        names = variables[resource.loop["array_name"]]["value"]
    else:
        names = [name]
    ids = {variables[n]["value"] if n in variables else n for n in names}
    assert all(isinstance(i, str) and GUID.match(i) for i in ids), ids
    return ids


def role_assignments_on(target_type: str) -> dict[str, Resource]:
    """Role GUID -> assignment, for assignments scoped to the one resource of ``target_type``."""
    target = one(target_type)
    found: dict[str, Resource] = {}
    for assignment in declared("Microsoft.Authorization/roleAssignments"):
        if assignment.file == target.file and assignment.config.get("scope") == target.symbol:
            for role in role_ids(assignment):
                found[role] = assignment
    return found


# --- main.bicep --------------------------------------------------------------------------------


def test_main_is_subscription_scoped_and_creates_the_resource_group() -> None:
    parsed = parse(MAIN_BICEP)
    assert parsed["globals"]["scope"]["value"] == "subscription"
    group = one("Microsoft.Resources/resourceGroups")
    assert group.file == MAIN_BICEP
    assert group.tags == {"azd-env-name": "environmentName"}
    variables = parsed["variables"]
    token = variables["resourceToken"]["value"]
    assert function_call(token) is not None
    assert "uniqueString" in MAIN_BICEP.read_text()


def test_main_parameters() -> None:
    params = parse(MAIN_BICEP)["parameters"]
    assert params["environmentName"]["default"] is None
    assert params["location"]["default"] is None
    location_metadata = [d for d in params["location"]["decorators"] if d["type"] == "metadata"]
    assert location_metadata == [{"type": "metadata", "argument": {"azd": {"type": "location"}}}]
    assert params["principalId"]["default"] == ""
    # Only TARGET=okta needs the Okta org; the connector and doctor name it when it is missing.
    assert params["oktaOrgUrl"]["default"] == ""
    assert params["onPremEndpoint"]["default"] == ""
    assert params["alwaysReadyInstanceCount"]["type"] == "int"


def test_every_module_gets_its_required_parameters_and_no_unknown_ones() -> None:
    for path in bicep_files():
        for symbol, module in modules(path).items():
            target = (path.parent / module["path"]).resolve()
            declared_params = parse(target).get("parameters", {})
            passed = set(module["params"])
            unknown = passed - set(declared_params)
            assert not unknown, f"{relative(path)}: module {symbol} gets unknown {unknown}"
            required = {n for n, p in declared_params.items() if p["default"] is None}
            missing = required - passed
            assert not missing, f"{relative(path)}: module {symbol} lacks {missing}"
            assert module["params"].get("location", "location") == "location"


def test_every_resource_is_tagged_with_the_environment() -> None:
    taggable = {
        "microsoft.managedidentity/userassignedidentities",
        "microsoft.storage/storageaccounts",
        "microsoft.operationalinsights/workspaces",
        "microsoft.insights/components",
        "microsoft.keyvault/vaults",
        "microsoft.relay/namespaces",
        "microsoft.web/serverfarms",
        "microsoft.web/sites",
    }
    seen = set()
    for resource in all_resources():
        if resource.existing or resource.type.lower() not in taggable:
            continue
        seen.add(resource.type.lower())
        assert "tags" in resource.config, f"{resource.symbol} has no tags"
    assert seen == taggable


# --- Function app on Flex Consumption ----------------------------------------------------------


@pytest.fixture(scope="module")
def site() -> Resource:
    return one("Microsoft.Web/sites")


def test_flex_consumption_plan() -> None:
    plan = one("Microsoft.Web/serverfarms")
    assert plan.config["sku"] == {"name": "FC1", "tier": "FlexConsumption"}
    assert plan.properties["reserved"] is True  # Linux


def test_function_app_is_linux_with_the_user_assigned_identity(site: Resource) -> None:
    assert site.config["kind"] == "functionapp,linux"
    identity = site.config["identity"]
    assert identity["type"] == "UserAssigned"
    assert len(identity["userAssignedIdentities"]) == 1
    assert one("Microsoft.ManagedIdentity/userAssignedIdentities")
    plan = one("Microsoft.Web/serverfarms")
    assert site.properties["serverFarmId"]["operator"]["operands"]["operand_1"] == plan.symbol


def test_function_app_hardening(site: Resource) -> None:
    props = site.properties
    assert props["httpsOnly"] is True
    assert props["siteConfig"]["minTlsVersion"] == "1.2"
    assert props["siteConfig"]["scmMinTlsVersion"] == "1.2"
    # ARM rejects ftpsState on a Flex Consumption site in some regions (error 51021), so it must
    # not be set; FTP is closed by the basic publishing credentials policies instead.
    assert "ftpsState" not in props["siteConfig"]
    for path in bicep_files():
        assert not re.search(r"^\s*ftpsState\s*:", path.read_text(), re.MULTILINE), path
    # Vault references (if any are added later) resolve with the user-assigned identity.
    assert props["keyVaultReferenceIdentity"] == "identityId"


def test_basic_publishing_credentials_are_off(site: Resource) -> None:
    # What keeps FTP and basic-auth deployment closed on Flex Consumption: both policies, each
    # unconditional (no `if`), on this site, with allow: false.
    policies = declared("Microsoft.Web/sites/basicPublishingCredentialsPolicies")
    assert {p.config["name"] for p in policies} == {"ftp", "scm"}
    for policy in policies:
        assert policy.config["parent"] == site.symbol
        assert policy.condition is None
        assert policy.properties == {"allow": False}


def test_function_app_runtime_and_scale(site: Resource) -> None:
    config = site.properties["functionAppConfig"]
    runtime = config["runtime"]
    assert runtime["name"] == "python"
    assert value_of(site, runtime["version"]) == "3.11"
    scale = config["scaleAndConcurrency"]
    branches = conditional(scale["alwaysReady"])
    assert branches is not None, "alwaysReady follows the always-ready parameter"
    ready = branches[1]
    assert ready == [{"name": "http", "instanceCount": "alwaysReadyInstanceCount"}]
    assert branches[2] == []
    api = modules(MAIN_BICEP)["api"]
    assert api["params"]["alwaysReadyInstanceCount"] == "alwaysReadyInstanceCount"
    assert parameter_default(MAIN_BICEP, "alwaysReadyInstanceCount") == 1


def test_function_app_deploys_from_a_blob_container_with_its_identity(site: Resource) -> None:
    storage = site.properties["functionAppConfig"]["deployment"]["storage"]
    assert storage["type"] == "blobContainer"
    assert storage["authentication"] == {
        "type": "UserAssignedIdentity",
        "userAssignedIdentityResourceId": "identityId",
    }
    container = one("Microsoft.Storage/storageAccounts/blobServices/containers")
    assert container.properties["publicAccess"] == "None"


def test_only_the_function_app_carries_the_azd_service_tag(site: Resource) -> None:
    tagged = [r for r in all_resources() if "azd-service-name" in _tags(r)]
    assert tagged == [site]
    assert site.tags["azd-service-name"] == "api"


def _tags(resource: Resource) -> dict[str, Any]:
    return resource.tags if "tags" in resource.config else {}


# --- Storage -----------------------------------------------------------------------------------


def test_storage_account_uses_identity_access_only() -> None:
    account = one("Microsoft.Storage/storageAccounts")
    props = account.properties
    assert props["allowSharedKeyAccess"] is False
    assert props["allowBlobPublicAccess"] is False
    assert props["minimumTlsVersion"] == "TLS1_2"
    assert props["supportsHttpsTrafficOnly"] is True


def test_storage_roles_for_the_function_identity() -> None:
    # Least privilege: the host of an HTTP-only app on Flex Consumption uses blobs alone (its
    # state and the deployment package), so Blob Data Owner is the one data role on the account.
    roles = role_assignments_on("Microsoft.Storage/storageAccounts")
    assert set(roles) == {STORAGE_BLOB_DATA_OWNER}
    assert STORAGE_QUEUE_DATA_CONTRIBUTOR not in roles
    assert STORAGE_TABLE_DATA_CONTRIBUTOR not in roles
    for assignment in roles.values():
        assert assignment.properties["principalType"] == "ServicePrincipal"
        assert assignment.condition is None


# --- Monitoring --------------------------------------------------------------------------------


def _case_insensitive(props: dict[str, Any], name: str) -> Any:
    matches = [v for k, v in props.items() if k.lower() == name.lower()]
    assert len(matches) == 1, f"{name} not set"
    return matches[0]


def test_log_analytics_and_application_insights_without_local_auth() -> None:
    workspace = one("Microsoft.OperationalInsights/workspaces")
    assert workspace.properties["features"]["disableLocalAuth"] is True
    insights = one("Microsoft.Insights/components")
    # ARM property names are case-insensitive; the API spells this one DisableLocalAuth.
    assert _case_insensitive(insights.properties, "disableLocalAuth") is True
    workspace_id = _case_insensitive(insights.properties, "workspaceResourceId")
    assert workspace_id["operator"]["operands"]["operand_1"] == workspace.symbol


def test_monitoring_metrics_publisher_for_the_function_identity() -> None:
    roles = role_assignments_on("Microsoft.Insights/components")
    assert MONITORING_METRICS_PUBLISHER in roles


# --- Key Vault ---------------------------------------------------------------------------------


def test_key_vault_uses_rbac_soft_delete_and_purge_protection() -> None:
    vault = one("Microsoft.KeyVault/vaults")
    props = vault.properties
    assert props["enableRbacAuthorization"] is True
    assert props["enableSoftDelete"] is True
    assert props["enablePurgeProtection"] is True
    assert "accessPolicies" not in props


def test_key_vault_roles() -> None:
    roles = role_assignments_on("Microsoft.KeyVault/vaults")
    user = roles[KEY_VAULT_SECRETS_USER]
    assert user.condition is None
    assert user.properties["principalType"] == "ServicePrincipal"
    officer = roles[KEY_VAULT_SECRETS_OFFICER]
    # The deployer's grant is optional: only when a principal id is given.
    assert officer.condition == {
        "operator": {
            "type": "not",
            "operands": {
                "bool_value": {
                    "function": {
                        "type": "empty",
                        "parameters": {"item_to_test": officer.properties["principalId"]},
                    }
                }
            },
        }
    }
    keyvault = modules(MAIN_BICEP)["keyVault"]
    assert keyvault["params"]["deployerPrincipalId"] == "principalId"


def test_every_role_assignment_uses_a_known_role_id() -> None:
    granted: set[str] = set()
    for assignment in declared("Microsoft.Authorization/roleAssignments"):
        granted |= role_ids(assignment)
        name = function_call(assignment.config["name"])
        assert name is not None
        assert name[0] == "guid", "role assignment names are deterministic guid(...) values"
    assert granted == KNOWN_ROLES
    for path in bicep_files():
        text = path.read_text()
        assert STORAGE_QUEUE_DATA_CONTRIBUTOR not in text
        assert STORAGE_TABLE_DATA_CONTRIBUTOR not in text
    for path in bicep_files():
        # A corrupted Key Vault Secrets User GUID circulates in public samples.
        assert "0445c86b869e" not in path.read_text()


# --- Azure Relay -------------------------------------------------------------------------------


def test_relay_is_deployed_only_with_an_on_prem_endpoint() -> None:
    relay = modules(MAIN_BICEP)["relay"]
    assert relay["condition"] == "enableRelay"
    enable = parse(MAIN_BICEP)["variables"]["enableRelay"]["value"]
    assert enable["operator"]["type"] == "not"
    assert enable["operator"]["operands"]["bool_value"] == {
        "function": {"type": "empty", "parameters": {"item_to_test": "onPremEndpoint"}}
    }
    assert relay["params"]["onPremEndpoint"] == "onPremEndpoint"
    namespace = one("Microsoft.Relay/namespaces")
    assert namespace.file == INFRA_DIR / relay["path"]


def test_relay_namespace_and_hybrid_connection() -> None:
    namespace = one("Microsoft.Relay/namespaces")
    assert namespace.api_version == "2021-11-01"
    assert namespace.config["sku"] == {"name": "Standard", "tier": "Standard"}
    hc = one("Microsoft.Relay/namespaces/hybridConnections")
    assert hc.api_version == "2021-11-01"
    assert hc.config["parent"] == namespace.symbol
    assert hc.properties["requiresClientAuthorization"] is True
    metadata = function_call(hc.properties["userMetadata"])
    assert metadata is not None
    assert metadata[0] == "string", "userMetadata is a JSON string"
    assert metadata[1] == [[{"key": "endpoint", "value": "onPremEndpoint"}]]


def test_relay_send_and_listen_rules_are_separate_and_least_privilege() -> None:
    hc = one("Microsoft.Relay/namespaces/hybridConnections")
    rules = declared("Microsoft.Relay/namespaces/hybridConnections/authorizationRules")
    rights = sorted(tuple(r.properties["rights"]) for r in rules)
    assert rights == [("Listen",), ("Send",)]
    assert all(r.config["parent"] == hc.symbol for r in rules)
    # No namespace-level rule other than Azure's own RootManageSharedAccessKey.
    assert not declared("Microsoft.Relay/namespaces/authorizationRules")


def test_relay_send_key_goes_into_the_vault() -> None:
    rules = declared("Microsoft.Relay/namespaces/hybridConnections/authorizationRules")
    send = next(r for r in rules if r.properties["rights"] == ["Send"])
    secrets = declared("Microsoft.KeyVault/vaults/secrets")
    assert len(secrets) == 1
    secret = secrets[0]
    assert value_of(secret, secret.config["name"]) == "relay-send-key"
    assert secret.properties["value"] == {
        "operator": {
            "type": "property_accessor",
            "operands": {
                "operand_1": {
                    "operator": {
                        "type": "function_accessor",
                        "operands": {"operand_1": send.symbol, "func_name": "listKeys"},
                    }
                },
                "operand_2": "primaryKey",
            },
        }
    }
    relay = modules(MAIN_BICEP)["relay"]
    keyvault_name = relay["params"]["keyVaultName"]
    assert keyvault_name["operator"]["operands"]["operand_1"] == "keyVault"
    assert parse(MAIN_BICEP)["variables"][relay["params"]["sendKeySecretName"]]["value"] == (
        "relay-send-key"
    )


# --- Outputs -----------------------------------------------------------------------------------


def test_outputs_for_azd_and_the_entra_admin() -> None:
    outputs = parse(MAIN_BICEP)["outputs"]
    assert (
        outputs["SCIM_TENANT_URL"]["value"] == "https://${api.outputs.defaultHostName}/api/scim/v2"
    )
    for name in ("AZURE_FUNCTION_NAME", "SERVICE_API_NAME", "AZURE_KEY_VAULT_NAME"):
        assert name in outputs
    api_file = INFRA_DIR / modules(MAIN_BICEP)["api"]["path"]
    api_outputs = parse(api_file)["outputs"]
    site = one("Microsoft.Web/sites")
    assert site.file == api_file
    host = api_outputs["defaultHostName"]["value"]
    assert host["operator"]["operands"]["operand_1"] == site.symbol


def test_no_parameter_without_use() -> None:
    # A declared-but-unused parameter usually means a value silently not applied.
    for path in bicep_files():
        text = path.read_text()
        for name in parse(path).get("parameters", {}):
            uses = len(re.findall(rf"\b{re.escape(name)}\b", text))
            assert uses >= 2, f"{relative(path)}: parameter {name} is never used"


# --- Region, scale and the relay host ----------------------------------------------------------

AZURE_REGION = re.compile(r"^[a-z]{4,}[0-9]?$")  # eastus, westus2, southafricanorth


def test_location_is_limited_to_regions_that_offer_flex_consumption() -> None:
    location = bicep_file(MAIN_BICEP).parameters["location"]
    regions = location.allowed
    assert regions, "location has no @allowed list"
    assert len(regions) >= 10
    assert all(isinstance(r, str) and AZURE_REGION.match(r) for r in regions), regions
    assert len(set(regions)) == len(regions), "a region is listed twice"
    assert "eastus2euap" not in regions, "canary regions need an allow-listed subscription"
    # The list says where it comes from and when it was read.
    text = MAIN_BICEP.read_text()
    assert "az functionapp list-flexconsumption-locations" in text
    assert "Azure-Samples/functions-quickstart-python-http-azd" in text
    assert re.search(r"read on \d{4}-\d{2}-\d{2}", text)


OKTA_CONCURRENT_LIMIT = 75  # Okta's concurrent API calls per org


def test_default_scale_keeps_okta_concurrency_within_its_limit() -> None:
    params = bicep_file(MAIN_BICEP).parameters
    on_demand = parameter_default(MAIN_BICEP, "maximumInstanceCount")
    always_ready = parameter_default(MAIN_BICEP, "alwaysReadyInstanceCount")
    per_instance = parameter_default(MAIN_BICEP, "oktaMaxConcurrency")
    # Flex Consumption's maximumInstanceCount counts on-demand instances only; always-ready
    # instances come on top, so both count against Okta's limit.
    assert (on_demand + always_ready) * per_instance <= OKTA_CONCURRENT_LIMIT
    assert params["maximumInstanceCount"].min_value == 1
    assert params["oktaMaxConcurrency"].max_value == OKTA_CONCURRENT_LIMIT
    api = modules(MAIN_BICEP)["api"]["params"]
    assert api["maximumInstanceCount"] == "maximumInstanceCount"
    assert api["oktaMaxConcurrency"] == "oktaMaxConcurrency"
    scale = one("Microsoft.Web/sites").properties["functionAppConfig"]["scaleAndConcurrency"]
    assert scale["maximumInstanceCount"] == "maximumInstanceCount"


def test_relay_namespace_output_is_the_host_the_namespace_reports() -> None:
    # No DNS suffix is written anywhere: the host comes from the namespace's own endpoint.
    for path in bicep_files():
        assert "servicebus.windows.net" not in path.read_text(), relative(path)
    namespace = one("Microsoft.Relay/namespaces")
    host = parse(namespace.file)["outputs"]["namespaceHost"]["value"]
    # split(split(<ns>.properties.serviceBusEndpoint, '/')[2], ':')[0]
    outer = host["operator"]
    assert outer["type"] == "index_accessor"
    outer_split = outer["operands"]["operand_1"]["function"]
    inner = outer_split["parameters"]["input_string"]["operator"]
    inner_split = inner["operands"]["operand_1"]["function"]
    source = inner_split["parameters"]["input_string"]["operator"]["operands"]
    assert source["operand_1"] == namespace.symbol
    assert source["operand_2"]["operator"]["operands"] == {
        "operand_1": "properties",
        "operand_2": "serviceBusEndpoint",
    }
    read = resource_property_kind(type_data())
    ns_decl = bicep_file(namespace.file).resources[namespace.symbol]
    assert read(ns_decl, ("properties", "serviceBusEndpoint")) == "string"

    def host_of(endpoint: str) -> str:  # the template's own delimiters and indexes
        first = endpoint.split(inner_split["parameters"]["delimiter"])[
            inner["operands"]["operand_2"]
        ]
        host = first.split(outer_split["parameters"]["delimiter"])[outer["operands"]["operand_2"]]
        return str(host)

    assert host_of("https://relay-abc.servicebus.windows.net:443/") == (
        "relay-abc.servicebus.windows.net"
    )
    assert host_of("https://relay-abc.servicebus.usgovcloudapi.net:443/") == (
        "relay-abc.servicebus.usgovcloudapi.net"
    )
    no_port = host_of("https://relay-abc.servicebus.windows.net/")
    assert no_port == "relay-abc.servicebus.windows.net"
    main = parse(MAIN_BICEP)
    for use in (
        main["outputs"]["AZURE_RELAY_NAMESPACE"]["value"],
        modules(MAIN_BICEP)["api"]["params"]["relayNamespaceHost"],
    ):
        branches = conditional(use)
        assert branches is not None
        assert branches[0] == "enableRelay"
        assert branches[1]["operator"]["operands"]["operand_1"] == "relay"
        assert branches[1]["operator"]["operands"]["operand_2"]["operator"]["operands"] == {
            "operand_1": "outputs",
            "operand_2": "namespaceHost",
        }
        assert branches[2] == ""
