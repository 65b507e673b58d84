"""Logging setup: the connector's level, quiet HTTP libraries, and secret redaction."""

from __future__ import annotations

import logging

from . import redact
from .settings import Settings, SettingsError

log = logging.getLogger("connector")


def configure_logging() -> None:
    """Set the connector's log level from LOG_LEVEL; a bad setting is logged, never raised, so
    the app still starts and every request answers with the configuration problem."""
    try:
        level = Settings.from_env().log_level
    except SettingsError as error:
        level = "INFO"
        log.error("The connector's settings are invalid: %s", error)
    log.setLevel(level)
    # httpx logs every request URL at INFO; URLs carry logins, which are not log material.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    # httpcore's DEBUG trace prints response headers, and Okta's Link headers carry searches.
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    logging.getLogger("azure").setLevel(logging.WARNING)
    redact.install()
