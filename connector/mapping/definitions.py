"""What RFC 7643 says a User looks like: the attribute names and shapes the mapping can target.

The mapping decides which of these reach the target; this table decides which names are SCIM at
all, so that an attribute SCIM defines but the target has no place for can be told apart from a
typo.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from functools import cached_property

CORE_USER = "urn:ietf:params:scim:schemas:core:2.0:User"
ENTERPRISE_USER = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
ECMA2HOST_USER = "urn:ietf:params:scim:schemas:extension:ECMA2Host:2.0:User"


class Shape(Enum):
    SIMPLE = "simple"
    COMPLEX = "complex"
    MULTI = "multi"
    READ_ONLY = "readOnly"


@dataclass(frozen=True)
class AttributeShape:
    name: str
    shape: Shape
    sub_attributes: tuple[str, ...] = ()

    @cached_property
    def by_lower(self) -> dict[str, str]:
        """The sub-attributes by their lower-case spelling: every write names one, in any case."""
        # Reversed: where two spellings fold alike, the first one listed is the one found.
        return {s.lower(): s for s in reversed(self.sub_attributes)}


_MULTI_SUBS = ("value", "display", "type", "primary")
_ADDRESS_SUBS = (
    "formatted",
    "streetAddress",
    "locality",
    "region",
    "postalCode",
    "country",
    "type",
    "primary",
)
_NAME_SUBS = (
    "formatted",
    "familyName",
    "givenName",
    "middleName",
    "honorificPrefix",
    "honorificSuffix",
)

_CORE: tuple[AttributeShape, ...] = (
    AttributeShape("id", Shape.READ_ONLY),
    AttributeShape("meta", Shape.READ_ONLY),
    AttributeShape("groups", Shape.READ_ONLY),
    AttributeShape("externalId", Shape.SIMPLE),
    AttributeShape("userName", Shape.SIMPLE),
    AttributeShape("name", Shape.COMPLEX, _NAME_SUBS),
    AttributeShape("displayName", Shape.SIMPLE),
    AttributeShape("nickName", Shape.SIMPLE),
    AttributeShape("profileUrl", Shape.SIMPLE),
    AttributeShape("title", Shape.SIMPLE),
    AttributeShape("userType", Shape.SIMPLE),
    AttributeShape("preferredLanguage", Shape.SIMPLE),
    AttributeShape("locale", Shape.SIMPLE),
    AttributeShape("timezone", Shape.SIMPLE),
    AttributeShape("active", Shape.SIMPLE),
    AttributeShape("password", Shape.SIMPLE),
    AttributeShape("emails", Shape.MULTI, _MULTI_SUBS),
    AttributeShape("phoneNumbers", Shape.MULTI, _MULTI_SUBS),
    AttributeShape("ims", Shape.MULTI, _MULTI_SUBS),
    AttributeShape("photos", Shape.MULTI, _MULTI_SUBS),
    AttributeShape("addresses", Shape.MULTI, _ADDRESS_SUBS),
    AttributeShape("entitlements", Shape.MULTI, _MULTI_SUBS),
    AttributeShape("roles", Shape.MULTI, _MULTI_SUBS),
    AttributeShape("x509Certificates", Shape.MULTI, _MULTI_SUBS),
)

_ENTERPRISE: tuple[AttributeShape, ...] = (
    AttributeShape("employeeNumber", Shape.SIMPLE),
    AttributeShape("costCenter", Shape.SIMPLE),
    AttributeShape("organization", Shape.SIMPLE),
    AttributeShape("division", Shape.SIMPLE),
    AttributeShape("department", Shape.SIMPLE),
    AttributeShape("manager", Shape.COMPLEX, ("value", "$ref", "displayName")),
)

RFC_ATTRIBUTES: dict[str, dict[str, AttributeShape]] = {
    CORE_USER: {a.name.lower(): a for a in _CORE},
    ENTERPRISE_USER: {a.name.lower(): a for a in _ENTERPRISE},
}


def canonical_sub(shape: AttributeShape, sub: str) -> str | None:
    """The RFC spelling of a sub-attribute given in any case, or None if it is not one."""
    return shape.by_lower.get(sub.lower())
