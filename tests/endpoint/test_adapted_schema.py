"""Adapting the connector: a replacement Schema.xml and mapping.json, as the README describes."""

from __future__ import annotations

import json
from pathlib import Path

from connector.mapping.catalog import PACKAGED_DIR

from .harness import ECMA, new_user, okta_options, patch, stack

EXTRA = """        <SchemaAttribute>
          <Name>badgeNumber</Name>
          <DataType>String</DataType>
          <IsMultiValued>0</IsMultiValued>
          <IsAnchor>0</IsAnchor>
          <AllowedAttributeOperation>ImportExport</AllowedAttributeOperation>
        </SchemaAttribute>
      </Attributes>"""


def _adapted(tmp_path: Path) -> dict[str, str]:
    xml = (PACKAGED_DIR / "Schema.xml").read_text(encoding="utf-8")
    (tmp_path / "Schema.xml").write_text(xml.replace("      </Attributes>", EXTRA, 1))
    mapping = json.loads((PACKAGED_DIR / "mapping.json").read_text(encoding="utf-8"))
    mapping["ecma2host"]["badgeNumber"] = "badge"
    (tmp_path / "mapping.json").write_text(json.dumps(mapping))
    return {
        "SCHEMA_XML_PATH": str(tmp_path / "Schema.xml"),
        "SCHEMA_MAPPING_PATH": str(tmp_path / "mapping.json"),
    }


def test_a_new_schema_attribute_reaches_a_custom_okta_attribute(tmp_path: Path) -> None:
    options = okta_options(custom_attributes=("scimExternalId", "badge"))
    with stack(options, **_adapted(tmp_path)) as running, running.client() as scim:
        schema = scim.get(f"/Schemas/{ECMA}").json()
        assert "badgeNumber" in [a["name"] for a in schema["attributes"]]
        body = new_user("badge@example.com", **{ECMA: {"badgeNumber": "B-17"}})
        created = scim.post("/Users", json=body)
        assert created.status_code == 201, created.text
        assert created.json()[ECMA]["badgeNumber"] == "B-17"
        user_id = created.json()["id"]
        path = f"{ECMA}:badgeNumber"
        changed = scim.patch(
            f"/Users/{user_id}", json=patch({"op": "Replace", "path": path, "value": "B-18"})
        )
        assert changed.json()[ECMA]["badgeNumber"] == "B-18"
        found = scim.get("/Users", params={"filter": f'{path} eq "B-18"'}).json()
        assert [r["id"] for r in found["Resources"]] == [user_id]
    assert running.okta_user("badge@example.com")["profile"]["badge"] == "B-18"


def test_an_inconsistent_schema_is_a_clear_error_not_a_crash(tmp_path: Path) -> None:
    env = _adapted(tmp_path)
    mapping = json.loads(Path(env["SCHEMA_MAPPING_PATH"]).read_text())
    del mapping["ecma2host"]["badgeNumber"]  # Schema.xml declares it, the mapping forgets it
    Path(env["SCHEMA_MAPPING_PATH"]).write_text(json.dumps(mapping))
    with stack(None, **env) as running, running.client() as scim:
        response = scim.get("/Users", params={"filter": 'userName eq "x@example.com"'})
    assert response.status_code == 503
    assert "badgeNumber" in response.json()["detail"]
    assert "doctor" in response.json()["detail"]
