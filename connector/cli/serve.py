"""`python -m connector serve`: the function app over local HTTP, with a sandbox when no real
target is configured, and the Tenant URL and Secret Token printed for Entra."""

from __future__ import annotations

import logging
import os
import secrets
import sys
import threading
from pathlib import Path

from ..settings import Settings, SettingsError

ROOT = Path(__file__).resolve().parents[2]
REST_SAMPLE = ROOT / "samples" / "legacyapp"
# The sample description names this secret; locally it is this environment variable.
REST_SAMPLE_KEY_VARIABLE = "LEDGERLINE_API_KEY"


def _okta_sandbox() -> str:
    """Start the embedded Okta simulator and point the connector at it."""
    from oktasim import Simulator, SimulatorOptions

    token = secrets.token_urlsafe(24)
    # A sandbox ready for groups too: the org's group profile has the externalId attribute.
    options = SimulatorOptions(token=token, group_custom_attributes=("scimExternalId",))
    running = Simulator(options).start(host="127.0.0.1", port=0)
    os.environ["OKTA_ORG_URL"] = running.url
    os.environ["OKTA_API_TOKEN"] = token
    return f"embedded Okta sandbox at {running.url} (in memory: lost on exit)"


def _rest_sandbox() -> str:
    """Start the legacy-app sandbox and point the connector at it through the sample files."""
    from legacyapp import Sandbox, SandboxOptions

    key = secrets.token_urlsafe(24)
    running = Sandbox(SandboxOptions(api_key=key)).start(host="127.0.0.1", port=0)
    os.environ.update(
        {
            "TARGET": "rest",
            "TARGET_DESCRIPTION": str(REST_SAMPLE / "description.yaml"),
            "TARGET_BASE_URL": f"{running.url}/api/v2",
            "SCHEMA_XML_PATH": str(REST_SAMPLE / "Schema.xml"),
            "SCHEMA_MAPPING_PATH": str(REST_SAMPLE / "mapping.json"),
            REST_SAMPLE_KEY_VARIABLE: key,
        }
    )
    return f"embedded legacy-app sandbox (Ledgerline HR) at {running.url} (in memory: lost on exit)"


def _short_tokens() -> list[str]:
    """The Secret Tokens set in the environment that are too short to be accepted (the values
    are only measured, never shown)."""
    from ..auth import MIN_SECRET_TOKEN_LENGTH

    return [
        f"{name} is shorter than {MIN_SECRET_TOKEN_LENGTH} characters; set the whole token"
        + (", or unset it once the rotation is over" if name.endswith("_PREVIOUS") else "")
        for name in ("SCIM_BEARER_TOKEN", "SCIM_BEARER_TOKEN_PREVIOUS")
        if 0 < len(os.environ.get(name, "").strip()) < MIN_SECRET_TOKEN_LENGTH
    ]


def _secret_token(settings: Settings) -> str:
    """What Entra's Secret Token box takes, as printed at start. Locally the token is an
    environment variable, which is made up when there is none (and no vault)."""
    if settings.entra_tenant_id:
        return "none: Entra's own access tokens are checked (ENTRA_TENANT_ID is set)"
    if settings.key_vault_url:
        return f"the {settings.scim_bearer_token_secret_name} secret in {settings.key_vault_url}"
    if os.environ.get("SCIM_BEARER_TOKEN", "").strip():
        return "(the value of SCIM_BEARER_TOKEN)"
    made = secrets.token_urlsafe(24)
    os.environ["SCIM_BEARER_TOKEN"] = made
    return made


def _refuse(problem: Exception) -> int:
    print(f"The configuration cannot work: {problem}", file=sys.stderr)
    print("Run `python -m connector doctor` for every check and its fix.", file=sys.stderr)
    return 2


def serve(host: str, port: int, *, rest_sandbox: bool = False) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    try:
        settings = Settings.from_env()
    except SettingsError as exc:
        return _refuse(exc)
    if not settings.key_vault_url and not settings.entra_tenant_id:
        short = _short_tokens()
        if short:
            return _refuse(ValueError("; ".join(short)))
    sandbox = rest_sandbox or (settings.target == "okta" and settings.okta_org_url is None)
    if sandbox and settings.key_vault_url:
        # The sandbox's credentials are environment variables, which a vault store never reads.
        real = "" if rest_sandbox else ", or set OKTA_ORG_URL for a real Okta org"
        return _refuse(
            ValueError(
                "KEY_VAULT_URL is set, so secrets are read from the vault, where the embedded "
                f"sandbox's credentials are not: unset KEY_VAULT_URL to try the sandbox{real}"
            )
        )
    note = ""
    if rest_sandbox:
        note = _rest_sandbox()
    elif sandbox:
        note = _okta_sandbox()
    shown = _secret_token(settings)

    from ..http.runtime import ConfigurationError, build_runtime

    try:
        # Built once here only to refuse a bad configuration before listening.
        target = build_runtime().targets.users
    except ConfigurationError as exc:
        return _refuse(exc)
    note = note or f"{target.capabilities.name} (TARGET={settings.target})"

    sys.path.insert(0, str(ROOT))
    import function_app

    from .local_host import start

    try:
        running = start(function_app.app, ROOT / "host.json", host, port)
    except OSError as exc:
        print(
            f"Cannot listen on {host}:{port} ({exc.strerror}). Is another server using it? "
            "Pass another one, e.g. `python -m connector serve --port 7072`.",
            file=sys.stderr,
        )
        return 2
    print(f"Entra SCIM connector listening at {running.url}", flush=True)
    print(f"  Tenant URL:   {running.url}/api/scim/v2", flush=True)
    print(f"  Secret Token: {shown}", flush=True)
    print(f"  Target:       {note}", flush=True)
    print("Press Ctrl-C to stop.", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        running.stop()
    return 0
