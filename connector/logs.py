"""Logging setup: quiet HTTP libraries and secret redaction at start, the connector's level
from the settings when they are first read.

The settings model takes ~0.15 s to import (pydantic), more than the rest of indexing the app,
so `configure_logging` (at `function_app`'s import) does not read it: `configure_level` runs
where the process-wide runtime is built, at the app's warmup or its first request.
"""

from __future__ import annotations

import logging

from . import redact

log = logging.getLogger("connector")
_reported = False


def configure_logging() -> None:
    # httpx logs every request URL at INFO; URLs carry logins, which are not log material.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    # httpcore's DEBUG trace prints response headers, and Okta's Link headers carry searches.
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    logging.getLogger("azure").setLevel(logging.WARNING)
    redact.install()


def configure_level() -> None:
    """Set the connector's log level from LOG_LEVEL. A bad setting is logged (once a process),
    never raised, so the app still starts and every request answers with the problem."""
    global _reported
    from .settings import Settings, SettingsError

    try:
        level = Settings.from_env().log_level
    except SettingsError as error:
        level = "INFO"
        if not _reported:
            _reported = True
            log.error("The connector's settings are invalid: %s", error)
    log.setLevel(level)
