"""The process-wide objects every request shares, built on first use (never at import).

The worker indexes `function_app.py` at start-up; doing no I/O and building no client until the
first request keeps that fast, and lets tests and `serve` set the environment first.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from ..auth import Authenticator, authenticator_for
from ..group_service import GroupService
from ..logs import configure_level
from ..mapping import Catalog, SchemaError, load_schema
from ..secrets import SecretStore, secret_store
from ..service import UserService
from ..settings import Settings
from ..targets.factory import build_target
from ..targets.protocol import Targets


@dataclass
class Runtime:
    settings: Settings
    catalog: Catalog
    store: SecretStore
    authenticator: Authenticator
    targets: Targets
    service: UserService
    # None when the target has no groups (a description without a `groups:` section).
    groups: GroupService | None


_runtime: Runtime | None = None


class ConfigurationError(Exception):
    """The settings, Schema.xml, mapping or target description cannot work; the message says
    what to change."""


def build_runtime(env: Mapping[str, str] | None = None) -> Runtime:
    env = os.environ if env is None else env
    try:
        return _build(env)
    except (SchemaError, ValueError) as exc:
        raise ConfigurationError(str(exc)) from exc


def _build(env: Mapping[str, str]) -> Runtime:
    settings = Settings.from_env(env)
    catalog = load_schema(settings)
    store = secret_store(settings, env)
    targets = build_target(settings, store)
    catalog = catalog.fitted(targets.users.capabilities)
    budget = settings.request_budget_seconds
    return Runtime(
        settings=settings,
        catalog=catalog,
        store=store,
        authenticator=authenticator_for(store, settings),
        targets=targets,
        service=UserService(catalog, targets.users, budget),
        groups=GroupService(targets.groups, budget) if targets.groups is not None else None,
    )


def runtime() -> Runtime:
    global _runtime
    if _runtime is None:
        configure_level()
        _runtime = build_runtime()
    return _runtime


def reset_runtime() -> None:
    """Forget the shared objects so the next request rebuilds them from the environment."""
    global _runtime
    _runtime = None
