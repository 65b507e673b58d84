"""The target-neutral user and group records the mapping layer renders into SCIM."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class TargetUser:
    id: str
    # The target's attributes by the connector's names (what mapping.json maps SCIM onto).
    profile: Mapping[str, Any]
    active: bool
    # The target's own word for the state (Okta's status); opaque above the target layer.
    state: str
    created: str | None
    last_modified: str | None
    # The record as the application returned it; only the target that read it looks inside.
    record: Any = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class TargetGroup:
    id: str
    name: str
    external_id: str | None
    # False for a group the target does not let the connector change (Okta: a group imported
    # from a directory, the built-in Everyone); `kind` is the target's word for what it is.
    writable: bool
    kind: str
    created: str | None
    last_modified: str | None
    record: Any = field(default=None, compare=False, repr=False)
