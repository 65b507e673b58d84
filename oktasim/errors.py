"""Okta error bodies, with the status and summary of each code taken from Okta's catalogue."""

from __future__ import annotations

from typing import Any

from oktasim.ids import new_error_id

_CATALOGUE: dict[str, tuple[int, str]] = {
    "E0000001": (400, "Api validation failed: {0}"),
    "E0000003": (400, "The request body was not well-formed."),
    "E0000005": (403, "Invalid session"),
    "E0000006": (403, "You do not have permission to perform the requested action"),
    "E0000007": (404, "Not found: {0}"),
    "E0000008": (404, "The requested path was not found"),
    "E0000009": (500, "Internal Server Error"),
    "E0000011": (401, "Invalid token provided"),
    "E0000016": (403, "Activation failed because the user is already active"),
    "E0000017": (403, "Password reset failed"),
    "E0000018": (400, "Bad request.  Accept and/or Content-Type headers are likely not set."),
    "E0000021": (
        400,
        "Bad request.  Accept and/or Content-Type headers likely do not match supported values.",
    ),
    "E0000022": (405, "The endpoint does not support the provided HTTP method"),
    "E0000028": (400, "The request is missing a required parameter."),
    "E0000029": (400, "Invalid paging request."),
    "E0000030": (
        400,
        "Bad request. Invalid date. Dates must be of the form yyyy-MM-dd'T'HH:mm:ss.SSSZZ, "
        "e.g. 2013-01-01T12:00:00.000-07:00.",
    ),
    "E0000031": (400, "Invalid search criteria."),
    "E0000032": (403, "Unlock is not allowed for this user."),
    "E0000033": (400, "Bad request. Can't specify a search query and filter in the same request."),
    "E0000038": (403, "This operation is not allowed in the user's current status."),
    "E0000047": (429, "API call exceeded rate limit due to too many requests."),
    "E0000060": (501, "Unsupported operation."),
    "E0000093": (400, "Target count limit exceeded"),
    "E0000112": (
        409,
        "Cannot update this user because they are still being activated. "
        "Please try again in a few minutes.",
    ),
    "E0000124": (
        400,
        "Could not create user. To create a user and expire their password immediately, "
        "a password must be specified",
    ),
    "E0000125": (
        400,
        "Could not create user. To create a user and expire their password immediately, "
        '"activate" must be true',
    ),
}


class OktaError(Exception):
    """An Okta API error; raised anywhere below the router and rendered as Okta's error body."""

    def __init__(self, code: str, detail: str = "", causes: list[str] | None = None) -> None:
        status, template = _CATALOGUE[code]
        self.code = code
        self.status = status
        self.summary = template.replace("{0}", detail)
        self.causes = causes or []
        super().__init__(f"{code} {self.summary}")

    def body(self) -> dict[str, Any]:
        return {
            "errorCode": self.code,
            "errorSummary": self.summary,
            "errorLink": self.code,
            "errorId": new_error_id(),
            "errorCauses": [{"errorSummary": cause} for cause in self.causes],
        }


def user_not_found(id_or_login: str) -> OktaError:
    return OktaError("E0000007", f"Resource not found: {id_or_login} (User)")


def group_not_found(group_id: str) -> OktaError:
    # The resource name as a 2019 report quotes it (okta/samples-js-react#60).
    return OktaError("E0000007", f"Resource not found: {group_id} (UserGroup)")


def validation_failed(causes: list[tuple[str, str]]) -> OktaError:
    """Okta names the first failing property in the summary and lists every failure as a cause."""
    return OktaError("E0000001", causes[0][0], [f"{prop}: {message}" for prop, message in causes])


def invalid_search(cause: str = "Invalid search query.") -> OktaError:
    return OktaError("E0000031", causes=[cause])
