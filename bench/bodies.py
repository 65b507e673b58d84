"""The SCIM bodies the benches send, as Entra sends them: one place for a user and a PATCH."""

from __future__ import annotations

from typing import Any

CORE = "urn:ietf:params:scim:schemas:core:2.0:User"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


def user_body(user_name: str) -> dict[str, Any]:
    given = user_name.partition("@")[0]
    return {
        "schemas": [CORE, ENTERPRISE],
        "externalId": given,
        "userName": user_name,
        "active": True,
        "emails": [{"primary": True, "type": "work", "value": user_name}],
        "name": {"formatted": f"{given} Bench", "familyName": "Bench", "givenName": given},
    }


def patch_body(*operations: dict[str, Any]) -> dict[str, Any]:
    return {"schemas": [PATCH_OP], "Operations": list(operations)}
