"""What every use case shares: the request's time budget, and target failures as SCIM errors."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import wraps
from typing import Any, ParamSpec, TypeVar

from scim2_models import (
    InvalidFilterException,
    InvalidValueException,
    NotFoundException,
    UniquenessException,
)

from .targets.errors import (
    GroupNotFoundError,
    LoginConflictError,
    NameConflictError,
    QueryNotSupportedError,
    RateLimitedError,
    RejectedError,
    UnavailableError,
    UserNotFoundError,
)
from .transport.budget import request_budget

P = ParamSpec("P")
R = TypeVar("R")


class ServiceBusyError(Exception):
    """The target is rate limited (429) or failing (503); try again after `retry_after` s."""

    def __init__(self, status: int, detail: str, retry_after: int) -> None:
        self.status = status
        self.detail = detail
        self.retry_after = retry_after
        super().__init__(detail)


def use_case(method: Callable[P, Awaitable[R]]) -> Callable[P, Awaitable[R]]:
    """Run a service method inside the request's time budget and translate target failures."""

    @wraps(method)
    async def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        service: Any = args[0]
        assert isinstance(service.budget_seconds, float | int)
        with request_budget(service.budget_seconds):
            try:
                return await method(*args, **kwargs)
            except UserNotFoundError as exc:
                raise NotFoundException(detail="User not found") from exc
            except GroupNotFoundError as exc:
                raise NotFoundException(detail="Group not found") from exc
            except LoginConflictError as exc:
                said = "userName already exists" if exc.anchor else "a unique value is taken"
                raise UniquenessException(detail=f"{said}: {exc}") from exc
            except NameConflictError as exc:
                raise UniquenessException(detail=f"displayName already exists: {exc}") from exc
            except RejectedError as exc:
                raise InvalidValueException(detail=exc.detail) from exc
            except QueryNotSupportedError as exc:
                raise InvalidFilterException(detail=str(exc)) from exc
            except RateLimitedError as exc:
                raise ServiceBusyError(429, exc.reason, exc.retry_after) from exc
            except UnavailableError as exc:
                raise ServiceBusyError(503, exc.reason, exc.retry_after) from exc

    return wrapper
