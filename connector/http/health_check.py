"""What `GET /api/health` answers (health.py routes it): is the configuration valid, and
(with the bearer token) does it work?

Anonymous and cheap: it reads no secret and calls no target. It builds what every request needs
(settings, Schema.xml and mapping, the target) exactly as the first SCIM request does, without
any I/O, and answers 200 `{"status": "ok"}` or 503 with the problems. `?deep=true` also reads the
secrets and makes the target's cheapest authenticated read within a short budget; because that
costs a target call, it needs the same bearer token as the SCIM routes (401 without it).
Outside the SCIM prefix, so it is not a SCIM endpoint and its answers are plain JSON.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import azure.functions as func

from ..auth import AuthenticationError
from ..secrets import SecretKey, SecretsUnavailableError
from ..settings import Settings, SettingsError
from ..targets.errors import TargetError
from ..telemetry import scrub, setup
from ..transport.budget import request_budget
from .runtime import ConfigurationError, Runtime, runtime

log = logging.getLogger("connector.health")

# One attempt, a few seconds: a health check reports, it does not wait out an outage.
DEEP_BUDGET_SECONDS = 5.0
_TRUE = {"1", "true", "yes", "on"}


def _answer(status: int, body: dict[str, Any]) -> func.HttpResponse:
    return func.HttpResponse(
        body=json.dumps(body).encode("utf-8"),
        status_code=status,
        headers={"Cache-Control": "no-store"},
        mimetype="application/json",
        charset="utf-8",
    )


def _problems() -> tuple[Runtime | None, list[str]]:
    try:
        Settings.from_env()
    except SettingsError as error:
        return None, list(error.problems)
    try:
        return runtime(), []
    except ConfigurationError as error:
        return None, [str(error)]


async def check(req: func.HttpRequest) -> func.HttpResponse:
    deep = (req.params.get("deep") or "").strip().lower() in _TRUE
    built, problems = _problems()
    if built is None:
        return _answer(
            503,
            {
                "status": "misconfigured",
                "problems": problems,
                "fix": "run `python -m connector doctor` with the same settings",
            },
        )
    body: dict[str, Any] = {
        "status": "ok",
        "target": built.targets.users.capabilities.name,
        "auth": "entra-jwt" if built.settings.entra_tenant_id else "secret-token",
        "telemetry": setup.mode(),
    }
    if not deep:
        return _answer(200, body)
    try:
        await built.authenticator.authenticate(req.headers.get("Authorization"))
    except AuthenticationError:
        return _answer(
            401, {"status": "unauthorized", "detail": "deep=true needs the SCIM bearer token"}
        )
    except SecretsUnavailableError as error:
        body["status"] = "failing"
        body["checks"] = {"secrets": f"failed: {scrub(str(error))}"}
        return _answer(503, body)
    checks = {"secrets": await _secrets(built), "target": await _target(built)}
    failed = any(result.startswith("failed") for result in checks.values())
    body["status"] = "failing" if failed else "ok"
    body["checks"] = checks
    return _answer(503 if failed else 200, body)


def _needed(built: Runtime) -> list[SecretKey]:
    settings = built.settings
    keys = []
    if not settings.entra_tenant_id:
        keys.append(SecretKey.SCIM_BEARER_TOKEN)
    if settings.target == "okta":
        keys.append(SecretKey.OKTA_API_TOKEN)
    if settings.relay is not None:
        keys.append(SecretKey.RELAY_SEND_KEY)
    return keys


async def _secrets(built: Runtime) -> str:
    """Whether every secret the configuration needs can be read (never what it is)."""
    missing = []
    for key in _needed(built):
        try:
            value = await built.store.get(key)
        except SecretsUnavailableError as error:
            return f"failed: {key.value} cannot be read: {scrub(str(error))}"
        if not value:
            missing.append(key.value)
    if missing:
        return f"failed: not set: {', '.join(missing)}"
    return "ok: " + ", ".join(k.value for k in _needed(built)) + " readable"


async def _target(built: Runtime) -> str:
    try:
        with request_budget(DEEP_BUDGET_SECONDS, retries=False):
            return f"ok: {scrub(await built.targets.users.check())}"
    except TargetError as error:
        return f"failed: {scrub(str(error))}"
    except SecretsUnavailableError as error:
        return f"failed: {scrub(str(error))}"
    except Exception as error:  # a bug must still be an answer, and say where to look
        log.exception("the health check's target call failed unexpectedly")
        return f"failed: unexpected {type(error).__name__}; the connector's log has details"
