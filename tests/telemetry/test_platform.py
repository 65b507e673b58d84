"""What the Functions platform needs for OpenTelemetry, and the ready-made workbook in infra.

Microsoft's "Use OpenTelemetry with Azure Functions" asks for `"telemetryMode": "OpenTelemetry"`
in host.json and APPLICATIONINSIGHTS_CONNECTION_STRING (plus, with local auth off, the
managed identity through APPLICATIONINSIGHTS_AUTHENTICATION_STRING and Monitoring Metrics
Publisher, which infra already grants). The connector sets the distro up itself, lazily, so the
app must not ask the Python worker to do it at start (PYTHON_APPLICATIONINSIGHTS_ENABLE_TELEMETRY).
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from infra._bicep import (
    INFRA_DIR,
    MAIN_BICEP,
    declared,
    literal_object_entries,
    modules,
    one,
    parse,
)
from infra._bicep_types import check_files

from connector.http.request_record import EVENT

ROOT = Path(__file__).resolve().parents[2]
WORKBOOK_JSON = INFRA_DIR / "core" / "workbook.json"
FIELDS = {
    "operation",
    "scim_status",
    "scim_type",
    "duration_ms",
    "target_calls",
    "target_429s",
    "target_call_list",
    "retries",
    "reason",
    "budget_exhausted",
}


def test_host_json_turns_opentelemetry_on() -> None:
    host = json.loads((ROOT / "host.json").read_text(encoding="utf-8"))
    assert host["telemetryMode"] == "OpenTelemetry"


def test_the_distro_is_a_pinned_runtime_requirement() -> None:
    lines = (ROOT / "requirements.txt").read_text(encoding="utf-8").splitlines()
    pins = dict(line.split("==", 1) for line in lines if "==" in line and not line.startswith("#"))
    assert re.fullmatch(r"\d+\.\d+\.\d+", pins["azure-monitor-opentelemetry"])
    assert pins["opentelemetry-sdk"] == pins["opentelemetry-api"]


def _app_settings() -> dict[str, Any]:
    [settings] = [
        r for r in declared("Microsoft.Web/sites/config") if r.config["name"] == "appsettings"
    ]
    parsed = parse(settings.file)
    entries: dict[str, Any] = {}
    for variable in parsed["variables"].values():
        value = variable["value"]
        if isinstance(value, dict):
            entries.update(literal_object_entries(value, parsed))
    return entries


def test_infra_gives_the_connector_application_insights_and_nothing_that_configures_twice() -> None:
    settings = _app_settings()
    assert "APPLICATIONINSIGHTS_CONNECTION_STRING" in settings
    assert settings["APPLICATIONINSIGHTS_AUTHENTICATION_STRING"].endswith("Authorization=AAD")
    # The worker would call configure_azure_monitor at start, eagerly and with httpx
    # instrumentation that exports full target URLs; the connector does it on first use.
    assert "PYTHON_APPLICATIONINSIGHTS_ENABLE_TELEMETRY" not in settings
    assert "PYTHON_ENABLE_OPENTELEMETRY" not in settings


def _workbook_items() -> list[dict[str, Any]]:
    data = json.loads(WORKBOOK_JSON.read_text(encoding="utf-8"))
    assert data["version"] == "Notebook/1.0"
    items: list[dict[str, Any]] = data["items"]
    return items


def test_the_workbook_is_deployed_on_the_application_insights_of_the_deployment() -> None:
    workbook = one("Microsoft.Insights/workbooks")
    assert workbook.config["kind"] == "shared"
    properties = workbook.properties
    assert properties["category"] == "workbook"
    assert properties["version"] == "Notebook/1.0"
    assert properties["sourceId"]["operator"]["operands"]["operand_2"] == "id"
    module = modules(MAIN_BICEP)["workbook"]
    assert module["params"]["applicationInsightsName"]["operator"]["operands"]["operand_1"] == (
        "monitoring"
    )
    assert "condition" not in module or module["condition"] is None


def test_the_workbook_queries_read_the_request_records_fields() -> None:
    queries = [i["content"]["query"] for i in _workbook_items() if i["type"] == 3]
    titles = [i["content"]["title"] for i in _workbook_items() if i["type"] == 3]
    assert len(queries) >= 5
    for query in queries:
        assert query.startswith(f'traces\n| where customDimensions.event == "{EVENT}"')
    used = {m for q in queries for m in re.findall(r"customDimensions\.(\w+)", q)}
    assert used - {"event"} == FIELDS
    text = "\n".join(queries)
    for needed in ("percentile(duration, 50)", "percentile(duration, 95)", "target_429s", "reason"):
        assert needed in text
    assert any("over time" in t.lower() and "reason" in t.lower() for t in titles)


def test_the_record_has_every_field_the_workbook_reads() -> None:
    # The names in the queries are the `extra` keys of connector/http/request_record.py.
    source = (ROOT / "connector" / "http" / "request_record.py").read_text(encoding="utf-8")
    for field in FIELDS | {"event"}:
        assert f'"{field}":' in source, field


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("serializedData:", "serialisedData:", "unknown property"),
        ("kind: 'shared'", "kind: 42", "kind"),
        (
            "'Microsoft.Insights/workbooks@2023-06-01'",
            "'Microsoft.Insights/workbooks@2023-06-02'",
            "does not exist",
        ),
    ],
)
def test_a_broken_workbook_fails_the_type_check(
    tmp_path: Path, old: str, new: str, message: str
) -> None:
    copy = tmp_path / "infra"
    shutil.copytree(INFRA_DIR, copy)
    target = copy / "core" / "workbook.bicep"
    text = target.read_text(encoding="utf-8")
    assert old in text
    target.write_text(text.replace(old, new, 1), encoding="utf-8")
    problems = check_files(sorted(copy.rglob("*.bicep")), root=tmp_path)
    assert [p for p in problems if p.file == "infra/core/workbook.bicep" and message in str(p)], (
        "\n".join(str(p) for p in problems)
    )
