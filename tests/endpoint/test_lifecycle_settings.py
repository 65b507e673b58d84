"""The lifecycle settings: OKTA_DISABLE_MODE=suspend and OKTA_ACTIVATE_ON_CREATE=false."""

from __future__ import annotations

import pytest

from .harness import new_user, okta_options, patch, stack

OFF = patch({"op": "Replace", "path": "active", "value": "False"})
ON = patch({"op": "Replace", "path": "active", "value": "True"})


def test_suspend_mode_suspends_active_users_and_unsuspends_them() -> None:
    options = okta_options()
    with stack(options, OKTA_DISABLE_MODE="suspend") as running, running.client() as scim:
        user_id = scim.post("/Users", json=new_user("sus@example.com")).json()["id"]
        running.sim.force_status(user_id, "ACTIVE")  # the user completed Okta's activation
        off = scim.patch(f"/Users/{user_id}", json=OFF)
        assert off.json()["active"] is False
        assert running.okta_user("sus@example.com")["status"] == "SUSPENDED"
        found = scim.get("/Users", params={"filter": "active eq false"}).json()
        assert [r["id"] for r in found["Resources"]] == [user_id]
        assert scim.get(f"/Users/{user_id}").json()["active"] is False
        on = scim.patch(f"/Users/{user_id}", json=ON)
        assert on.json()["active"] is True
        assert running.okta_user("sus@example.com")["status"] == "ACTIVE"
        lifecycle = [p for m, p, _ in running.calls() if "/lifecycle/" in p]
        assert [p.rsplit("/", 1)[1] for p in lifecycle] == ["suspend", "unsuspend"]


def test_suspend_mode_deactivates_users_okta_cannot_suspend() -> None:
    """Okta suspends only ACTIVE users; one still PROVISIONED is deactivated instead."""
    options = okta_options()
    with stack(options, OKTA_DISABLE_MODE="suspend") as running, running.client() as scim:
        user_id = scim.post("/Users", json=new_user("prov@example.com")).json()["id"]
        assert running.okta_user("prov@example.com")["status"] == "PROVISIONED"
        assert scim.patch(f"/Users/{user_id}", json=OFF).json()["active"] is False
        assert running.okta_user("prov@example.com")["status"] == "DEPROVISIONED"
        assert scim.patch(f"/Users/{user_id}", json=ON).json()["active"] is True


def test_staged_creation_without_activation_emails() -> None:
    options = okta_options()
    with stack(options, OKTA_ACTIVATE_ON_CREATE="false") as running, running.client() as scim:
        created = scim.post("/Users", json=new_user("staged@example.com"))
        assert created.status_code == 201
        # STAGED is not disabled: Entra sees the active user it asked for, and no re-PATCH.
        assert created.json()["active"] is True
        assert running.okta_user("staged@example.com")["status"] == "STAGED"
        assert running.sim.emails_sent == []
        assert "activate=false" in running.calls()[0][1]


def test_creating_an_inactive_user() -> None:
    options = okta_options()
    with stack(options) as running, running.client() as scim:
        created = scim.post("/Users", json=new_user("off@example.com", active=False))
        assert created.json()["active"] is False
        assert running.okta_user("off@example.com")["status"] == "DEPROVISIONED"
        assert running.sim.emails_sent == []


@pytest.mark.parametrize(
    "answer",
    [
        pytest.param("refuse", id="403-E0000038"),  # Okta's support articles: every org
        pytest.param("refuse-404", id="404-E0000007"),  # one third-party report
    ],
)
def test_an_org_that_refuses_edits_of_deactivated_users(answer: str) -> None:
    options = okta_options(deprovisioned_updates=answer)
    title = {"op": "Replace", "path": "title", "value": "Back"}
    with stack(options) as running, running.client() as scim:
        user_id = scim.post("/Users", json=new_user("edit@example.com")).json()["id"]
        assert scim.patch(f"/Users/{user_id}", json=OFF).json()["active"] is False
        # Editing while deactivated: a clear 400 with the fix, never a 503 that Entra retries
        # forever, nor a 404 for a user that exists.
        refused = scim.patch(f"/Users/{user_id}", json=patch(title))
        assert refused.status_code == 400, refused.text
        assert "Edit Deactivated User Profile Updates" in refused.json()["detail"]
        assert "Retry-After" not in refused.headers
        # Editing while re-enabling: reactivate first, then edit.
        both = patch(title, {"op": "Replace", "path": "active", "value": "True"})
        changed = scim.patch(f"/Users/{user_id}", json=both)
        assert changed.status_code == 200, changed.text
        assert (changed.json()["title"], changed.json()["active"]) == ("Back", True)
    profile = running.okta_user("edit@example.com")
    assert profile["profile"]["title"] == "Back"
    assert profile["status"] != "DEPROVISIONED"


def test_an_org_that_allows_edits_of_deactivated_users() -> None:
    options = okta_options(deprovisioned_updates="allow")
    title = {"op": "Replace", "path": "title", "value": "Archived"}
    with stack(options) as running, running.client() as scim:
        user_id = scim.post("/Users", json=new_user("kept@example.com")).json()["id"]
        assert scim.patch(f"/Users/{user_id}", json=OFF).json()["active"] is False
        edited = scim.patch(f"/Users/{user_id}", json=patch(title))
        assert edited.status_code == 200, edited.text
        assert (edited.json()["title"], edited.json()["active"]) == ("Archived", False)
    assert running.okta_user("kept@example.com")["status"] == "DEPROVISIONED"


def test_a_resent_disable_and_edit_whose_first_try_landed_succeeds() -> None:
    """Entra resends a PATCH whose answer it lost: the edit and the deactivation both landed,
    and an org that refuses edits of deactivated users must not turn the resend into a 400."""
    options = okta_options()  # refuses edits of deactivated users, as Okta ships
    both = patch(
        {"op": "Replace", "path": "active", "value": False},
        {"op": "Replace", "path": "title", "value": "Second"},
    )
    with stack(options) as running, running.client() as scim:
        user_id = scim.post("/Users", json=new_user("resent@example.com")).json()["id"]
        assert scim.patch(f"/Users/{user_id}", json=both).status_code == 200
        before = len(running.calls())
        again = scim.patch(f"/Users/{user_id}", json=both)
        assert again.status_code == 200, again.text
        assert (again.json()["title"], again.json()["active"]) == ("Second", False)
        resent = running.calls()[before:]
        assert not [p for _, p, _ in resent if "/lifecycle/" in p]
        # A different edit of the deactivated user is still refused with its fix.
        other = patch({"op": "Replace", "path": "title", "value": "Third"})
        refused = scim.patch(f"/Users/{user_id}", json=other)
        assert refused.status_code == 400
        assert "Edit Deactivated User Profile Updates" in refused.json()["detail"]
    assert running.okta_user("resent@example.com")["profile"]["title"] == "Second"


def _put_body(login: str, **extra: object) -> dict[str, object]:
    """Entra's user body without `active`: a PUT that does not assert the state."""
    body = new_user(login, **extra)
    del body["active"]
    return body


def test_a_put_without_active_leaves_the_state_as_it_is() -> None:
    """RFC 7644 §3.5.1: an omitted readWrite attribute is not asserted. A disabled user stays
    disabled (re-enabling it would undo a deprovisioning), an enabled one stays enabled, and
    neither PUT makes a lifecycle call; `active` sent in a PUT still sets the state."""
    options = okta_options(deprovisioned_updates="allow")
    with stack(options) as running, running.client() as scim:
        user_id = scim.post("/Users", json=new_user("put.keep@example.com")).json()["id"]
        assert scim.patch(f"/Users/{user_id}", json=OFF).json()["active"] is False
        before = len(running.calls())
        kept = scim.put(f"/Users/{user_id}", json=_put_body("put.keep@example.com", title="A"))
        assert kept.status_code == 200, kept.text
        assert (kept.json()["title"], kept.json()["active"]) == ("A", False)
        assert running.okta_user("put.keep@example.com")["status"] == "DEPROVISIONED"
        assert not [p for _, p, _ in running.calls()[before:] if "/lifecycle/" in p]

        on = scim.put(f"/Users/{user_id}", json=new_user("put.keep@example.com", active=True))
        assert (on.status_code, on.json()["active"]) == (200, True)
        assert running.okta_user("put.keep@example.com")["status"] != "DEPROVISIONED"

        before = len(running.calls())
        still = scim.put(f"/Users/{user_id}", json=_put_body("put.keep@example.com", title="B"))
        assert (still.status_code, still.json()["active"]) == (200, True)
        assert not [p for _, p, _ in running.calls()[before:] if "/lifecycle/" in p]

        off = scim.put(f"/Users/{user_id}", json=new_user("put.keep@example.com", active=False))
        assert (off.status_code, off.json()["active"]) == (200, False)
    assert running.okta_user("put.keep@example.com")["status"] == "DEPROVISIONED"


def test_a_put_without_active_of_a_deactivated_user_in_an_org_that_refuses_edits() -> None:
    """As Okta ships (edits of deactivated users refused): a PUT without `active` that holds
    what Okta has is a success, one that changes something is the refusal with its fix; neither
    re-enables the user."""
    with stack(okta_options()) as running, running.client() as scim:
        user_id = scim.post("/Users", json=new_user("put.off@example.com")).json()["id"]
        assert scim.patch(f"/Users/{user_id}", json=OFF).json()["active"] is False
        same = scim.put(f"/Users/{user_id}", json=_put_body("put.off@example.com"))
        assert (same.status_code, same.json()["active"]) == (200, False), same.text
        changed = scim.put(f"/Users/{user_id}", json=_put_body("put.off@example.com", title="X"))
        assert changed.status_code == 400, changed.text
        assert "Edit Deactivated User Profile Updates" in changed.json()["detail"]
        assert not [p for _, p, _ in running.calls() if p.endswith("/lifecycle/activate")]
    user = running.okta_user("put.off@example.com")
    assert (user["status"], user["profile"].get("title")) == ("DEPROVISIONED", None)
