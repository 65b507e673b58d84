"""Target-neutral failures: what any target can report, in words the service can act on."""

from __future__ import annotations

from .model import TargetUser


class TargetError(Exception):
    """Base of every failure a target reports."""


class UserNotFoundError(TargetError):
    """No such user in the target."""


class LoginConflictError(TargetError):
    """Another user already holds this login, or (`anchor` False) the application refused a
    duplicate of some value it keeps unique, without saying which."""

    def __init__(self, detail: str, *, anchor: bool = True) -> None:
        super().__init__(detail)
        self.anchor = anchor


class GroupNotFoundError(TargetError):
    """No such group in the target."""


class NameConflictError(TargetError):
    """Another group already has this name."""


class RejectedError(TargetError):
    """The target refused the values; `detail` says why, in the target's words."""

    def __init__(self, detail: str) -> None:
        self.detail = detail
        super().__init__(detail)


class StateRefusedError(RejectedError):
    """The target refuses the change while the user is in its current state (Okta: edits of a
    deactivated user); `user` is the user as the target just read it."""

    def __init__(self, detail: str, user: TargetUser) -> None:
        super().__init__(detail)
        self.user = user


class NotWritableError(RejectedError):
    """The target does not let the connector change this group (e.g. one imported from a
    directory); `detail` says why and what to do."""


class UnavailableError(TargetError):
    """The target failed transiently and the request's time budget ran out."""

    def __init__(self, reason: str, retry_after: int) -> None:
        self.reason = reason
        self.retry_after = retry_after
        super().__init__(reason)


class RateLimitedError(UnavailableError):
    """The target's rate limit would not reset within the request's time budget."""


class QueryNotSupportedError(TargetError):
    """The target cannot answer this query exactly (and a wider query is never sent)."""
