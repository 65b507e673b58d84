"""Alerts reach the admin by email, and the vault, relay and storage logs reach Log Analytics.

The resources themselves are type-checked by test_infra_types; these tests pin what they watch.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from connector.http.request_record import EVENT

from ._bicep import INFRA_DIR, MAIN_BICEP, all_resources, declared, modules, one, parse

ROOT = Path(__file__).resolve().parents[2]


def _alerts_module() -> dict[str, Any]:
    return modules(MAIN_BICEP)["alerts"]


def _log_alerts() -> list[dict[str, Any]]:
    rules = one("Microsoft.Insights/scheduledQueryRules")
    assert rules.loop is not None, "the log alerts are one looped declaration"
    alerts: list[dict[str, Any]] = parse(rules.file)["variables"][rules.loop["array_name"]]["value"]
    return alerts


def test_alerts_are_deployed_only_with_an_email_address() -> None:
    alerts = _alerts_module()
    assert alerts["condition"] == {
        "operator": {
            "type": "not",
            "operands": {
                "bool_value": {
                    "function": {"type": "empty", "parameters": {"item_to_test": "alertEmail"}}
                }
            },
        }
    }
    assert alerts["params"]["alertEmail"] == "alertEmail"
    assert parse(MAIN_BICEP)["parameters"]["alertEmail"]["default"] == ""
    assert (INFRA_DIR / alerts["path"]).resolve() == one("Microsoft.Insights/actionGroups").file


def test_the_action_group_emails_the_admin() -> None:
    group = one("Microsoft.Insights/actionGroups")
    receivers = group.properties["emailReceivers"]
    assert [r["emailAddress"] for r in receivers] == ["alertEmail"]
    assert group.properties["enabled"] is True
    assert len(group.properties["groupShortName"]) <= 12  # ARM's limit


def test_log_alerts_watch_the_scim_symptoms() -> None:
    queries = {a["name"]: a["query"] for a in _log_alerts()}
    assert set(queries) == {
        "scim-5xx-rate",
        "scim-401-spike",
        "scim-target-throttling",
        "function-errors",
    }
    status = "toint(customDimensions.scim_status)"
    assert f"countif({status} >= 500)" in queries["scim-5xx-rate"]
    assert f"{status} == 401" in queries["scim-401-spike"]
    assert f"{status} in (429, 503)" in queries["scim-target-throttling"]
    assert queries["function-errors"].startswith("exceptions")


def test_scim_alerts_count_the_connectors_own_records() -> None:
    # Not the requests table: with telemetryMode OpenTelemetry the host's request rows are its
    # ASP.NET Core spans, named after the method and route (no scim_* function name to select
    # by), and in the classic mode host.json's "Host.Results": "Error" keeps only failed
    # executions, which a 401 or a 503 the function answered is not. The record is written for
    # every SCIM request whatever the host does (connector/http/request_record.py).
    selector = f'traces | where customDimensions.event == "{EVENT}"'
    for alert in _log_alerts():
        if alert["name"].startswith("scim-"):
            assert alert["query"].startswith(selector), alert["name"]


def test_the_alert_fields_are_fields_of_the_record() -> None:
    record = (ROOT / "connector" / "http" / "request_record.py").read_text(encoding="utf-8")
    for alert in _log_alerts():
        for field in re.findall(r"customDimensions\.(\w+)", alert["query"]):
            assert f'"{field}":' in record, (alert["name"], field)


def test_log_alerts_query_application_insights_and_notify_the_group() -> None:
    rules = one("Microsoft.Insights/scheduledQueryRules")
    props = rules.properties
    # The module reads the one Application Insights component; it does not create a second.
    read = [
        r
        for r in all_resources()
        if r.file == rules.file and r.type == "Microsoft.Insights/components"
    ]
    assert len(read) == 1
    assert read[0].existing
    assert one("Microsoft.Insights/components").file != rules.file
    scope = props["scopes"][0]["operator"]["operands"]
    assert scope == {"operand_1": read[0].symbol, "operand_2": "id"}
    group = one("Microsoft.Insights/actionGroups")
    assert props["actions"]["actionGroups"][0]["operator"]["operands"]["operand_1"] == group.symbol
    assert props["windowSize"] == "PT15M"


def test_relay_listener_alert_only_with_a_relay() -> None:
    alert = one("Microsoft.Insights/metricAlerts")
    assert alert.condition is not None, "no relay, no listener to watch"
    [scope] = alert.properties["scopes"]
    assert scope["function"]["type"] == "resource_id"
    arguments = {k: v for k, v in scope["function"]["parameters"].items() if v is not None}
    assert arguments == {
        "resource_type": "Microsoft.Relay/namespaces",
        "resource_name_1": "relayNamespaceName",
    }
    criterion = alert.properties["criteria"]["allOf"][0]
    assert criterion["metricNamespace"] == "Microsoft.Relay/namespaces"
    assert criterion["metricName"] == "ActiveListeners"
    assert criterion["operator"] == "LessThan"
    assert criterion["threshold"] == 1
    assert criterion["dimensions"][0]["name"] == "EntityName"
    assert criterion["dimensions"][0]["values"] == ["relayHybridConnectionName"]
    params = _alerts_module()["params"]
    for name in ("relayNamespaceName", "relayHybridConnectionName"):
        branches = params[name]["operator"]["operands"]
        assert branches["condition"] == "enableRelay"
        assert branches["false_value"] == ""


def _diagnostics_on(target_symbol: str) -> list[str]:
    found = []
    for setting in declared("Microsoft.Insights/diagnosticSettings"):
        if setting.config.get("scope") == target_symbol:
            assert setting.properties["workspaceId"] == "logAnalyticsWorkspaceId"
            found += [log["category"] for log in setting.properties["logs"] if log["enabled"]]
    return found


def test_vault_relay_and_blob_logs_go_to_log_analytics() -> None:
    vault = one("Microsoft.KeyVault/vaults")
    namespace = one("Microsoft.Relay/namespaces")
    blobs = one("Microsoft.Storage/storageAccounts/blobServices")
    assert _diagnostics_on(vault.symbol) == ["AuditEvent"]
    assert _diagnostics_on(namespace.symbol) == ["HybridConnectionsEvent"]
    assert sorted(_diagnostics_on(blobs.symbol)) == ["StorageDelete", "StorageRead", "StorageWrite"]
    assert len(declared("Microsoft.Insights/diagnosticSettings")) == 3
    workspace = "monitoring.outputs.logAnalyticsWorkspaceId"
    main = MAIN_BICEP.read_text()
    for module in ("keyVault", "relay", "storage"):
        passed = modules(MAIN_BICEP)[module]["params"]["logAnalyticsWorkspaceId"]
        assert passed["operator"]["operands"]["operand_1"] == "monitoring"
    assert main.count(f"logAnalyticsWorkspaceId: {workspace}") == 3
