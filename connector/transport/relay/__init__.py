"""Sending the target's HTTP requests through an Azure Relay Hybrid Connection (HTTP mode)."""

from connector.transport.relay.sas import resource_uri, sas_token
from connector.transport.relay.sender import (
    ATTEMPT_LIMIT_SECONDS,
    RelaySenderTransport,
    RelayUnavailableError,
)

__all__ = [
    "ATTEMPT_LIMIT_SECONDS",
    "RelaySenderTransport",
    "RelayUnavailableError",
    "resource_uri",
    "sas_token",
]
