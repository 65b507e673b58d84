"""Which Azure Relay Hybrid Connection the connector sends its target requests through."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass

from connector.config import setting

# A namespace is a bare host name; a scheme or a path here is a common copy-paste mistake.
_HOST = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?$")
# Hybrid connection paths may hold '/', '.', '-', '_'; anything that would change the URL is out.
_ENTITY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]*$")


@dataclass(frozen=True)
class RelaySettings:
    namespace: str
    hybrid_connection: str
    rule_name: str
    # None in Azure; a loopback URL (e.g. http://127.0.0.1:8123) for test doubles.
    endpoint_url: str | None

    @property
    def base_url(self) -> str:
        """Where sender requests go: `{endpoint}/{hc}` without a trailing slash."""
        endpoint = (self.endpoint_url or f"https://{self.namespace}").rstrip("/")
        return f"{endpoint}/{self.hybrid_connection}"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> RelaySettings | None:
        """The relay settings, or None when the target is reached directly.

        Raises ValueError naming the missing or malformed setting when only part of the relay
        configuration is present, so a typo fails at start-up instead of bypassing the relay.
        """
        env = os.environ if env is None else env
        namespace = (setting("RELAY_NAMESPACE", env) or "").strip()
        hybrid_connection = (setting("RELAY_HYBRID_CONNECTION", env) or "").strip().strip("/")
        endpoint_url = (setting("RELAY_ENDPOINT_URL", env) or "").strip()
        if not namespace:
            if hybrid_connection or endpoint_url:
                raise ValueError(
                    "RELAY_NAMESPACE is required when RELAY_HYBRID_CONNECTION or "
                    "RELAY_ENDPOINT_URL is set"
                )
            return None
        if not _HOST.match(namespace):
            raise ValueError(
                "RELAY_NAMESPACE must be a host name such as contoso.servicebus.windows.net "
                f"(no scheme, no path), got {namespace!r}"
            )
        if not hybrid_connection:
            raise ValueError("RELAY_HYBRID_CONNECTION is required when RELAY_NAMESPACE is set")
        if not _ENTITY.match(hybrid_connection) or "//" in hybrid_connection:
            raise ValueError(
                f"RELAY_HYBRID_CONNECTION is not a valid hybrid connection name: "
                f"{hybrid_connection!r}"
            )
        if endpoint_url and not re.match(r"^https?://[^/?#]+/?$", endpoint_url):
            raise ValueError(
                f"RELAY_ENDPOINT_URL must be an http(s) origin such as http://127.0.0.1:8123, "
                f"got {endpoint_url!r}"
            )
        return cls(
            namespace=namespace,
            hybrid_connection=hybrid_connection,
            # setting() falls back to the declared default, so this is never empty.
            rule_name=(setting("RELAY_SEND_RULE_NAME", env) or "").strip(),
            endpoint_url=endpoint_url.rstrip("/") or None,
        )
