from __future__ import annotations

from .harness import Stack, new_user, patch


def test_create_read_patch_delete(okta_stack: Stack) -> None:
    with okta_stack.client() as scim:
        created = scim.post("/Users", json=new_user("alice@example.com"))
        assert created.status_code == 201, created.text
        user_id = created.json()["id"]
        got = scim.get(f"/Users/{user_id}")
        assert got.status_code == 200
        assert got.json()["userName"] == "alice@example.com"
        changed = scim.patch(
            f"/Users/{user_id}",
            json=patch({"op": "Replace", "path": "displayName", "value": "Alice"}),
        )
        assert changed.status_code == 200, changed.text
        assert changed.json()["displayName"] == "Alice"
        assert okta_stack.okta_user("alice@example.com")["profile"]["displayName"] == "Alice"
        assert scim.delete(f"/Users/{user_id}").status_code == 204
        assert scim.get(f"/Users/{user_id}").status_code == 404
        assert okta_stack.okta_users() == []
