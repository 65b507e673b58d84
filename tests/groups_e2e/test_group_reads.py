"""Reading one group with its members left out: the attribute named short or by its full name
(RFC 7644 §3.10 allows either), members neither shown nor read from Okta."""

from __future__ import annotations

import pytest
from endpoint.harness import new_user, patch, stack
from rest_e2e.group_sequences import GROUP, new_group


@pytest.mark.parametrize("name", ["members", f"{GROUP}:members", f"{GROUP.upper()}:Members"])
def test_members_excluded_by_either_name_are_neither_shown_nor_read(name: str) -> None:
    with stack() as okta, okta.client() as scim:
        group = scim.post("/Groups", json=new_group("Read")).json()["id"]
        user = scim.post("/Users", json=new_user("read@example.com")).json()["id"]
        add = patch({"op": "add", "path": "members", "value": [{"value": user}]})
        assert scim.patch(f"/Groups/{group}", json=add).status_code == 204
        before = len(okta.sim.request_log)
        answer = scim.get(f"/Groups/{group}", params={"excludedAttributes": name})
        assert answer.status_code == 200, answer.text
        assert "members" not in answer.json()
        assert answer.json()["displayName"] == "Read"
        assert [(m, p) for m, p, _ in okta.sim.request_log[before:]] == [
            ("GET", f"/api/v1/groups/{group}")
        ]
