"""The custom profile attributes the connector needs in Okta, and how to get them there.

SCIM `externalId` has no place in Okta's base profiles: users and groups keep it in a custom
attribute (OKTA_EXTERNAL_ID_ATTRIBUTE, OKTA_GROUP_EXTERNAL_ID_ATTRIBUTE), which an admin adds in
the Profile Editor, or `doctor --fix` through the Schemas API (`POST` of a partial schema that
names only the new attribute; Okta leaves every other attribute as it is).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .client import OktaApiError, OktaClient
from .codes import Meaning, meaning


@dataclass(frozen=True)
class Profile:
    """One of Okta's profile schemas the connector writes into."""

    kind: str  # "user" or "group"
    path: str
    console: str  # where the Admin Console adds an attribute
    setting: str  # the setting that names the attribute

    def lacks(self, attribute: str) -> str:
        return (
            f"Okta's {self.kind} profile has no attribute {attribute!r}, where the connector keeps "
            f"SCIM externalId ({self.setting})"
        )

    def remedy(self, attribute: str) -> str:
        return (
            f"run `python -m connector doctor --fix` to add it, or add it in the Okta Admin "
            f"Console ({self.console}: data type string, variable name {attribute})"
        )

    def missing(self, attribute: str) -> str:
        """What to do about an attribute this profile lacks (said by SCIM errors and doctor)."""
        return f"{self.lacks(attribute)}; {self.remedy(attribute)}"


USER = Profile(
    "user",
    "/api/v1/meta/schemas/user/default",
    "Directory > Profile Editor > User (default) > + Add Attribute",
    "OKTA_EXTERNAL_ID_ATTRIBUTE",
)
GROUP = Profile(
    "group",
    "/api/v1/meta/schemas/group/default",
    "Directory > Profile Editor > Groups > Okta group > + Add Attribute",
    "OKTA_GROUP_EXTERNAL_ID_ATTRIBUTE",
)


def undeclared(profile: Profile, attribute: str, configured: str) -> str:
    """A SCIM error's detail for an attribute Okta's profile does not define."""
    if attribute == configured:
        return profile.missing(attribute)
    return (
        f"Okta's {profile.kind} profile has no attribute {attribute!r}; add it in the Okta Admin "
        f"Console ({profile.console}), or map the value elsewhere"
    )


@dataclass(frozen=True)
class Finding:
    ok: bool
    detail: str
    fix: str | None = None


def _definition(profile: Profile) -> dict[str, Any]:
    return {
        "title": "SCIM externalId",
        "description": (
            f"The {profile.kind}'s externalId in Microsoft Entra provisioning (written by the "
            "Entra SCIM connector)"
        ),
        "type": "string",
        # Readable by the user or group itself, changed only by provisioning.
        "permissions": [{"principal": "SELF", "action": "READ_ONLY"}],
    }


def _properties(schema: Any, part: str) -> dict[str, Any]:
    definitions = schema.get("definitions") if isinstance(schema, dict) else None
    section = definitions.get(part) if isinstance(definitions, dict) else None
    found = section.get("properties") if isinstance(section, dict) else None
    return found if isinstance(found, dict) else {}


def _defined(schema: Any, attribute: str) -> dict[str, Any] | None:
    for part in ("custom", "base"):
        definition = _properties(schema, part).get(attribute)
        if isinstance(definition, dict):
            return definition
    return None


async def check_attribute(
    client: OktaClient, profile: Profile, attribute: str, *, fix: bool
) -> Finding:
    """Is `attribute` a string in this profile? With `fix`, add it when it is missing."""
    try:
        schema = (await client.send("GET", profile.path)).json()
    except OktaApiError as exc:
        return Finding(
            False,
            f"Okta answered {exc.body.status} {exc.body.code} to GET {profile.path}: "
            f"{exc.body.summary}",
            f"give the API token's admin read access to profiles, or check in the Admin Console "
            f"({profile.console.split(' > +')[0]}) that {attribute} (string) exists",
        )
    definition = _defined(schema, attribute)
    if definition is not None:
        kind = definition.get("type")
        if kind != "string":
            return Finding(
                False,
                f"{attribute} in Okta's {profile.kind} profile is of type {kind}, not string",
                f"set {profile.setting} to a string attribute (SCIM externalId is a string), "
                "or create a new string attribute for it",
            )
        return Finding(True, f"{attribute} (string) is in Okta's {profile.kind} profile")
    if not fix:
        return Finding(False, profile.lacks(attribute), profile.remedy(attribute))
    return await _add(client, profile, attribute)


async def _add(client: OktaClient, profile: Profile, attribute: str) -> Finding:
    body = {
        "definitions": {
            "custom": {
                "id": "#custom",
                "type": "object",
                "properties": {attribute: _definition(profile)},
                "required": [],
            }
        }
    }
    where = (
        f"the Okta Admin Console ({profile.console}: data type string, variable name {attribute})"
    )
    try:
        answer = (await client.send("POST", profile.path, json=body)).json()
    except OktaApiError as exc:
        if meaning(exc) is Meaning.FORBIDDEN:
            return Finding(
                False,
                f"Okta refused to add {attribute} to the {profile.kind} profile (403 "
                f"{exc.body.code}: {exc.body.summary}); nothing was changed",
                f"add it in {where}, or run --fix with a token of an admin allowed to change "
                "profiles (super administrator)",
            )
        return Finding(
            False,
            f"Okta refused to add {attribute} to the {profile.kind} profile ({exc.body.status} "
            f"{exc.body.code}: {exc.detail})",
            f"add it in {where}",
        )
    if _defined(answer, attribute) is None:
        return Finding(
            False,
            f"Okta accepted POST {profile.path} but its answer does not show {attribute}",
            f"check {where}",
        )
    return Finding(
        True,
        f"added {attribute} (string) to Okta's {profile.kind} profile (POST {profile.path})",
    )
