"""Okta's timestamp format: ISO-8601 UTC with milliseconds, e.g. 2025-09-29T02:17:20.000Z."""

from __future__ import annotations

import re
from datetime import UTC, datetime


def utc_now() -> datetime:
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def format_timestamp(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    # The first 23 characters of the ISO form are Okta's up to the milliseconds (and ~5x
    # quicker to get than strftime's: a page of 1,000 members shows 6,000 timestamps).
    return moment.isoformat(timespec="milliseconds")[:23] + "Z"


# `yyyy-MM-dd'T'HH:mm:ss.SSSZZ`, the one form E0000030's text allows ("Dates must be of the
# form ..."), with its examples' zones: `Z` and `-07:00` (also `-0700`).
_OKTA_DATE = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}(Z|[+-]\d\d:?\d\d)")


def parse_timestamp(text: str) -> datetime | None:
    """Parses `yyyy-MM-dd'T'HH:mm:ss.SSSZZ`; None when the text is not such a date (no
    milliseconds, more digits, no zone, ISO's basic form: Python would read them all)."""
    if not _OKTA_DATE.fullmatch(text):
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        return None
    return moment.astimezone(UTC)
