"""The declarative REST target: any application whose API a description file tells."""

from __future__ import annotations

from pathlib import Path

from ...secrets import EnvSecretStore, NamedSecret
from ..context import TargetContext
from ..protocol import Targets
from .connection import base_url, connect
from .description import Description
from .groups import RestGroups
from .loading import DescriptionError, Marks, load_description, where
from .users import RestUsers

__all__ = ["DescriptionError", "RestGroups", "RestUsers", "build", "rest_target"]


def rest_target(context: TargetContext) -> Targets:
    """The target TARGET_DESCRIPTION describes; DescriptionError (file, line, fix) if it cannot
    work."""
    path = context.settings.target_description
    assert path is not None  # required with TARGET=rest by the settings
    description, marks = load_description(path)
    if isinstance(context.secrets, EnvSecretStore):
        # Locally secrets are environment variables: a missing one is known now, not at the
        # first request. (A vault is only read when a request needs the secret.)
        missing = [
            f"{where(marks, loc, path)}: {'.'.join(loc)}: the secret {name!r} is not set; set "
            f"the environment variable {NamedSecret(name).env_name} (in Azure: the vault secret "
            f"{name})"
            for name, loc in description.secrets()
            if not context.secrets.has(NamedSecret(name))
        ]
        if missing:
            raise DescriptionError(missing)
    return build(description, context, path, marks)


def build(description: Description, context: TargetContext, source: Path, marks: Marks) -> Targets:
    """The users (and, if described, groups) of a loaded description, sharing one connection."""
    calls = connect(description, context, source, marks)
    url = base_url(description, context)
    groups = RestGroups(description.groups, calls, url) if description.groups else None
    return Targets(RestUsers(description, calls, url), groups)
