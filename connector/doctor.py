"""``python -m connector doctor``: check the settings a user has made, one line per check.

Each failed check says how to fix it. Nothing printed ever contains a secret: values are only
compared and sent, and every line passes through the redactor as well.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx

from connector import redact
from connector.auth import MIN_SECRET_TOKEN_LENGTH
from connector.config import Settings, setting
from connector.entra_jwt import jwt_settings_problems
from connector.relay import RelaySenderTransport, RelaySettings, RelayUnavailableError
from connector.secrets import SecretKey, SecretStore, SecretsUnavailableError, secret_store_from_env
from connector.secrets.vault import is_loopback_host

_OKTA_TIMEOUT = httpx.Timeout(10.0)
# Above the relay's own 60 s listener deadline, so its 504 is what arrives.
_RELAY_TIMEOUT = httpx.Timeout(70.0)
_RELAY_FIXES = {
    401: "store the Send rule's current key as RELAY_SEND_KEY (or the vault secret "
    "relay-send-key) and check RELAY_SEND_RULE_NAME",
    403: "give RELAY_SEND_RULE_NAME the Send right on the hybrid connection",
    404: "check RELAY_NAMESPACE and RELAY_HYBRID_CONNECTION",
    502: "start the relay agent next to the application (python -m relay_agent) and check "
    "its /healthz",
    503: "start the relay agent next to the application (python -m relay_agent) and check "
    "its /healthz",
    504: "the agent is connected but the application did not answer: check the agent's "
    "--local-base-url and the application",
}


@dataclass(frozen=True)
class CheckResult:
    name: str
    ok: bool
    detail: str
    fix: str | None = None

    def line(self) -> str:
        text = f"ok    {self.name}: {self.detail}"
        if not self.ok:
            text = f"FAIL  {self.name}: {self.detail}" + (
                f" -> fix: {self.fix}" if self.fix else ""
            )
        return redact.redact(text)


async def run_doctor(env: Mapping[str, str] | None = None) -> list[CheckResult]:
    """Run every check against the settings in ``env`` (default: ``os.environ``)."""
    source = os.environ if env is None else env
    try:
        store = secret_store_from_env(source)
    except ValueError as error:
        return [
            CheckResult("secrets", False, str(error), "correct the setting named above"),
            _check_jwt(source),
            _check_schema(source),
        ]
    try:
        okta_check, okta_token = await _check_secret(
            store, source, SecretKey.OKTA_API_TOKEN, required=bool(setting("OKTA_ORG_URL", source))
        )
        relay_check, relay = await _check_relay(store, source)
        results = [
            okta_check,
            await _check_bearer(store, source),
            *([relay_check] if relay_check else []),
            await _check_okta(source, okta_token, relay),
            _check_jwt(source),
            _check_schema(source),
        ]
    finally:
        await store.aclose()
    return results


def _where(key: SecretKey, env: Mapping[str, str]) -> str:
    if setting("KEY_VAULT_URL", env):
        name = setting(key.name_setting, env)
        return f"vault secret {name!r} in {setting('KEY_VAULT_URL', env)}"
    return f"environment variable {key.value}"


async def _check_secret(
    store: SecretStore, env: Mapping[str, str], key: SecretKey, *, required: bool
) -> tuple[CheckResult, str | None]:
    where = _where(key, env)
    try:
        value = await store.get(key)
    except SecretsUnavailableError as error:
        fix = (
            "check KEY_VAULT_URL, the network path to the vault, and that the managed identity "
            "(AZURE_CLIENT_ID) has the 'Key Vault Secrets User' role on it"
        )
        return CheckResult(key.value, False, f"{where} cannot be read: {error}", fix), None
    if value is None:
        if not required:
            return CheckResult(key.value, True, f"{where} is not set (not needed)"), None
        return CheckResult(key.value, False, f"{where} is not set", f"set {where}"), None
    return CheckResult(key.value, True, f"{where} is set"), value


async def _check_bearer(store: SecretStore, env: Mapping[str, str]) -> CheckResult:
    if setting("ENTRA_TENANT_ID", env):
        return CheckResult(
            SecretKey.SCIM_BEARER_TOKEN.value, True, "not used: Entra-issued JWTs are validated"
        )
    check, value = await _check_secret(store, env, SecretKey.SCIM_BEARER_TOKEN, required=True)
    if value is not None and len(value) < MIN_SECRET_TOKEN_LENGTH:
        where = _where(SecretKey.SCIM_BEARER_TOKEN, env)
        return CheckResult(
            check.name,
            False,
            f"{where} is shorter than {MIN_SECRET_TOKEN_LENGTH} characters",
            "generate a longer Secret Token, store it there and paste it into the Entra app",
        )
    return check


RelayTransport = Callable[[], httpx.AsyncBaseTransport]


async def _check_relay(
    store: SecretStore, env: Mapping[str, str]
) -> tuple[CheckResult | None, RelayTransport | None]:
    """With relay settings: a request through the relay must reach the agent (no line without).

    Returns the check and, when it passed, a way to build transports through the relay.
    """
    try:
        relay = RelaySettings.from_env(env)
    except ValueError as error:
        return CheckResult(
            "relay", False, str(error), "complete or remove the RELAY_* settings"
        ), None
    if relay is None:
        return None, None
    where = f"hybrid connection {relay.hybrid_connection} on {relay.namespace}"
    key_check, key = await _check_secret(store, env, SecretKey.RELAY_SEND_KEY, required=True)
    if key is None:
        return CheckResult("relay", False, f"not tried: {key_check.detail}", key_check.fix), None
    send_key = key

    async def read_key() -> str:
        return send_key

    def transport() -> httpx.AsyncBaseTransport:
        return RelaySenderTransport(relay, read_key)

    org_url = (setting("OKTA_ORG_URL", env) or "http://relay-check.invalid").rstrip("/")
    try:
        async with httpx.AsyncClient(transport=transport(), timeout=_RELAY_TIMEOUT) as client:
            # Any answer carrying Via comes from the listener: the agent is there. GET, not
            # HEAD: a relay error's TrackingId may be only in its body.
            response = await client.get(f"{org_url}/")
    except RelayUnavailableError as error:
        tracking = f", TrackingId {error.tracking_id}" if error.tracking_id else ""
        return (
            CheckResult(
                "relay",
                False,
                f"{where}: {error}{tracking}",
                _RELAY_FIXES.get(error.status_code, "check the relay settings"),
            ),
            None,
        )
    except httpx.HTTPError as error:
        return (
            CheckResult(
                "relay",
                False,
                f"{where} unreachable: {type(error).__name__}",
                "check RELAY_NAMESPACE (and RELAY_ENDPOINT_URL) and the network path to it",
            ),
            None,
        )
    return (
        CheckResult(
            "relay",
            True,
            f"{where} accepted the Send key and the agent answered "
            f"(GET / -> {response.status_code})",
        ),
        transport,
    )


async def _check_okta(
    env: Mapping[str, str], token: str | None, relay: RelayTransport | None = None
) -> CheckResult:
    org_url = (setting("OKTA_ORG_URL", env) or "").rstrip("/")
    if not org_url:
        fix = "set OKTA_ORG_URL to your Okta org URL, e.g. https://example.okta.com"
        if setting("KEY_VAULT_URL", env):
            # A vault means a deployed configuration: the Functions host has no sandbox.
            return CheckResult("okta", False, "OKTA_ORG_URL is not set", fix)
        return CheckResult(
            "okta",
            True,
            "OKTA_ORG_URL not set: only `python -m connector serve` works, with its embedded "
            "Okta sandbox (the Functions host needs OKTA_ORG_URL)",
        )
    parts = urlsplit(org_url)
    if relay is None and setting("RELAY_NAMESPACE", env):
        return CheckResult("okta", False, "not tried: the relay check failed", "fix it first")
    # Through the relay the org URL only names the application; the agent decides where it is.
    secure = parts.scheme == "https" or relay is not None
    if not (secure or (parts.scheme == "http" and is_loopback_host(parts.hostname))):
        return CheckResult(
            "okta", False, f"OKTA_ORG_URL {org_url!r} is not https", "use https://<org>.okta.com"
        )
    if token is None:
        return CheckResult(
            "okta", False, "not tried: no Okta API token", "fix OKTA_API_TOKEN first"
        )
    try:
        transport = relay() if relay is not None else None
        timeout = _RELAY_TIMEOUT if relay is not None else _OKTA_TIMEOUT
        async with httpx.AsyncClient(transport=transport, timeout=timeout) as client:
            response = await client.get(
                f"{org_url}/api/v1/users",
                params={"limit": "1"},
                headers={"Authorization": f"SSWS {token}", "Accept": "application/json"},
            )
    except httpx.HTTPError as error:
        return CheckResult(
            "okta",
            False,
            f"{org_url} unreachable: {type(error).__name__}",
            "check OKTA_ORG_URL and the network path (DNS, firewall, proxy) to it",
        )
    status = response.status_code
    if status == 200:
        return CheckResult("okta", True, f"{org_url} accepted the API token")
    if status == 401:
        return CheckResult(
            "okta",
            False,
            f"{org_url} rejected the API token (401)",
            "create a token in Okta Admin > Security > API > Tokens and store it as "
            + _where(SecretKey.OKTA_API_TOKEN, env),
        )
    if status == 403:
        return CheckResult(
            "okta",
            False,
            f"{org_url} refused the token access to users (403)",
            "create the token as an admin who can read and manage users",
        )
    return CheckResult(
        "okta",
        False,
        f"{org_url} answered {status} to GET /api/v1/users?limit=1",
        "check that OKTA_ORG_URL is the org's base URL, e.g. https://example.okta.com",
    )


def _check_jwt(env: Mapping[str, str]) -> CheckResult:
    if not setting("ENTRA_TENANT_ID", env) and not setting("ENTRA_JWKS_URL", env):
        return CheckResult("entra-jwt", True, "off: the shared Secret Token is checked")
    problems = jwt_settings_problems(env)
    if problems:
        return CheckResult("entra-jwt", False, "; ".join(problems), "correct the settings above")
    return CheckResult("entra-jwt", True, "ENTRA_TENANT_ID and ENTRA_JWKS_URL are coherent")


def _check_schema(env: Mapping[str, str]) -> CheckResult:
    from connector.schema import SchemaError, load_schema

    try:
        load_schema(Settings.from_env(env))
    except (SchemaError, ValueError, OSError) as error:
        return CheckResult(
            "schema",
            False,
            str(error),
            "correct Schema.xml / the mapping (SCHEMA_XML_PATH, SCHEMA_MAPPING_PATH) or unset "
            "those settings to use the packaged files",
        )
    return CheckResult("schema", True, "Schema.xml and the attribute mapping agree")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m connector doctor",
        description="Check the connector's settings; exit status 1 if any check fails.",
    )
    parser.parse_args(argv)
    results = asyncio.run(run_doctor())
    for result in results:
        print(result.line())
    return 0 if all(result.ok for result in results) else 1


if __name__ == "__main__":
    sys.exit(main())
