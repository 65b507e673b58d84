"""What a target is built from: the settings, the secrets, and the way to the application."""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from ..secrets import SecretStore
from ..settings import Settings


@dataclass(frozen=True)
class TargetContext:
    settings: Settings
    secrets: SecretStore
    # The Azure Relay sender when RELAY_* is set (the application is on a private network);
    # None to reach the application directly.
    transport: httpx.AsyncBaseTransport | None
