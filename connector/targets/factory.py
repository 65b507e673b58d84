"""Builds the target the TARGET setting names: Okta, a described REST application, or a factory
of the admin's own (`python:<module>:<factory>`, called with a TargetContext)."""

from __future__ import annotations

import importlib

import httpx

from ..secrets import SecretKey, SecretStore
from ..settings import Settings
from .context import TargetContext
from .errors import UnavailableError
from .http import ATTEMPT_TIMEOUT_SECONDS
from .protocol import Targets, UserTarget
from .secret_source import secret_token


class TargetConfigurationError(ValueError):
    """The target cannot be built from the settings; the message says what to change."""


def build_target(settings: Settings, store: SecretStore) -> Targets:
    context = TargetContext(settings, store, relay_transport(settings, store))
    if settings.target == "okta":
        return okta_target(context)
    if settings.target == "rest":
        from .rest import rest_target

        return rest_target(context)
    return python_target(settings.target, context)


def okta_target(context: TargetContext) -> Targets:
    from .okta.client import OktaClient
    from .okta.groups import OktaGroups
    from .okta.users import OktaUsers

    settings = context.settings
    if settings.okta_org_url is None:
        raise TargetConfigurationError(
            "OKTA_ORG_URL is not set: set it to your Okta org URL, e.g. https://example.okta.com"
        )
    client = OktaClient(
        settings.okta_org_url,
        secret_token(
            context.secrets,
            SecretKey.OKTA_API_TOKEN,
            "Okta API token",
            settings.okta_api_token_secret_name,
        ),
        transport=context.transport,
        max_concurrency=settings.okta_max_concurrency,
        attempt_timeout=context.attempt_timeout(ATTEMPT_TIMEOUT_SECONDS),
    )
    users = OktaUsers(
        client,
        activate_on_create=settings.okta_activate_on_create,
        disable_mode=settings.okta_disable_mode,
        external_id_attribute=settings.okta_external_id_attribute,
    )
    # One client for both: one pacer sees every call, so users and groups share Okta's limits.
    groups = OktaGroups(client, external_id_attribute=settings.okta_group_external_id_attribute)
    return Targets(users, groups)


def python_target(spec: str, context: TargetContext) -> Targets:
    """`python:package.module:factory`: the module is imported, `factory(context)` called; it
    returns a UserTarget, or Targets for users and groups."""
    _, module_name, factory_name = spec.split(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise TargetConfigurationError(
            f"TARGET={spec}: cannot import {module_name} ({exc}); put the module next to "
            "function_app.py (or on PYTHONPATH) and check its name"
        ) from exc
    factory = getattr(module, factory_name, None)
    if not callable(factory):
        raise TargetConfigurationError(
            f"TARGET={spec}: {module_name} has no function {factory_name}(context)"
        )
    built: UserTarget | Targets = factory(context)
    return built if isinstance(built, Targets) else Targets(built)


def relay_transport(settings: Settings, store: SecretStore) -> httpx.AsyncBaseTransport | None:
    relay = settings.relay
    if relay is None:
        return None
    from ..transport.relay import RelaySenderTransport

    async def send_key() -> str:
        # Called only to sign a token: on first use, at each half-life renewal, and after the
        # relay refused the last token (the key may have been rotated). A cached read would
        # sign with the old key again until the cache's TTL, so each call re-reads the vault.
        value = await store.refresh(SecretKey.RELAY_SEND_KEY)
        if not value:
            raise UnavailableError(
                "no Azure Relay Send key is configured: set the vault secret relay-send-key "
                "(or RELAY_SEND_KEY locally)",
                retry_after=300,
            )
        return value

    return RelaySenderTransport(relay, send_key)
