"""scim2-tester's compliance checks over HTTP: every User check SUCCESS, and every Group check
SUCCESS but the member refusals the connector makes on purpose.

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
import uuid
from pathlib import Path
from typing import Any

import httpx2
import pytest
import scim2_tester.checkers.patch_add
import scim2_tester.checkers.patch_replace
import scim2_tester.filling
from scim2_client.engines.httpx2 import SyncSCIMClient
from scim2_tester import Status, check_server

from connector.mapping.catalog import PACKAGED_DIR

from .harness import BEARER, Stack, new_user, okta_options, stack


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


def test_with_the_ecma2host_view_only_the_aliased_pairs_are_refused() -> None:
    """The packaged mapping whole: the tester's independent random values for `userName` and
    its ECMA2Host copy `login` (one Okta attribute) are refused as the conflict they are, with
    both names; nothing else fails (the ECMA2Host `profileUrl` is advertised as the reference
    it is checked to be, so the tester sends it a URL)."""
    options = okta_options(any_login=True, deprovisioned_updates="allow")
    with stack(options) as running:
        results = check_server(_client(running), resource_types=["User"])
    failures = [str(r.reason) for r in results if r.status != Status.SUCCESS]
    conflict = "userName and urn:ietf:params:scim:schemas:extension:ECMA2Host:2.0:User:login"
    assert failures, "the tester no longer sends two values for one Okta attribute"
    assert all(conflict in reason and "different values" in reason for reason in failures)


# /Schemas gives a member `value` and `type` (User or Group) but no `$ref`, so scim2-tester fills
# members with a random UUID and a random type: a group as a member (refused: nested groups are
# not provisioned) or a user id nobody has (refused: 400 naming the unknown members).
REFUSED_MEMBERS = ("nested groups are not provisioned", "are not users of")
MEMBER_CHECKS = {
    "object_query_with_attributes",
    "object_list_with_attributes",
    "search_with_attributes",
    "object_replacement",
    "check_add_attribute",
    "check_remove_attribute",
    "check_replace_attribute",
}


def _client(running: Stack) -> SyncSCIMClient:
    return SyncSCIMClient(
        httpx2.Client(base_url=running.tenant_url, headers={"Authorization": f"Bearer {BEARER}"})
    )


def test_group_checks_fail_only_on_the_members_refused_on_purpose() -> None:
    with stack() as running:
        results = check_server(_client(running), resource_types=["Group"])
    failures = [(r.title, r.reason) for r in results if r.status != Status.SUCCESS]
    assert all(title in MEMBER_CHECKS for title, _ in failures), failures
    assert all(any(why in str(reason) for why in REFUSED_MEMBERS) for _, reason in failures)
    # A member check that fails yields one result where it would yield one per attribute.
    assert len(results) >= 35


def test_every_group_check_succeeds_when_members_are_users(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The same checks with each member the tester invents replaced by a user created over
    SCIM first, as Entra's members always are."""
    members: list[str] = []
    with stack() as running, running.client() as scim:

        def a_user() -> str:
            created = scim.post("/Users", json=new_user(f"{uuid.uuid4().hex[:12]}@example.com"))
            assert created.status_code == 201, created.text
            members.append(str(created.json()["id"]))
            return members[-1]

        invent = scim2_tester.filling.generate_random_value

        def with_users(context: Any, path: Any, *args: Any, **kwargs: Any) -> Any:
            value = invent(context, path, *args, **kwargs)
            name = str(path)
            if value is None or not name.startswith("members"):
                return value
            if name.endswith("members.type"):
                return ["User"] if isinstance(value, list) else "User"
            if name.endswith("members.value"):
                return [a_user()] if isinstance(value, list) else a_user()
            for member in value if isinstance(value, list) else [value]:
                member.value, member.type = a_user(), "User"
            return value

        for module in (
            scim2_tester.filling,
            scim2_tester.checkers.patch_add,
            scim2_tester.checkers.patch_replace,
        ):
            monkeypatch.setattr(module, "generate_random_value", with_users)
        results = check_server(_client(running), resource_types=["Group"])
    failures = [(r.title, r.status, r.reason) for r in results if r.status != Status.SUCCESS]
    assert failures == []
    assert len(results) >= 40
    assert len(members) >= len(MEMBER_CHECKS)  # the member checks ran, with these users
