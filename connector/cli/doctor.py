"""``python -m connector doctor``: check the settings a user has made, one line per check.

Each failed check says how to fix it. Nothing printed ever contains a secret: values are only
compared and sent, and every line passes through the redactor as well. With TARGET=okta, doctor
also reads Okta's user and group profile schemas for the externalId attributes; `--fix` adds the
missing ones through Okta's Schemas API (the only change doctor ever makes, and only when asked).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass

import httpx

from connector import redact
from connector.auth import MIN_SECRET_TOKEN_LENGTH
from connector.auth.entra_jwt import default_jwks_url, fetch_jwks, signing_keys
from connector.mapping import Catalog, SchemaError, load_schema
from connector.secrets import SecretKey, SecretStore, SecretsUnavailableError, secret_store
from connector.settings import Settings, SettingsError
from connector.targets.errors import TargetError
from connector.targets.factory import build_target
from connector.targets.okta.schemas import GROUP, USER, check_attribute
from connector.targets.okta.users import OktaUsers
from connector.targets.protocol import UserTarget
from connector.transport.budget import request_budget
from connector.transport.relay import RelaySenderTransport, RelayUnavailableError

# Above the relay's own 60 s listener deadline, so its 504 is what arrives.
_RELAY_TIMEOUT = httpx.Timeout(70.0)
# One attempt per check: doctor reports what happened, it does not wait out an outage.
_CHECK_BUDGET_SECONDS = 70.0
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
# Which check a bad setting belongs to, by the start of its name.
_CHECK_OF_SETTING = (
    ("OKTA_ORG_URL", "okta"),
    ("ENTRA_", "entra-jwt"),
    ("KEY_VAULT", "secrets"),
    ("SECRETS_", "secrets"),
    ("AZURE_CLIENT_ID", "secrets"),
    ("RELAY_", "relay"),
    ("SCHEMA_", "schema"),
    ("TARGET", "target"),
)


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


def _setting_problem(problem: str) -> CheckResult:
    setting = problem.split(":", 1)[0].split(" ", 1)[0]
    name = next((c for prefix, c in _CHECK_OF_SETTING if setting.startswith(prefix)), "settings")
    return CheckResult(name, False, problem, f"correct {setting} as the message says")


async def run_doctor(
    env: Mapping[str, str] | None = None, *, fix: bool = False
) -> list[CheckResult]:
    """Run every check against the settings in ``env`` (default: ``os.environ``); `fix`: add
    the externalId attributes Okta's profiles lack."""
    source = os.environ if env is None else env
    try:
        settings = Settings.from_env(source)
    except SettingsError as error:
        return [_setting_problem(problem) for problem in error.problems]
    store = secret_store(settings, source)
    try:
        results: list[CheckResult] = []
        okta = settings.target == "okta"
        okta_token: str | None = None
        if okta:
            okta_check, okta_token = await _check_secret(
                store,
                settings,
                SecretKey.OKTA_API_TOKEN,
                required=settings.okta_org_url is not None,
            )
            results.append(okta_check)
        results.append(await _check_bearer(store, settings))
        previous_check = await _check_previous_bearer(store, settings)
        if previous_check is not None:
            results.append(previous_check)
        relay_check = await _check_relay(store, settings)
        if relay_check is not None:
            results.append(relay_check)
        relay_ok = relay_check is None or relay_check.ok
        target: UserTarget | None = None
        if okta and settings.okta_org_url is not None and okta_token is None and relay_ok:
            target_check = CheckResult(
                "okta", False, "not tried: no Okta API token", "fix OKTA_API_TOKEN first"
            )
        else:
            target, target_check = await _check_target(store, settings, relay_ok)
        results.append(target_check)
        if target_check.ok and isinstance(target, OktaUsers):
            results.extend(await _check_okta_profiles(target, settings, fix))
        results.append(await _check_jwt(settings))
        results.append(_check_schema(settings, target))
        if target is not None:
            await target.aclose()
    finally:
        await store.aclose()
    return results


def _where(key: SecretKey, settings: Settings) -> str:
    if settings.key_vault_url:
        names = {
            SecretKey.OKTA_API_TOKEN: settings.okta_api_token_secret_name,
            SecretKey.SCIM_BEARER_TOKEN: settings.scim_bearer_token_secret_name,
            SecretKey.SCIM_BEARER_TOKEN_PREVIOUS: settings.scim_bearer_token_previous_secret_name,
            SecretKey.RELAY_SEND_KEY: settings.relay_send_key_secret_name,
        }
        return f"vault secret {names[key]!r} in {settings.key_vault_url}"
    return f"environment variable {key.env_name}"


async def _check_secret(
    store: SecretStore, settings: Settings, key: SecretKey, *, required: bool
) -> tuple[CheckResult, str | None]:
    where = _where(key, settings)
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
        # In a vault, a disabled secret reads as unset too; setting it writes an enabled one.
        missing = "is not set (or is disabled)" if settings.key_vault_url else "is not set"
        return CheckResult(key.value, False, f"{where} {missing}", f"set {where}"), None
    return CheckResult(key.value, True, f"{where} is set"), value


async def _check_bearer(store: SecretStore, settings: Settings) -> CheckResult:
    if settings.entra_tenant_id:
        return CheckResult(
            SecretKey.SCIM_BEARER_TOKEN.value, True, "not used: Entra-issued JWTs are validated"
        )
    # Without a vault the token is an environment variable, and `serve` makes one up when it is
    # unset (what `make run` does): that setup works, as the sandbox does for the Okta check. A
    # vault means a deployed configuration, where the secret must be there.
    made_up_by_serve = settings.key_vault_url is None
    check, value = await _check_secret(
        store, settings, SecretKey.SCIM_BEARER_TOKEN, required=not made_up_by_serve
    )
    if value is None and made_up_by_serve and check.ok:
        return CheckResult(
            check.name,
            True,
            "environment variable SCIM_BEARER_TOKEN is not set: `python -m connector serve` "
            "makes one up at each start and prints it; for Entra, which keeps the token it is "
            "given, set a fixed one (deployed: the vault secret "
            f"{settings.scim_bearer_token_secret_name!r}; the Functions host makes none up)",
        )
    if value is not None and len(value) < MIN_SECRET_TOKEN_LENGTH:
        where = _where(SecretKey.SCIM_BEARER_TOKEN, settings)
        return CheckResult(
            check.name,
            False,
            f"{where} is shorter than {MIN_SECRET_TOKEN_LENGTH} characters",
            "generate a longer Secret Token, store it there and paste it into the Entra app",
        )
    return check


async def _check_previous_bearer(store: SecretStore, settings: Settings) -> CheckResult | None:
    """During a rotation the previous Secret Token is accepted too (no line when it is unset)."""
    key = SecretKey.SCIM_BEARER_TOKEN_PREVIOUS
    if settings.entra_tenant_id:
        return None
    check, value = await _check_secret(store, settings, key, required=False)
    if value is None:
        return None  # unset; or the vault cannot be read, which the other secret lines say
    where = _where(key, settings)
    if len(value) < MIN_SECRET_TOKEN_LENGTH:
        return CheckResult(
            check.name,
            False,
            f"{where} is shorter than {MIN_SECRET_TOKEN_LENGTH} characters: requests still "
            "carrying the old token get 503 until it is fixed",
            "store the whole previous Secret Token there, or remove it once Entra sends the "
            "new one",
        )
    return CheckResult(check.name, True, f"{where} is set (accepted during the rotation)")


async def _check_relay(store: SecretStore, settings: Settings) -> CheckResult | None:
    """With relay settings: a request through the relay must reach the agent (no line without)."""
    relay = settings.relay
    if relay is None:
        return None
    where = f"hybrid connection {relay.hybrid_connection} on {relay.namespace}"
    key_check, key = await _check_secret(store, settings, SecretKey.RELAY_SEND_KEY, required=True)
    if key is None:
        return CheckResult("relay", False, f"not tried: {key_check.detail}", key_check.fix)
    send_key = key

    async def read_key() -> str:
        return send_key

    origin = settings.okta_org_url or settings.target_base_url or "http://relay-check.invalid"
    try:
        transport = RelaySenderTransport(relay, read_key)
        async with httpx.AsyncClient(transport=transport, timeout=_RELAY_TIMEOUT) as client:
            # Any answer carrying Via comes from the listener: the agent is there. GET, not
            # HEAD: a relay error's TrackingId may be only in its body.
            response = await client.get(f"{origin}/")
    except RelayUnavailableError as error:
        tracking = f", TrackingId {error.tracking_id}" if error.tracking_id else ""
        return CheckResult(
            "relay",
            False,
            f"{where}: {error}{tracking}",
            _RELAY_FIXES.get(error.status_code, "check the relay settings"),
        )
    except httpx.HTTPError as error:
        return CheckResult(
            "relay",
            False,
            f"{where} unreachable: {type(error).__name__}",
            "check RELAY_NAMESPACE (and RELAY_ENDPOINT_URL) and the network path to it",
        )
    return CheckResult(
        "relay",
        True,
        f"{where} accepted the Send key and the agent answered (GET / -> {response.status_code})",
    )


async def _check_target(
    store: SecretStore, settings: Settings, relay_ok: bool
) -> tuple[UserTarget | None, CheckResult]:
    """Build the target (a description is validated here) and make its cheapest read once."""
    name = "okta" if settings.target == "okta" else "target"
    if settings.target == "okta" and settings.okta_org_url is None:
        fix = "set OKTA_ORG_URL to your Okta org URL, e.g. https://example.okta.com"
        if settings.key_vault_url:
            # A vault means a deployed configuration: the Functions host has no sandbox.
            return None, CheckResult(name, False, "OKTA_ORG_URL is not set", fix)
        return None, CheckResult(
            name,
            True,
            "OKTA_ORG_URL not set: only `python -m connector serve` works, with its embedded "
            "Okta sandbox (the Functions host needs OKTA_ORG_URL)",
        )
    try:
        target = build_target(settings, store).users
    except ValueError as error:
        return None, CheckResult(name, False, str(error), _fix_of(error))
    if not relay_ok:
        return target, CheckResult(name, False, "not tried: the relay check failed", "fix it first")
    try:
        with request_budget(_CHECK_BUDGET_SECONDS, retries=False):
            detail = await target.check()
    except TargetError as error:
        return target, CheckResult(name, False, str(error), _fix_of(error))
    except SecretsUnavailableError as error:
        return target, CheckResult(
            name, False, f"not tried: {error}", "check the vault (see the secret checks above)"
        )
    return target, CheckResult(name, True, detail)


async def _check_okta_profiles(
    target: OktaUsers, settings: Settings, fix: bool
) -> list[CheckResult]:
    """The externalId attributes in Okta's user and group profiles (after a good `okta`)."""
    results = []
    for name, profile, attribute in (
        ("okta-user-schema", USER, settings.okta_external_id_attribute),
        ("okta-group-schema", GROUP, settings.okta_group_external_id_attribute),
    ):
        with request_budget(_CHECK_BUDGET_SECONDS, retries=False):
            try:
                found = await check_attribute(target.client, profile, attribute, fix=fix)
            except TargetError as error:
                results.append(CheckResult(name, False, str(error), _fix_of(error)))
                continue
        results.append(CheckResult(name, found.ok, found.detail, found.fix))
    return results


def _fix_of(error: Exception) -> str:
    """Target errors carry their fix after the last `; `; say so when one does not."""
    _, _, fix = str(error).rpartition("; ")
    return fix or "see the message"


async def _check_jwt(settings: Settings) -> CheckResult:
    if not settings.entra_tenant_id:
        return CheckResult("entra-jwt", True, "off: the shared Secret Token is checked")
    # The keys are read as the connector reads them: without them every Entra token is a 503.
    url = settings.entra_jwks_url or default_jwks_url(settings.entra_tenant_id)
    try:
        keys = signing_keys(await fetch_jwks(url))
    except (httpx.HTTPError, ValueError) as error:
        return CheckResult(
            "entra-jwt",
            False,
            f"the signing keys at {url} cannot be read: {str(error) or type(error).__name__}",
            "check ENTRA_JWKS_URL (unset, the tenant's published keys are read) and the network "
            "path to it",
        )
    count = f"{len(keys)} signing key{'s' if len(keys) != 1 else ''}"
    return CheckResult("entra-jwt", True, f"{count} read from {url}")


def _check_schema(settings: Settings, target: UserTarget | None) -> CheckResult:
    try:
        catalog: Catalog = load_schema(settings)
        if target is not None:
            catalog.fitted(target.capabilities)
    except (SchemaError, OSError) as error:
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
    parser.add_argument(
        "--fix",
        action="store_true",
        help="add the externalId attributes missing from Okta's user and group profiles "
        "(through Okta's Schemas API; the API token's admin must be allowed to change profiles)",
    )
    args = parser.parse_args(argv)
    results = asyncio.run(run_doctor(fix=args.fix))
    for result in results:
        print(result.line())
    return 0 if all(result.ok for result in results) else 1


if __name__ == "__main__":
    sys.exit(main())
