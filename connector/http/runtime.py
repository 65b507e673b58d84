"""The process-wide objects every request shares, built on first use (never at import).

The worker indexes `function_app.py` at start-up; doing no I/O and building no client until the
first request keeps that fast, and lets tests and `serve` set the environment first.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

import httpx

from ..auth import Authenticator, authenticator_from_env
from ..config import Settings
from ..relay import RelaySenderTransport, RelaySettings
from ..schema import Catalog, SchemaError, load_schema
from ..secrets import SecretKey, SecretStore, secret_store_from_env
from ..service import UserService
from ..targets.errors import UnavailableError
from ..targets.okta.client import OktaClient, TokenSource
from ..targets.okta.users import OktaUsers


@dataclass
class Runtime:
    settings: Settings
    catalog: Catalog
    store: SecretStore
    authenticator: Authenticator
    okta: OktaClient
    service: UserService


_runtime: Runtime | None = None


class ConfigurationError(Exception):
    """The settings, Schema.xml or mapping cannot work; the message says what to change."""


def _okta_token(store: SecretStore) -> TokenSource:
    async def token(refresh: bool) -> str:
        key = SecretKey.OKTA_API_TOKEN
        value = await (store.refresh(key) if refresh else store.get(key))
        if not value:
            raise UnavailableError(
                "no Okta API token is configured: set the vault secret okta-api-token "
                "(or OKTA_API_TOKEN locally)",
                retry_after=300,
            )
        return value

    return token


def _relay_transport(env: Mapping[str, str], store: SecretStore) -> httpx.AsyncBaseTransport | None:
    relay = RelaySettings.from_env(env)
    if relay is None:
        return None

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


def build_runtime(env: Mapping[str, str] | None = None) -> Runtime:
    env = os.environ if env is None else env
    try:
        return _build(env)
    except (SchemaError, ValueError) as exc:
        raise ConfigurationError(str(exc)) from exc


def _build(env: Mapping[str, str]) -> Runtime:
    settings = Settings.from_env(env)
    if settings.okta_org_url is None:
        raise ValueError(
            "OKTA_ORG_URL is not set: set it to your Okta org URL, e.g. https://example.okta.com"
        )
    catalog = load_schema(settings)
    store = secret_store_from_env(env)
    okta = OktaClient(
        settings.okta_org_url,
        _okta_token(store),
        transport=_relay_transport(env, store),
        max_concurrency=settings.max_concurrency,
    )
    users = OktaUsers(
        okta,
        activate_on_create=settings.activate_on_create,
        disable_mode=settings.disable_mode,
    )
    return Runtime(
        settings=settings,
        catalog=catalog,
        store=store,
        authenticator=authenticator_from_env(store, env),
        okta=okta,
        service=UserService(catalog, users, settings.request_budget_seconds),
    )


def runtime() -> Runtime:
    global _runtime
    if _runtime is None:
        _runtime = build_runtime()
    return _runtime


def reset_runtime() -> None:
    """Forget the shared objects so the next request rebuilds them from the environment."""
    global _runtime
    _runtime = None
