"""When a write landed, for a target whose answer to it says nothing of the record.

Okta's lifecycle calls answer `{}`, `204` or an activation link, never the user; a described
application's state action may answer an acknowledgement only. The user's own `lastUpdated` is
then unknown without one more read, and the one the connector read before is the time of the
change before this one. What the connector knows for certain is that the change had landed
when the answer arrived: that moment, on the connector's clock (UTC, to the millisecond, as
Okta writes its stamps), is the user's `meta.lastModified` in the answer to the request, never
earlier than the stamp the target gave before. A later read shows the target's own stamp, a
few milliseconds earlier (the call's latency, and whatever the two clocks disagree by).

Okta's `Date` header is no better a source: it is to the second, so it can fall before the
update the same request made a moment earlier.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]
"""The wall clock, as an aware datetime; tests pass a fixed one."""


def utc_now() -> datetime:
    return datetime.now(UTC)


def landed(before: str | None, now: datetime) -> str:
    """The stamp of a write whose answer arrived at `now`; `before`: the record's stamp as the
    target last gave it (kept if the connector's clock is behind it)."""
    moment = now.astimezone(UTC)
    moment = moment.replace(microsecond=moment.microsecond // 1000 * 1000)
    earlier = _parsed(before)
    if before is not None and earlier is not None and earlier > moment:
        return before
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _parsed(stamp: str | None) -> datetime | None:
    """An ISO 8601 stamp with a zone as a moment; None for anything else (a described
    application may keep another format, which then says nothing comparable)."""
    if not stamp:
        return None
    try:
        moment = datetime.fromisoformat(stamp)
    except ValueError:
        return None
    return moment.astimezone(UTC) if moment.tzinfo is not None else None
