"""A described application's calls in the request record: the description's path templates,
never the values filled into them (a login in a lookup path, an account id)."""

from __future__ import annotations

from pathlib import Path

import yaml
from endpoint.harness import new_user
from rest_e2e.harness import SAMPLE, ledgerline_stack

from .conftest import Records
from .support import calls_of


def test_calls_are_recorded_by_their_description_templates(
    records: Records, tmp_path: Path
) -> None:
    description = yaml.safe_load((SAMPLE / "description.yaml").read_text())
    # A find by a lookup path puts the login itself into the path.
    description["users"]["find"][0] = {
        "attribute": "login",
        "path": "/accounts/by-username/{value}",
        "result": "/data",
    }
    changed = tmp_path / "description.yaml"
    changed.write_text(yaml.safe_dump(description, sort_keys=False))
    with ledgerline_stack(TARGET_DESCRIPTION=str(changed)) as rest, rest.client() as scim:
        created = scim.post("/Users", json=new_user("ada.lovelace@example.com")).json()
        scim.get(f"/Users/{created['id']}")
        scim.get("/Users", params={"filter": 'userName eq "ada.lovelace@example.com"'})
    create, read, lookup = records.fields()[-3:]
    assert [c["path"] for c in calls_of(create)] == ["/accounts"]
    assert [c["path"] for c in calls_of(read)] == ["/accounts/{id}"]
    assert [c["path"] for c in calls_of(lookup)] == ["/accounts/by-username/{value}"]
    text = repr(records.fields())
    assert "ada.lovelace" not in text
    assert f"/accounts/{created['id']}" not in text
