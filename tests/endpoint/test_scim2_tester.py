"""scim2-tester's compliance checks for the User resource, over HTTP, every check SUCCESS.

scim2-tester fills every advertised attribute with independent random strings and expects each
to round-trip on its own. Three things of the packaged configuration cannot meet that, for
reasons of the target rather than of SCIM, so this run uses the packaged mapping without them
(each is covered by the connector's own tests instead):

- the ECMA2Host view aliases core attributes (`…:ECMA2Host:2.0:User:email` and
  `emails[type eq "work"].value` are the same Okta `email`), so two random values for one Okta
  attribute cannot both come back;
- Okta's `countryCode` holds at most two letters, and a random string is longer;
- Okta requires `email`, and a random `emails` element of type `home` alone leaves it blank.

The Okta org behind it has a relaxed login pattern (`.+`, a setting Okta offers), because the
tester's userNames are UUIDs rather than email addresses, and allows edits of deactivated users
("Edit Deactivated User Profile Updates"), because the tester creates users with a random
`active` and then edits them (that refusal has its own tests, test_lifecycle_settings.py).
"""

from __future__ import annotations

import json
from pathlib import Path

import httpx2
from scim2_client.engines.httpx2 import SyncSCIMClient
from scim2_tester import Status, check_server

from connector.mapping.catalog import PACKAGED_DIR

from .harness import BEARER, okta_options, stack


def _tester_mapping(tmp_path: Path) -> Path:
    mapping = json.loads((PACKAGED_DIR / "mapping.json").read_text(encoding="utf-8"))
    del mapping["ecma2host"]
    del mapping["scim"]['addresses[type eq "work"].country']
    del mapping["scim"]['emails[type eq "home"].value']
    path = tmp_path / "mapping.json"
    path.write_text(json.dumps(mapping), encoding="utf-8")
    return path


def test_every_user_check_succeeds(tmp_path: Path) -> None:
    options = okta_options(any_login=True, deprovisioned_updates="allow")
    with stack(options, SCHEMA_MAPPING_PATH=str(_tester_mapping(tmp_path))) as running:
        client = SyncSCIMClient(
            httpx2.Client(
                base_url=running.tenant_url, headers={"Authorization": f"Bearer {BEARER}"}
            )
        )
        results = check_server(client, resource_types=["User"])
    failures = [(r.title, r.status, r.reason) for r in results if r.status != Status.SUCCESS]
    assert failures == []
    assert len(results) >= 80
