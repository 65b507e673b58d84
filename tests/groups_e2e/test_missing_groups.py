"""A PATCH that changes nothing, sent for a group that is not there, is 404 (RFC 7644 §3.12), on
Okta and on a described REST application alike; for a group that is there it is 204, and the
target calls each such PATCH costs are counted."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from endpoint.harness import new_user, patch, stack
from rest_e2e.group_sequences import new_group
from rest_e2e.harness import ledgerline_stack


@dataclass
class Target:
    scim: httpx.Client
    calls: Callable[[], list[tuple[str, str, int]]]
    group_path: Callable[[str], str]  # the target's path of a group, by its SCIM id
    missing: str  # a group id the target does not have

    def patched(self, group: str, operations: list[dict[str, Any]], status: int) -> list[str]:
        """The target calls of one PATCH of `group`, which answers `status`."""
        before = len(self.calls())
        answer = self.scim.patch(f"/Groups/{group}", json=patch(*operations))
        assert answer.status_code == status, answer.text
        if status != 204:
            assert answer.json()["status"] == str(status)
        return [f"{m} {p.split('?')[0]}" for m, p, _ in self.calls()[before:]]


@contextmanager
def _okta() -> Iterator[Target]:
    with stack() as okta, okta.client() as scim:
        yield Target(
            scim,
            lambda: list(okta.sim.request_log),
            lambda g: f"/api/v1/groups/{g}",
            "00gnosuchgroup00x7",
        )


@contextmanager
def _rest() -> Iterator[Target]:
    with ledgerline_stack() as rest, rest.client() as scim:
        yield Target(scim, rest.app.calls, lambda g: f"/api/v2/teams/{g}", "999999")


TARGETS = {"okta": _okta, "rest": _rest}


def _no_changes(user: str) -> dict[str, list[dict[str, Any]]]:
    """PATCH operations that change nothing for a group named Kept without members."""
    return {
        "add-no-members": [{"op": "Add", "path": "members", "value": []}],
        "add-null-members": [{"op": "add", "path": "members", "value": None}],
        "remove-no-members": [{"op": "Remove", "path": "members", "value": []}],
        "read-only-only": [{"op": "replace", "value": {"id": "anything"}}],
        "same-name": [{"op": "Replace", "path": "displayName", "value": "Kept"}],
        "remove-a-non-member": [{"op": "Remove", "path": "members", "value": [{"value": user}]}],
        "remove-a-non-member-by-filter": [{"op": "remove", "path": f'members[value eq "{user}"]'}],
    }


CASES = list(_no_changes("u"))


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("target", list(TARGETS))
def test_a_patch_changing_nothing_of_a_missing_group_is_not_found(target: str, case: str) -> None:
    with TARGETS[target]() as app:
        user = app.scim.post("/Users", json=new_user("kept@example.com")).json()["id"]
        app.patched(app.missing, _no_changes(user)[case], 404)


@pytest.mark.parametrize("target", list(TARGETS))
def test_target_calls_of_a_patch_changing_nothing(target: str) -> None:
    """A group that is there: one read of it where nothing else would tell whether it is there,
    and no read added where the change's own calls tell already."""
    with TARGETS[target]() as app:
        user = app.scim.post("/Users", json=new_user("kept@example.com")).json()["id"]
        group = app.scim.post("/Groups", json=new_group("Kept")).json()["id"]
        read = f"GET {app.group_path(group)}"
        removal = f"DELETE {app.group_path(group)}{'/users' if target == 'okta' else '/members'}"
        expected = {
            "add-no-members": [read],
            "add-null-members": [read],
            "remove-no-members": [read],
            "read-only-only": [read],
            "same-name": [read],
            # Okta answers 204 for a non-member; the application says not_a_member (done).
            "remove-a-non-member": [f"{removal}/{user}"],
            "remove-a-non-member-by-filter": [f"{removal}/{user}"],
        }
        for case, operations in _no_changes(user).items():
            assert app.patched(group, operations, 204) == expected[case], case
