"""The inbound check every SCIM request passes: Entra's Secret Token, or an Entra-issued JWT.

Which one is a setting: with ``ENTRA_TENANT_ID`` set, the connector expects the JWT Entra sends
when the admin leaves the Secret Token blank; otherwise the shared Secret Token from the store.
"""

from __future__ import annotations

from connector.secrets import SecretStore
from connector.settings import Settings

from .bearer import AuthenticationError, Authenticator, bearer_token
from .shared_secret import MIN_SECRET_TOKEN_LENGTH, SharedSecretAuthenticator

__all__ = [
    "MIN_SECRET_TOKEN_LENGTH",
    "AuthenticationError",
    "Authenticator",
    "SharedSecretAuthenticator",
    "authenticator_for",
    "bearer_token",
]


def authenticator_for(store: SecretStore, settings: Settings) -> Authenticator:
    """The authenticator the settings ask for."""
    if settings.entra_tenant_id:
        # Imported only in JWT mode: PyJWT and its crypto backend cost cold-start time.
        from .entra_jwt import entra_authenticator

        return entra_authenticator(settings)
    return SharedSecretAuthenticator(store)
