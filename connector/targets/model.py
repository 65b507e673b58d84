"""The target-neutral user record the mapping layer renders into SCIM."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class TargetUser:
    id: str
    profile: Mapping[str, Any]
    active: bool
    # The target's own word for the state (Okta's status); opaque above the target layer.
    state: str
    created: str | None
    last_modified: str | None
