"""Switching an Entra app from ECMA2Host to this connector: the ids Entra cached from ECMA2Host
(derived from the anchor, here the login, in a form Microsoft does not document) are never
taken for a user here. Each is a 404 (Entra's InvalidAnchor, which the README's migration steps
resolve with a full restart), nothing is written, and the re-match by login then finds the
user Okta already has instead of creating a second one."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from .harness import ECMA, Stack, new_user, patch

LOGIN = "migrated@example.com"


@pytest.mark.parametrize("old_id", [LOGIN, "migrated", f"CN={LOGIN},OBJECT=USER"])
def test_an_ecma2host_era_id_is_not_found_and_changes_nothing(
    okta_stack: Stack, old_id: str
) -> None:
    with okta_stack.client() as scim:
        created = scim.post("/Users", json=new_user(LOGIN, title="Kept"))
        assert created.status_code == 201
        path = f"/Users/{quote(old_id, safe='')}"
        writes = len(okta_stack.writes())
        assert scim.get(path).status_code == 404
        title = patch({"op": "Replace", "path": "title", "value": "Changed"})
        assert scim.patch(path, json=title).status_code == 404
        assert scim.delete(path).status_code == 404
        assert okta_stack.writes()[writes:] == []
        # Entra's re-match after the restart: by the ECMA2Host anchor or the generated
        # PLACEHOLDER, both answered from the user Okta already has.
        for matching in (f'{ECMA}:login eq "{LOGIN}"', f'PLACEHOLDER eq "{LOGIN}"'):
            found = scim.get("/Users", params={"filter": matching}).json()["Resources"]
            assert [u["id"] for u in found] == [created.json()["id"]]
    assert okta_stack.okta_user(LOGIN)["profile"]["title"] == "Kept"
