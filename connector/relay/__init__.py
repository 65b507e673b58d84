"""Sending the target's HTTP requests through an Azure Relay Hybrid Connection (HTTP mode)."""

from connector.relay.sas import resource_uri, sas_token
from connector.relay.sender import RelaySenderTransport, RelayUnavailableError
from connector.relay.settings import RelaySettings

__all__ = [
    "RelaySenderTransport",
    "RelaySettings",
    "RelayUnavailableError",
    "resource_uri",
    "sas_token",
]
