"""What an Okta error answer means, read from its `errorCode`.

Okta says only `errorCode` is meant for program logic (summaries may change), and one HTTP status
carries several meanings: a 403 is a missing right (`E0000006`), a refusal in the user's current
status (`E0000038`, `E0000016`) or a profile mastered elsewhere (`E0000023`). The status decides
only for an answer without a code this table knows (a proxy's page, a code Okta added later).
A 404 is not always "no such user": `E0000008` says the path itself is unknown, which a wrong
OKTA_ORG_URL causes, and taking it for a missing user would make Entra drop or recreate users.
Codes and statuses: Okta's error-code catalogue (developer.okta.com/docs/reference/error-codes).
"""

from __future__ import annotations

import re
from enum import Enum

from ..errors import RateLimitedError, UnavailableError
from .client import OktaApiError


class Meaning(Enum):
    NOT_FOUND = "not found"
    NO_SUCH_PATH = "the API has no such path (the org URL is wrong)"
    INVALID = "the values or the request are invalid"
    STATE = "not allowed in the resource's current status"
    FORBIDDEN = "the token's admin lacks the rights"
    MASTERED = "the profile is mastered by another system"
    CREDENTIALS = "the token is missing or invalid"
    BUSY = "the resource is busy"
    RATE_LIMITED = "rate limit"
    UNSUPPORTED = "unsupported operation"


_CODES: dict[str, Meaning] = {
    "E0000001": Meaning.INVALID,  # Api validation failed (also: a login or unique value taken)
    "E0000003": Meaning.INVALID,  # the request body was not well-formed
    "E0000005": Meaning.CREDENTIALS,  # invalid session
    "E0000006": Meaning.FORBIDDEN,  # you do not have permission to perform the requested action
    "E0000007": Meaning.NOT_FOUND,  # not found: resource not found
    "E0000008": Meaning.NO_SUCH_PATH,  # the requested path was not found
    "E0000011": Meaning.CREDENTIALS,  # invalid token provided
    "E0000016": Meaning.STATE,  # activation failed because the user is already active
    "E0000017": Meaning.STATE,  # password reset failed
    "E0000023": Meaning.MASTERED,  # operation failed because the profile is mastered elsewhere
    "E0000028": Meaning.INVALID,  # the request is missing a required parameter
    "E0000029": Meaning.INVALID,  # invalid paging request
    "E0000030": Meaning.INVALID,  # invalid date
    "E0000031": Meaning.INVALID,  # invalid search criteria
    "E0000032": Meaning.STATE,  # unlock is not allowed for this user
    "E0000038": Meaning.STATE,  # this operation is not allowed in the user's current status
    "E0000047": Meaning.RATE_LIMITED,  # API call exceeded rate limit
    "E0000060": Meaning.UNSUPPORTED,  # unsupported operation
    "E0000093": Meaning.INVALID,  # target count limit exceeded
    "E0000112": Meaning.BUSY,  # cannot update this user because they are still being activated
}

_BY_STATUS: dict[int, Meaning] = {
    401: Meaning.CREDENTIALS,
    403: Meaning.FORBIDDEN,
    404: Meaning.NOT_FOUND,
    409: Meaning.BUSY,
    429: Meaning.RATE_LIMITED,
    501: Meaning.UNSUPPORTED,
}

# A cause naming the property it is about, as Okta writes them: `login: An object with this
# field already exists in the current organization`.
_CAUSE = re.compile(r"^(?P<name>[A-Za-z_][A-Za-z0-9_]*): (?P<message>.+)$")


def meaning(error: OktaApiError) -> Meaning:
    body = error.body
    return _CODES.get(body.code) or _BY_STATUS.get(body.status, Meaning.INVALID)


def not_found(error: OktaApiError) -> bool:
    return meaning(error) is Meaning.NOT_FOUND


def taken_attribute(error: OktaApiError) -> str | None:
    """The property whose value another object already holds, when that is the refusal: a
    validation failure (`E0000001`) with a cause naming the property and saying it exists."""
    if error.body.code != "E0000001":
        return None
    for cause in error.body.causes:
        found = _CAUSE.match(cause)
        if found and "already exists" in found.group("message").lower():
            return found.group("name")
    return None


def shared_refusal(error: OktaApiError, resource: str, rights: str) -> Exception | None:
    """The service's error for a refusal that means the same for every Okta resource (a wrong
    org URL, missing rights or credentials, busy, rate limited); None for the others, which
    each resource reads its own way. `rights`: what the token's admin must be allowed."""
    said = f"{error.body.code} {error.body.summary}".strip()
    match meaning(error):
        case Meaning.NO_SUCH_PATH:
            return UnavailableError(
                f"Okta has no such API path ({said}); check that OKTA_ORG_URL is the org's base "
                "URL, e.g. https://example.okta.com",
                retry_after=300,
            )
        case Meaning.FORBIDDEN:
            return UnavailableError(
                f"Okta refused the connector ({said}); grant the API token's admin the rights "
                f"to {rights}",
                retry_after=300,
            )
        case Meaning.CREDENTIALS:
            return UnavailableError(
                f"Okta refused the connector's credentials ({said}); put a valid token in the "
                "vault secret okta-api-token (or OKTA_API_TOKEN locally)",
                retry_after=300,
            )
        case Meaning.BUSY:
            return UnavailableError(f"Okta is busy with this {resource}: {said}", retry_after=60)
        case Meaning.RATE_LIMITED:
            return RateLimitedError(f"Okta rate limit reached ({said})", retry_after=60)
    return None


# How Okta names an attribute its profile schema does not define, in an E0000001 cause: the
# simulator's "<name>: Property is not defined in the user schema", and the wording a recorded
# real answer used, "Property name '<name>' is not defined in profile".
_UNDEFINED = (
    re.compile(r"^(?P<name>[A-Za-z_][A-Za-z0-9_]*): Property is not defined"),
    re.compile(r"Property name '(?P<name>[^']+)' is not defined"),
)


def undefined_property(error: OktaApiError) -> str | None:
    """The attribute Okta refused because its profile schema lacks it, if that is the refusal."""
    if error.body.code != "E0000001":
        return None
    for cause in error.body.causes:
        for pattern in _UNDEFINED:
            found = pattern.search(cause)
            if found:
                return found.group("name")
    return None
