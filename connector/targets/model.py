"""The target-neutral user record the mapping layer renders into SCIM."""

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
