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

    def attempt_timeout(self, direct: float) -> float:
        """The longest one attempt at the application may take (the client also ends it when
        the SCIM request's budget runs out): `direct`, the target's own per-attempt timeout,
        when the application is reached directly; through the relay, the agent's limit, so
        that an on-premises application slower than `direct` is waited for while the budget
        lasts rather than given up on early (and a write then checked)."""
        if self.settings.relay is None:
            return direct
        from ..transport.relay import ATTEMPT_LIMIT_SECONDS

        return ATTEMPT_LIMIT_SECONDS
