"""The connector's settings: one typed model, read from the environment once and validated.

`Settings.from_env` is the only place that reads configuration from the environment. Every value
is checked there, and a bad one fails with the setting's name, what was found and what to write
instead, so `serve` and `doctor` refuse it at start rather than a request failing later.
`SETTINGS` (derived from the model, plus the secrets) is what the README's settings table and
the infrastructure templates are checked against.

Secrets are not part of the model: they are read, and re-read on rotation, through
`connector.secrets` (Key Vault in Azure, the environment locally).
"""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, model_validator

from .url_text import holds_credentials, shown, unsendable


class SettingsError(ValueError):
    """One or more settings are invalid; `problems` has one line per setting, each with a fix."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


# -- value parsers: each raises ValueError with the fix --------------------------------------

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}
_GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.IGNORECASE)
_VAULT_SECRET_NAME = re.compile(r"^[0-9A-Za-z-]{1,127}$")
_ATTRIBUTE_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
# A namespace is a bare host name; a scheme or a path here is a common copy-paste mistake.
_HOST = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?$")
# Hybrid connection paths may hold '/', '.', '-', '_'; anything that would change the URL is out.
_ENTITY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]*$")
_PYTHON_TARGET = re.compile(r"^python:([A-Za-z_][\w.]*):([A-Za-z_]\w*)$")


def is_loopback_host(host: str | None) -> bool:
    if not host:
        return False
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _flag(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(f"must be true or false, got {value!r}")


def _number(value: Any) -> float:
    try:
        return float(str(value).strip())
    except ValueError:
        raise ValueError(f"must be a number, got {value!r}") from None


def _whole(value: Any) -> int:
    try:
        return int(str(value).strip())
    except ValueError:
        raise ValueError(f"must be a whole number, got {value!r}") from None


def _origin(value: Any, example: str, *, https_only: bool = True) -> str:
    """An http(s) origin with an optional base path, without a trailing slash."""
    text = str(value).strip().rstrip("/")
    _no_credentials(text, example)
    parts = urlsplit(text)
    loopback = parts.scheme == "http" and is_loopback_host(parts.hostname)
    allowed = parts.scheme == "https" or loopback or (not https_only and parts.scheme == "http")
    if not parts.hostname or not allowed or parts.query or parts.fragment:
        need = "an https:// URL" + (" (http only on loopback)" if https_only else "")
        raise ValueError(f"must be {need} such as {example}, got {shown(text)!r}")
    refused = unsendable(text)
    if refused is not None:
        raise ValueError(
            f"is not a URL the connector can call ({refused}); give one such as {example}"
        )
    return text


def _no_credentials(text: str, example: str) -> None:
    # Not repeated: it would put the password in the error and the log.
    if holds_credentials(text):
        raise ValueError(
            "must not carry a user name or password (user:password@): credentials are separate "
            f"settings; give the URL alone, such as {example}"
        )


def _okta_url(value: Any) -> str:
    # http is refused below unless on loopback or through the relay, where the URL only names
    # the application and the agent decides where it is.
    return _origin(value, "https://example.okta.com", https_only=False)


def _vault_url(value: Any) -> str:
    text = str(value).strip()
    _no_credentials(text, "https://myvault.vault.azure.net")
    parts = urlsplit(text)
    if parts.scheme != "https" or not parts.hostname:
        raise ValueError(
            f"must be an https:// URL such as https://myvault.vault.azure.net, got {shown(text)!r}"
        )
    return text


def _jwks_url(value: Any) -> str:
    return _origin(value, "https://login.microsoftonline.com/<tenant>/discovery/keys")


def _target_url(value: Any) -> str:
    # Through the relay the target's URL only names the application; plain http is common
    # on a private network, so it is allowed here.
    return _origin(value, "https://app.example.com/api", https_only=False)


def _connection_string(value: Any) -> str:
    text = str(value).strip()
    if "instrumentationkey=" not in text.lower():
        # The value may be a credential-like string: name the rule, not the value.
        raise ValueError(
            "must be an Application Insights connection string (InstrumentationKey=...;"
            "IngestionEndpoint=...), as the portal shows under Overview > Connection String"
        )
    return text


def _guid(value: Any) -> str:
    text = str(value).strip()
    if not _GUID.match(text):
        raise ValueError(
            f"must be the tenant's GUID (Entra admin center > Overview > Tenant ID), got {text!r}"
        )
    return text


def _secret_name(value: Any) -> str:
    text = str(value).strip()
    if not _VAULT_SECRET_NAME.match(text):
        raise ValueError(
            f"must be a Key Vault secret name (letters, digits and '-', at most 127), got {text!r}"
        )
    return text


def _attribute_name(value: Any) -> str:
    text = str(value).strip()
    if not _ATTRIBUTE_NAME.match(text):
        raise ValueError(f"must be an Okta attribute name such as scimExternalId, got {text!r}")
    return text


def _choice(*choices: str) -> BeforeValidator:
    def check(value: Any) -> str:
        text = str(value).strip().lower()
        lowered = {c.lower(): c for c in choices}
        if text not in lowered:
            raise ValueError(f"must be one of {', '.join(choices)}, got {value!r}")
        return lowered[text]

    return BeforeValidator(check)


def _target(value: Any) -> str:
    text = str(value).strip()
    if text.lower() in {"okta", "rest"}:
        return text.lower()
    if _PYTHON_TARGET.match(text):
        return text
    raise ValueError(
        "must be okta, rest, or python:<module>:<factory> "
        f"(e.g. python:mytargets.hr:create_target), got {value!r}"
    )


def _path(value: Any) -> Path:
    return Path(str(value).strip())


# function_app.py's directory: the root of the deployed package.
APP_ROOT = Path(__file__).resolve().parents[1]


def _app_path(value: Any) -> Path:
    """A file of the app: a relative path is inside the package, whichever directory the host
    starts the worker in (the docs say "inside the deployed package")."""
    path = _path(value)
    return path if path.is_absolute() else APP_ROOT / path


def _ca_bundle(value: Any) -> Path:
    path = _path(value)
    # Otherwise the first TLS connection fails with a FileNotFoundError that names no file,
    # and every request is a 500.
    if not path.is_file() or not os.access(path, os.R_OK):
        raise ValueError(
            "must be a readable file of PEM CA certificates (in Azure, a path inside the "
            f"deployed package), got {str(path)!r}; correct the path or unset it"
        )
    return path


def _positive(value: float) -> float:
    if value <= 0:
        raise ValueError(f"must be more than 0, got {value!r}")
    return value


def _not_negative(value: float) -> float:
    if value < 0:
        raise ValueError(f"must not be negative, got {value!r}")
    return value


Flag = Annotated[bool, BeforeValidator(_flag)]
Seconds = Annotated[float, BeforeValidator(lambda v: _not_negative(_number(v)))]
Budget = Annotated[float, BeforeValidator(lambda v: _positive(_number(v)))]
Count = Annotated[int, BeforeValidator(lambda v: int(_positive(_whole(v))))]
SecretName = Annotated[str, BeforeValidator(_secret_name)]


def _setting(
    default: Any, env: str, help: str, *, azure: bool = False, example: str | None = None
) -> Any:
    extra: dict[str, Any] = {"required_in_azure": azure}
    if example is not None:
        extra["example"] = example
    return Field(default, alias=env, description=help, json_schema_extra=extra)


@dataclass(frozen=True)
class RelaySettings:
    """Which Azure Relay Hybrid Connection the target's requests are sent through."""

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


class Settings(BaseModel):
    """Every setting the connector reads (secrets excepted), typed and validated."""

    model_config = ConfigDict(frozen=True, populate_by_name=True)

    target: Annotated[str, BeforeValidator(_target)] = _setting(
        "okta",
        "TARGET",
        "Which application users go to: okta (the packaged target), rest (the application "
        "described by TARGET_DESCRIPTION), or python:<module>:<factory> (your own code).",
    )
    target_description: Annotated[Path, BeforeValidator(_app_path)] | None = _setting(
        None, "TARGET_DESCRIPTION", "Path of the REST application's description (TARGET=rest)."
    )
    target_base_url: Annotated[str, BeforeValidator(_target_url)] | None = _setting(
        None,
        "TARGET_BASE_URL",
        "Overrides the description's connection.baseUrl (e.g. one file for test and prod).",
    )
    okta_org_url: Annotated[str, BeforeValidator(_okta_url)] | None = _setting(
        None,
        "OKTA_ORG_URL",
        "Okta org URL, e.g. https://example.okta.com (TARGET=okta). Unset: the embedded Okta "
        "sandbox with `python -m connector serve`.",
    )
    key_vault_url: Annotated[str, BeforeValidator(_vault_url)] | None = _setting(
        None,
        "KEY_VAULT_URL",
        "Key Vault URL; when set, every secret is read from this vault.",
        azure=True,
    )
    azure_client_id: str | None = _setting(
        None,
        "AZURE_CLIENT_ID",
        "Client id of the user-assigned managed identity used to reach Key Vault.",
        azure=True,
    )
    okta_api_token_secret_name: SecretName = _setting(
        "okta-api-token", "OKTA_API_TOKEN_SECRET_NAME", "Vault secret holding the Okta token."
    )
    scim_bearer_token_secret_name: SecretName = _setting(
        "scim-bearer-token",
        "SCIM_BEARER_TOKEN_SECRET_NAME",
        "Vault secret holding Entra's Secret Token.",
    )
    scim_bearer_token_previous_secret_name: SecretName = _setting(
        "scim-bearer-token-previous",
        "SCIM_BEARER_TOKEN_PREVIOUS_SECRET_NAME",
        "Vault secret holding the previous Secret Token (optional; accepted during rotation).",
    )
    relay_send_key_secret_name: SecretName = _setting(
        "relay-send-key", "RELAY_SEND_KEY_SECRET_NAME", "Vault secret holding the Send key."
    )
    secrets_cache_ttl_seconds: Seconds = _setting(
        300.0, "SECRETS_CACHE_TTL_SECONDS", "How long a secret read from the vault is reused."
    )
    secrets_max_stale_seconds: Seconds = _setting(
        86400.0,
        "SECRETS_MAX_STALE_SECONDS",
        "How long the last good secret keeps serving while the vault is unreachable.",
    )
    key_vault_emulator: Flag = _setting(
        False,
        "KEY_VAULT_EMULATOR",
        "true: talk to a loopback Key Vault emulator (static credential, no challenge check).",
    )
    ssl_cert_file: Annotated[Path, BeforeValidator(_ca_bundle)] | None = _setting(
        None,
        "SSL_CERT_FILE",
        "CA bundle to trust for TLS to a Key Vault emulator or a target with a private CA; it "
        "replaces the system's list for every TLS connection, so it must hold the public roots.",
    )
    entra_tenant_id: Annotated[str, BeforeValidator(_guid)] | None = _setting(
        None,
        "ENTRA_TENANT_ID",
        "When set, validate Entra-issued JWTs from this tenant instead of a shared Secret Token.",
    )
    entra_jwks_url: Annotated[str, BeforeValidator(_jwks_url)] | None = _setting(
        None,
        "ENTRA_JWKS_URL",
        "Signing keys for Entra JWTs (default: the tenant's published keys).",
    )
    okta_external_id_attribute: Annotated[str, BeforeValidator(_attribute_name)] = _setting(
        "scimExternalId",
        "OKTA_EXTERNAL_ID_ATTRIBUTE",
        "Okta custom profile attribute that stores SCIM externalId (add it to the Okta profile).",
    )
    okta_group_external_id_attribute: Annotated[str, BeforeValidator(_attribute_name)] = _setting(
        "scimExternalId",
        "OKTA_GROUP_EXTERNAL_ID_ATTRIBUTE",
        "Okta custom group profile attribute that stores a group's SCIM externalId (add it to "
        "the Okta group profile; `doctor --fix` does).",
    )
    okta_activate_on_create: Flag = _setting(
        True,
        "OKTA_ACTIVATE_ON_CREATE",
        "Create Okta users activated (true, as the ECMA2Host connector did) or STAGED (false).",
    )
    okta_disable_mode: Annotated[
        Literal["deactivate", "suspend"], _choice("deactivate", "suspend")
    ] = _setting(
        "deactivate",
        "OKTA_DISABLE_MODE",
        "What active=false does in Okta: deactivate (DEPROVISIONED) or suspend (SUSPENDED).",
    )
    okta_max_concurrency: Count = _setting(
        20,
        "OKTA_MAX_CONCURRENCY",
        "Most Okta requests one instance keeps in flight (Okta allows 75 per org).",
    )
    request_budget_seconds: Budget = _setting(
        20.0,
        "REQUEST_BUDGET_SECONDS",
        "Time one SCIM request may spend on target calls and retries before answering 429/503.",
    )
    schema_xml_path: Annotated[Path, BeforeValidator(_app_path)] | None = _setting(
        None, "SCHEMA_XML_PATH", "Path of a replacement Schema.xml (default: packaged one)."
    )
    schema_mapping_path: Annotated[Path, BeforeValidator(_app_path)] | None = _setting(
        None,
        "SCHEMA_MAPPING_PATH",
        "Path of a replacement SCIM ⇄ target mapping file (default: the packaged mapping.json).",
    )
    relay_namespace: str | None = _setting(
        None,
        "RELAY_NAMESPACE",
        "Azure Relay namespace host (e.g. contoso.servicebus.windows.net); set to reach the "
        "target through a Hybrid Connection.",
    )
    relay_hybrid_connection: str | None = _setting(
        None, "RELAY_HYBRID_CONNECTION", "Name of the Hybrid Connection inside the namespace."
    )
    relay_send_rule_name: str = _setting(
        "defaultSender", "RELAY_SEND_RULE_NAME", "Send-only SAS rule to sign with."
    )
    relay_endpoint_url: str | None = _setting(
        None,
        "RELAY_ENDPOINT_URL",
        "Override of the relay's base URL (loopback test doubles only; default https://<namespace>).",
    )
    log_level: Annotated[str, _choice("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")] = _setting(
        "INFO", "LOG_LEVEL", "Python log level of the connector's own loggers."
    )
    applicationinsights_connection_string: (
        Annotated[str, BeforeValidator(_connection_string)] | None
    ) = _setting(
        None,
        "APPLICATIONINSIGHTS_CONNECTION_STRING",
        "Application Insights to send traces, metrics and the per-request records to (through "
        "the Azure Monitor OpenTelemetry distro); unset: no OpenTelemetry at all.",
        azure=True,
    )
    telemetry_console: Flag = _setting(
        False,
        "TELEMETRY_CONSOLE",
        "true: print each SCIM request's spans (operation and target calls) on the console.",
    )

    @model_validator(mode="after")
    def _coherent(self) -> Settings:
        problems: list[str] = []
        if self.target == "rest" and self.target_description is None:
            problems.append(
                "TARGET_DESCRIPTION is required with TARGET=rest: set it to the path of your "
                "application's description, e.g. samples/legacyapp/description.yaml"
            )
        if self.target_description is not None and self.target != "rest":
            problems.append(
                "TARGET_DESCRIPTION: only read with TARGET=rest; set TARGET=rest or unset it"
            )
        if self.okta_org_url and not self.relay_namespace:
            parts = urlsplit(self.okta_org_url)
            if parts.scheme != "https" and not is_loopback_host(parts.hostname):
                problems.append(
                    f"OKTA_ORG_URL must be an https:// URL such as https://example.okta.com, "
                    f"got {self.okta_org_url!r}"
                )
        if self.entra_jwks_url and not self.entra_tenant_id:
            problems.append("ENTRA_JWKS_URL: set but ENTRA_TENANT_ID is not; set both or neither")
        if self.key_vault_emulator and self.key_vault_url:
            host = urlsplit(self.key_vault_url).hostname
            if not is_loopback_host(host):
                problems.append(
                    "KEY_VAULT_EMULATOR: true is only allowed for a vault on this machine "
                    f"(localhost, 127.0.0.1 or ::1), not {host!r}; unset it for a real vault"
                )
        problems.extend(_relay_problems(self))
        if problems:
            raise ValueError(_JOINED + _JOINED.join(problems))
        return self

    @property
    def relay(self) -> RelaySettings | None:
        """The relay to send the target's requests through, or None to reach it directly."""
        if not self.relay_namespace:
            return None
        assert self.relay_hybrid_connection is not None  # checked by the model
        return RelaySettings(
            namespace=self.relay_namespace,
            hybrid_connection=self.relay_hybrid_connection.strip("/"),
            rule_name=self.relay_send_rule_name,
            endpoint_url=(self.relay_endpoint_url or "").rstrip("/") or None,
        )

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """The settings in `env` (default: the process environment); blank means unset."""
        source = os.environ if env is None else env
        values = {
            name: value.strip()
            for name in _ENV_NAMES
            if (value := source.get(name)) is not None and value.strip()
        }
        try:
            return cls.model_validate(values)
        except ValidationError as error:
            problems = _problems(error)
        # Without the values that failed, the checks between settings can still run: report
        # every problem in one go, not one per attempt.
        failed = {p.split(":", 1)[0] for p in problems}
        try:
            cls.model_validate({k: v for k, v in values.items() if k not in failed})
        except ValidationError as error:
            problems += [p for p in _problems(error) if p not in problems]
        raise SettingsError(problems)


# Separates coherence problems inside one ValueError, so each becomes its own line.
_JOINED = "\x1f"
_ENV_NAMES = tuple(
    str(field.alias) for field in Settings.model_fields.values() if field.alias is not None
)


def _problems(error: ValidationError) -> list[str]:
    problems = []
    for item in error.errors():
        cause = item.get("ctx", {}).get("error")
        text = str(cause) if cause is not None else item["msg"]
        if item["loc"]:
            problems.append(f"{item['loc'][0]}: {text}")
        else:
            problems.extend(p for p in text.split(_JOINED) if p)
    return problems


def _relay_problems(settings: Settings) -> list[str]:
    namespace = settings.relay_namespace or ""
    hybrid = (settings.relay_hybrid_connection or "").strip("/")
    endpoint = settings.relay_endpoint_url or ""
    if not namespace:
        if hybrid or endpoint:
            return [
                "RELAY_NAMESPACE is required when RELAY_HYBRID_CONNECTION or RELAY_ENDPOINT_URL "
                "is set"
            ]
        return []
    problems = []
    if not _HOST.match(namespace):
        problems.append(
            "RELAY_NAMESPACE: must be a host name such as contoso.servicebus.windows.net "
            f"(no scheme, no path), got {namespace!r}"
        )
    if not hybrid:
        problems.append("RELAY_HYBRID_CONNECTION is required when RELAY_NAMESPACE is set")
    elif not _ENTITY.match(hybrid) or "//" in hybrid:
        problems.append(f"RELAY_HYBRID_CONNECTION: not a valid hybrid connection name: {hybrid!r}")
    if endpoint and not re.match(r"^https?://[^/?#]+/?$", endpoint):
        problems.append(
            "RELAY_ENDPOINT_URL: must be an http(s) origin such as http://127.0.0.1:8123, "
            f"got {endpoint!r}"
        )
    return problems


# -- the registry the README and the templates are checked against ---------------------------


@dataclass(frozen=True)
class Setting:
    name: str
    default: str | None
    help: str
    # True when the Azure deployment must set it (the infra templates are checked against this).
    required_in_azure: bool = False
    # True when the value is a secret: never logged, never a template output or default.
    secret: bool = False


def _documented_default(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


_SECRETS = (
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
        "RELAY_SEND_KEY",
        None,
        "Key of the Send rule (local development; in Azure it comes from Key Vault).",
        secret=True,
    ),
)

SETTINGS: tuple[Setting, ...] = (
    *(
        Setting(
            name=str(field.alias),
            default=_documented_default(field.default),
            help=field.description or "",
            required_in_azure=bool(
                isinstance(field.json_schema_extra, dict)
                and field.json_schema_extra.get("required_in_azure")
            ),
        )
        for field in Settings.model_fields.values()
    ),
    *_SECRETS,
)
