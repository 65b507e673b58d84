"""A target's own wait before trying again (a user Okta is still activating, a write whose
answer was lost): backed off, and only while the request's budget allows the try after it."""

from __future__ import annotations

import asyncio
import logging

from .. import telemetry
from ..transport.backoff import backoff
from ..transport.budget import MIN_ATTEMPT_SECONDS, remaining, retries_allowed
from .errors import UnavailableError

log = logging.getLogger(__name__)


async def pause(attempt: int, reason: str) -> None:
    """Waits before try `attempt + 1`; UnavailableError (with Retry-After) when no time is left
    for it, or the request allows no retry (a diagnostic), `reason` saying why the request could
    not finish. The retry and its wait count in the request's record, as the client's do."""
    wait = backoff(attempt)
    if not retries_allowed() or wait + MIN_ATTEMPT_SECONDS > remaining():
        if retries_allowed():
            telemetry.budget_exhausted(503)  # as the client's own retry reports it
        raise UnavailableError(reason, retry_after=max(1, round(wait)))
    log.info("retrying in %.2fs: %s", wait, reason)
    telemetry.retried(reason)
    telemetry.waited(wait, "backoff")
    await asyncio.sleep(wait)
