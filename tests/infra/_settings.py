"""The connector's settings registry as the infra tests see it, imported in this one place.

`SETTINGS` lives in connector/settings.py (a tuple of
`Setting(name, default, help, required_in_azure, secret)`).
"""

from __future__ import annotations

from connector.settings import SETTINGS, Setting

BY_NAME: dict[str, Setting] = {s.name: s for s in SETTINGS}

# Non-secret settings an admin does not set through azd, each with its reason. Every other
# non-secret entry of SETTINGS must be wired from the azd environment (test_infra_settings), so a
# setting added to SETTINGS fails the tests until it is wired or listed here.
NOT_SET_THROUGH_AZD = {
    # The deployment's own resources: derived from what the templates create.
    "KEY_VAULT_URL": "the vault the deployment creates",
    "AZURE_CLIENT_ID": "the identity the deployment creates",
    "OKTA_API_TOKEN_SECRET_NAME": "names of secrets in the deployment's own vault, fixed so that",
    "SCIM_BEARER_TOKEN_SECRET_NAME": "the docs and the postprovision hook name the same secrets",
    "SCIM_BEARER_TOKEN_PREVIOUS_SECRET_NAME": "(idem)",
    "RELAY_NAMESPACE": "the Relay namespace the deployment creates",
    "RELAY_SEND_RULE_NAME": "the Send rule the deployment creates",
    "RELAY_SEND_KEY_SECRET_NAME": "the vault secret the deployment writes the Send key into",
    "APPLICATIONINSIGHTS_CONNECTION_STRING": "the Application Insights the deployment creates",
    # Local only: spans printed on the console of `python -m connector serve`.
    "TELEMETRY_CONSOLE": "console span printer (local runs)",
    # Test doubles only: never set in Azure.
    "KEY_VAULT_EMULATOR": "loopback Key Vault emulator (tests)",
    "RELAY_ENDPOINT_URL": "loopback relay doubles (tests)",
}

# Deployment defaults that deliberately differ from the connector's own, and why.
DEPLOYMENT_DEFAULTS = {
    # (maximumInstanceCount + alwaysReadyInstanceCount) x 18 = (3 + 1) x 18 = 72 <= Okta's 75.
    "OKTA_MAX_CONCURRENCY": "18",
    # The Hybrid Connection the templates create needs a name; the connector has no default.
    "RELAY_HYBRID_CONNECTION": "onprem-rest",
}


def admin_settings() -> list[str]:
    """The settings an admin sets with `azd env set` (all non-secret ones but the exclusions)."""
    return [s.name for s in SETTINGS if not s.secret and s.name not in NOT_SET_THROUGH_AZD]


__all__ = [
    "BY_NAME",
    "DEPLOYMENT_DEFAULTS",
    "NOT_SET_THROUGH_AZD",
    "SETTINGS",
    "Setting",
    "admin_settings",
]
