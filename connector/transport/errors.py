"""Failures of the path to the target, as opposed to answers from the target itself."""

from __future__ import annotations

import httpx

# A gateway refusing the connector's credentials, rights or address: a setting is wrong.
_REFUSALS = {401, 403, 404}


class GatewayError(httpx.TransportError):
    """A gateway between the connector and the target (e.g. Azure Relay) answered instead of
    the target, so the request never reached it."""

    def __init__(self, message: str, *, request: httpx.Request, status_code: int) -> None:
        super().__init__(message, request=request)
        self.status_code = status_code

    @property
    def refused(self) -> bool:
        """True when waiting will not help: the gateway refused, it did not fail."""
        return self.status_code in _REFUSALS
