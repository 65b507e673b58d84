"""The Okta simulator seen as the target-neutral group view the group sequences check."""

from __future__ import annotations

from rest_e2e.group_sequences import AppGroup, GroupApp

from oktasim import Simulator

ATTRIBUTE = "scimExternalId"


def okta_groups(sim: Simulator) -> list[AppGroup]:
    """Okta's own groups (not Everyone, not imported ones), read through the simulator's hooks."""
    return [
        AppGroup(
            id=g["id"],
            name=g["profile"]["name"],
            external_id=g["profile"].get(ATTRIBUTE),
            members=frozenset(sim.group_members(g["id"])),
        )
        for g in sim.groups()
        if g["type"] == "OKTA_GROUP"
    ]


def okta_app(sim: Simulator) -> GroupApp:
    return GroupApp(groups=lambda: okta_groups(sim), user_count=lambda: len(sim.users()))
