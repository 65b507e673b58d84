"""Users and groups as Okta returns them: explicit nulls, credentials, type and `_links`."""

from __future__ import annotations

from typing import Any

from oktasim.groups import APP_GROUP, Group
from oktasim.profile import ALWAYS_PRESENT
from oktasim.store import User
from oktasim.timestamps import format_timestamp

# Lifecycle links per status (observed for STAGED and ACTIVE; the rest follow the state machine).
_LINKS: dict[str, tuple[str, ...]] = {
    "STAGED": ("schema", "activate", "self", "resetFactors", "type"),
    "PROVISIONED": ("schema", "reactivate", "self", "resetFactors", "type", "deactivate"),
    "ACTIVE": (
        "suspend",
        "schema",
        "resetPassword",
        "forgotPassword",
        "expirePassword",
        "changeRecoveryQuestion",
        "self",
        "type",
        "changePassword",
        "deactivate",
    ),
    "RECOVERY": ("schema", "reactivate", "resetPassword", "self", "type", "deactivate"),
    "LOCKED_OUT": (
        "schema",
        "unlock",
        "resetPassword",
        "expirePassword",
        "self",
        "type",
        "deactivate",
    ),
    "PASSWORD_EXPIRED": ("schema", "resetPassword", "expirePassword", "self", "type", "deactivate"),
    "SUSPENDED": ("schema", "unsuspend", "self", "type", "deactivate"),
    "DEPROVISIONED": ("schema", "activate", "self", "type"),
}
_LEADING = ("firstName", "lastName")
_LIFECYCLE = {
    "activate": "lifecycle/activate",
    "reactivate": "lifecycle/reactivate",
    "deactivate": "lifecycle/deactivate",
    "suspend": "lifecycle/suspend",
    "unsuspend": "lifecycle/unsuspend",
    "unlock": "lifecycle/unlock",
    "resetPassword": "lifecycle/reset_password",
    "expirePassword": "lifecycle/expire_password",
    "resetFactors": "lifecycle/reset_factors",
    "changePassword": "credentials/change_password",
    "changeRecoveryQuestion": "credentials/change_recovery_question",
    "forgotPassword": "credentials/forgot_password",
}


def user_json(
    user: User, org_url: str, type_suffix: str, *, now: float, full_links: bool = True
) -> dict[str, Any]:
    """`now`: the store's clock, which says whether an activation is still running."""
    # Key order as recorded from real Okta; nulls for the always-present pair.
    profile: dict[str, Any] = {
        name: user.profile.get(name) for name in _LEADING if name in user.profile
    }
    profile.update({name: user.profile.get(name) for name in ALWAYS_PRESENT})
    profile.update(user.profile)
    credentials: dict[str, Any] = {}
    if user.has_password:
        credentials["password"] = {}
    if user.recovery_question is not None:
        credentials["recovery_question"] = {"question": user.recovery_question}
    credentials["emails"] = [
        {"value": user.profile.get("email"), "status": "VERIFIED", "type": "PRIMARY"}
    ]
    credentials["provider"] = {"type": user.provider[0], "name": user.provider[1]}
    shown: dict[str, Any] = {"id": user.id, "status": user.status}
    if user.activating(now):
        shown["transitioningToStatus"] = "ACTIVE"
    return shown | {
        "created": format_timestamp(user.created),
        "activated": format_timestamp(user.activated),
        "statusChanged": format_timestamp(user.status_changed),
        "lastLogin": format_timestamp(user.last_login),
        "lastUpdated": format_timestamp(user.last_updated),
        "passwordChanged": format_timestamp(user.password_changed),
        "type": {"id": "oty" + type_suffix},
        "profile": profile,
        "credentials": credentials,
        "_links": _links(user, org_url, type_suffix, full_links),
    }


def _links(user: User, org_url: str, type_suffix: str, full: bool) -> dict[str, Any]:
    self_href = f"{org_url}/api/v1/users/{user.id}"
    if not full:
        return {"self": {"href": self_href}}
    links: dict[str, Any] = {}
    for name in _LINKS[user.status]:
        if name == "forgotPassword" and user.recovery_question is None:
            continue
        if name == "self":
            links[name] = {"href": self_href}
        elif name == "schema":
            links[name] = {"href": f"{org_url}/api/v1/meta/schemas/user/osc{type_suffix}"}
        elif name == "type":
            links[name] = {"href": f"{org_url}/api/v1/meta/types/user/oty{type_suffix}"}
        else:
            links[name] = {"href": f"{self_href}/{_LIFECYCLE[name]}", "method": "POST"}
    return links


def group_json(group: Group, org_url: str) -> dict[str, Any]:
    """The same shape in lists and single reads (recorded 2025 responses show no `self` link;
    some orgs add an `owners` link, which is left out here)."""
    profile: dict[str, Any] = {
        name: group.profile[name] for name in ("name", "description") if name in group.profile
    }
    profile.update(group.profile)
    logo_kind = "active_directory" if group.type == APP_GROUP else "okta"
    links: dict[str, Any] = {
        "logo": [
            {
                "name": size,
                "href": f"{org_url}/img/logos/groups/{logo_kind}-{size}.png",
                "type": "image/png",
            }
            for size in ("medium", "large")
        ]
    }
    if group.source_id is not None:
        links["source"] = {"href": f"{org_url}/api/v1/apps/{group.source_id}"}
    links["users"] = {"href": f"{org_url}/api/v1/groups/{group.id}/users"}
    links["apps"] = {"href": f"{org_url}/api/v1/groups/{group.id}/apps"}
    shown: dict[str, Any] = {
        "id": group.id,
        "created": format_timestamp(group.created),
        "lastUpdated": format_timestamp(group.last_updated),
        "lastMembershipUpdated": format_timestamp(group.last_membership_updated),
        "objectClass": [group.object_class],
        "type": group.type,
        "profile": profile,
    }
    if group.source_id is not None:
        shown["source"] = {"id": group.source_id}
    shown["_links"] = links
    return shown
