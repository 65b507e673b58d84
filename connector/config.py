"""The connector's settings: every environment variable it reads, with defaults and meaning.

`SETTINGS` is the single source of truth: the README's settings table, the infrastructure
templates' app settings and `Settings.from_env` all agree with it (a test checks each side).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Setting:
    name: str
    default: str | None
    help: str
    # True when the Azure deployment must set it (the infra templates are checked against this).
    required_in_azure: bool = False
    # True when the value is a secret: never logged, never a template output or default.
    secret: bool = False


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "OKTA_ORG_URL",
        None,
        "Okta org URL, e.g. https://example.okta.com. Unset: the embedded Okta sandbox.",
        required_in_azure=True,
    ),
    Setting(
        "OKTA_API_TOKEN",
        None,
        "Okta SSWS API token (local development; in Azure it comes from Key Vault).",
        secret=True,
    ),
    Setting(
        "SCIM_BEARER_TOKEN",
        None,
        "The Secret Token Entra sends (local development; in Azure it comes from Key Vault).",
        secret=True,
    ),
    Setting(
        "SCIM_BEARER_TOKEN_PREVIOUS",
        None,
        "The previous Secret Token, still accepted during a rotation (local development).",
        secret=True,
    ),
    Setting(
        "KEY_VAULT_URL",
        None,
        "Key Vault URL; when set, every secret is read from this vault.",
        required_in_azure=True,
    ),
    Setting(
        "AZURE_CLIENT_ID",
        None,
        "Client id of the user-assigned managed identity used to reach Key Vault.",
        required_in_azure=True,
    ),
    Setting("OKTA_API_TOKEN_SECRET_NAME", "okta-api-token", "Vault secret holding the Okta token."),
    Setting(
        "SCIM_BEARER_TOKEN_SECRET_NAME",
        "scim-bearer-token",
        "Vault secret holding Entra's Secret Token.",
    ),
    Setting(
        "SCIM_BEARER_TOKEN_PREVIOUS_SECRET_NAME",
        "scim-bearer-token-previous",
        "Vault secret holding the previous Secret Token (optional; accepted during rotation).",
    ),
    Setting("SECRETS_CACHE_TTL_SECONDS", "300", "How long a secret read from the vault is reused."),
    Setting(
        "SECRETS_MAX_STALE_SECONDS",
        "86400",
        "How long the last good secret keeps serving while the vault is unreachable.",
    ),
    Setting(
        "KEY_VAULT_EMULATOR",
        "false",
        "true: talk to a loopback Key Vault emulator (static credential, no challenge check).",
    ),
    Setting(
        "ENTRA_TENANT_ID",
        None,
        "When set, validate Entra-issued JWTs from this tenant instead of a shared Secret Token.",
    ),
    Setting(
        "ENTRA_JWKS_URL",
        None,
        "Signing keys for Entra JWTs (default: the tenant's published keys).",
    ),
    Setting(
        "OKTA_EXTERNAL_ID_ATTRIBUTE",
        "scimExternalId",
        "Okta custom profile attribute that stores SCIM externalId (add it to the Okta profile).",
    ),
    Setting(
        "OKTA_ACTIVATE_ON_CREATE",
        "true",
        "Create Okta users activated (true, as the ECMA2Host connector did) or STAGED (false).",
    ),
    Setting(
        "OKTA_DISABLE_MODE",
        "deactivate",
        "What active=false does in Okta: deactivate (DEPROVISIONED) or suspend (SUSPENDED).",
    ),
    Setting(
        "OKTA_MAX_CONCURRENCY",
        "20",
        "Most Okta requests one instance keeps in flight (Okta allows 75 per org).",
    ),
    Setting(
        "REQUEST_BUDGET_SECONDS",
        "20",
        "Time one SCIM request may spend on Okta calls and retries before answering 429/503.",
    ),
    Setting("SCHEMA_XML_PATH", None, "Path of a replacement Schema.xml (default: packaged one)."),
    Setting(
        "SCHEMA_MAPPING_PATH",
        None,
        "Path of a replacement SCIM ⇄ Okta mapping file (default: the packaged mapping.json).",
    ),
    Setting(
        "RELAY_NAMESPACE",
        None,
        "Azure Relay namespace host (e.g. contoso.servicebus.windows.net); set to reach the "
        "target through a Hybrid Connection.",
    ),
    Setting("RELAY_HYBRID_CONNECTION", None, "Name of the Hybrid Connection inside the namespace."),
    Setting("RELAY_SEND_RULE_NAME", "defaultSender", "Send-only SAS rule to sign with."),
    Setting(
        "RELAY_SEND_KEY",
        None,
        "Key of the Send rule (local development; in Azure it comes from Key Vault).",
        secret=True,
    ),
    Setting("RELAY_SEND_KEY_SECRET_NAME", "relay-send-key", "Vault secret holding the Send key."),
    Setting(
        "RELAY_ENDPOINT_URL",
        None,
        "Override of the relay's base URL (loopback test doubles only; default https://<namespace>).",
    ),
    Setting("LOG_LEVEL", "INFO", "Python log level of the connector's own loggers."),
)

_BY_NAME = {s.name: s for s in SETTINGS}


def setting(name: str, env: Mapping[str, str] | None = None) -> str | None:
    """The value of a declared setting: the environment's when non-empty, else its default."""
    declared = _BY_NAME[name]
    value = (env if env is not None else os.environ).get(name, "")
    return value if value.strip() else declared.default


def _flag(name: str, env: Mapping[str, str]) -> bool:
    return (setting(name, env) or "").strip().lower() in {"1", "true", "yes", "on"}


def _number(name: str, env: Mapping[str, str]) -> float:
    raw = setting(name, env)
    try:
        return float(raw or "")
    except ValueError:
        raise ValueError(f"{name} must be a number, got {raw!r}") from None


@dataclass(frozen=True)
class Settings:
    """Typed view of the settings the request path needs."""

    okta_org_url: str | None
    external_id_attribute: str
    activate_on_create: bool
    disable_mode: str
    max_concurrency: int
    request_budget_seconds: float
    schema_xml_path: Path | None
    mapping_path: Path | None

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        disable_mode = (setting("OKTA_DISABLE_MODE", env) or "").strip().lower()
        if disable_mode not in {"deactivate", "suspend"}:
            raise ValueError("OKTA_DISABLE_MODE must be 'deactivate' or 'suspend'")
        xml = setting("SCHEMA_XML_PATH", env)
        mapping = setting("SCHEMA_MAPPING_PATH", env)
        org = setting("OKTA_ORG_URL", env)
        return cls(
            okta_org_url=org.rstrip("/") if org else None,
            external_id_attribute=setting("OKTA_EXTERNAL_ID_ATTRIBUTE", env) or "scimExternalId",
            activate_on_create=_flag("OKTA_ACTIVATE_ON_CREATE", env),
            disable_mode=disable_mode,
            max_concurrency=max(1, int(_number("OKTA_MAX_CONCURRENCY", env))),
            request_budget_seconds=_number("REQUEST_BUDGET_SECONDS", env),
            schema_xml_path=Path(xml) if xml else None,
            mapping_path=Path(mapping) if mapping else None,
        )
