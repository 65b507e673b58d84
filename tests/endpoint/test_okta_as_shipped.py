"""Entra's user sequence against an Okta org as Okta ships it, the simulator's defaults: search
and activation that lag, the concurrency limit, edits of deactivated users refused (403
E0000038). Every step gets the answer Entra needs, on the real clock."""

from __future__ import annotations

import uuid
from dataclasses import replace

from oktasim import SimulatorOptions

from .harness import OKTA_TOKEN, new_user, patch, stack


def test_entra_sequence_against_okta_as_shipped() -> None:
    options = SimulatorOptions(token=OKTA_TOKEN)
    assert options.search_lag_ms > 0
    assert options.activation_ms > 0
    # Okta's lags as shipped, but an activation long enough that the PATCH right after the
    # create surely meets it, however slow the machine (the connector waits it out).
    options = replace(options, activation_ms=3000.0)
    with stack(options) as okta, okta.client() as scim:
        probe = scim.get("/Users", params={"filter": f'userName eq "{uuid.uuid4()}"'})
        assert (probe.status_code, probe.json()["totalResults"]) == (200, 0)
        created = scim.post("/Users", json=new_user("shipped@example.com"))
        assert created.status_code == 201, created.text
        user_id = created.json()["id"]
        # Entra's second matching attribute, at once: Okta's search has not caught up yet, and
        # the user this instance just wrote is read by id.
        by_external = scim.get("/Users", params={"filter": 'externalId eq "shipped"'})
        assert [r["id"] for r in by_external.json()["Resources"]] == [user_id]
        # Okta is still activating the new user (409 E0000112): the update lands once it is done.
        title = {"op": "Replace", "path": "title", "value": "Engineer"}
        updated = scim.patch(f"/Users/{user_id}", json=patch(title))
        assert updated.status_code == 200, updated.text
        assert updated.json()["title"] == "Engineer"
        assert any(status == 409 for _, _, status in okta.calls())
        # Matching reads Okta consistently, whatever its search index shows yet.
        matched = scim.get("/Users", params={"filter": 'userName eq "shipped@example.com"'})
        assert [r["id"] for r in matched.json()["Resources"]] == [user_id]
        off = patch({"op": "Replace", "path": "active", "value": "False"})
        assert scim.patch(f"/Users/{user_id}", json=off).json()["active"] is False
        # An edit of the deactivated user (not one it already holds) is refused with its fix.
        other = {"op": "Replace", "path": "title", "value": "Architect"}
        refused = scim.patch(f"/Users/{user_id}", json=patch(other))
        assert refused.status_code == 400
        assert "Edit Deactivated User Profile Updates" in refused.json()["detail"]
        back = patch(
            {"op": "Replace", "path": "title", "value": "Returned"},
            {"op": "Replace", "path": "active", "value": "True"},
        )
        returned = scim.patch(f"/Users/{user_id}", json=back)
        assert returned.status_code == 200, returned.text
        assert (returned.json()["title"], returned.json()["active"]) == ("Returned", True)
        assert scim.delete(f"/Users/{user_id}").status_code == 204
        assert scim.get(f"/Users/{user_id}").status_code == 404
    assert okta.okta_users() == []
