"""Shared Access Signature tokens for Azure Relay (the Service Bus SAS algorithm).

The token format and signing rules are those of the relay reference, section 2.1.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from urllib.parse import quote


def resource_uri(namespace: str, hybrid_connection: str) -> str:
    """The URI both senders and listeners sign: always http, no port, no `$hc/`."""
    return f"http://{namespace}/{hybrid_connection}"


def sas_token(resource_uri: str, key_name: str, key: str, expiry: int) -> str:
    """`SharedAccessSignature sr=…&sig=…&se=…&skn=…` valid until `expiry` (Unix seconds)."""
    # safe="" so ':' and '/' are escaped too; quote() writes uppercase hex, as the SDKs do.
    encoded_resource = quote(resource_uri, safe="")
    string_to_sign = f"{encoded_resource}\n{expiry}".encode()
    # The key is used as the UTF-8 bytes of the string the portal shows, not base64-decoded.
    digest = hmac.new(key.encode(), string_to_sign, hashlib.sha256).digest()
    signature = quote(base64.b64encode(digest).decode(), safe="")
    return (
        f"SharedAccessSignature sr={encoded_resource}&sig={signature}"
        f"&se={expiry}&skn={quote(key_name, safe='')}"
    )
