"""docs/operations.md covers every alert the templates create, names only fields the request
record has, and is linked from the README and the deployment guide."""

from __future__ import annotations

import re
from pathlib import Path

from infra._bicep import one, parse

from connector.http.request_record import REQUEST_ID_HEADERS

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "docs" / "operations.md").read_text(encoding="utf-8")
RECORD = (ROOT / "connector" / "http" / "request_record.py").read_text(encoding="utf-8")


def _alert_names() -> set[str]:
    rules = one("Microsoft.Insights/scheduledQueryRules")
    assert rules.loop is not None
    alerts = parse(rules.file)["variables"][rules.loop["array_name"]]["value"]
    return {a["name"] for a in alerts} | {"relay-listener-gone"}


def test_every_alert_has_a_row_saying_what_to_do() -> None:
    names = _alert_names()
    assert len(names) == 5
    for name in names:
        assert f"| `{name}` |" in DOC, name


def test_the_doc_names_only_fields_the_record_has() -> None:
    fields = set(re.findall(r"customDimensions\.(\w+)", DOC))
    assert fields
    for field in fields:
        assert f'"{field}":' in RECORD, field
    for field in re.findall(r"^\| `(\w+)`(?:, `(\w+)`)? \|", DOC, re.MULTILINE):
        for name in filter(None, field):
            assert f'"{name}":' in RECORD, name


def test_the_doc_states_the_request_id_finding_and_the_headers_read() -> None:
    for header in REQUEST_ID_HEADERS:
        assert f"`{header}`" in DOC
    assert "SCIMReferenceCode" in DOC
    assert "use-scim-to-provision-users-and-groups.md" in DOC


def test_the_runbooks_are_there() -> None:
    for secret in ("scim-bearer-token-previous", "okta-api-token", "relay-send-key"):
        assert secret in DOC
    for section in (
        "### Following one failed provisioning",
        "### Rotating secrets",
        "### Upgrading",
    ):
        assert section in DOC
    assert "/api/health?deep=true" in DOC


def test_it_is_linked_from_the_readme_and_the_deployment_guide() -> None:
    assert "(docs/operations.md)" in (ROOT / "README.md").read_text(encoding="utf-8")
    assert "(operations.md)" in (ROOT / "docs" / "deploy-to-azure.md").read_text(encoding="utf-8")
