"""Logging setup: the connector's level, quiet HTTP libraries, and secret redaction."""

from __future__ import annotations

import logging

from . import redact
from .config import setting


def configure_logging() -> None:
    level = (setting("LOG_LEVEL") or "INFO").upper()
    logging.getLogger("connector").setLevel(level)
    # httpx logs every request URL at INFO; URLs carry logins, which are not log material.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("azure").setLevel(logging.WARNING)
    redact.install()
