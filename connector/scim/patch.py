"""Reads a PatchOp request body (RFC 7644 §3.5.2) in every shape Entra sends."""

from __future__ import annotations

from typing import Any

from scim2_models import InvalidSyntaxException, InvalidValueException

from ..mapping.writes import ADD, REMOVE, REPLACE, Operation
from ..names import folded

PATCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
_PATCH_SCHEMA_LOWER = PATCH_SCHEMA.lower()
MAX_OPERATIONS = 1000


def parse_patch(body: Any) -> list[Operation]:
    if not isinstance(body, dict):
        raise InvalidSyntaxException(detail="a PATCH body must be a JSON object")
    fields = folded(body)
    schemas = fields.get("schemas")
    # Matched in any case, as every schema URN here is.
    if not isinstance(schemas, list) or not any(
        isinstance(s, str) and s.lower() == _PATCH_SCHEMA_LOWER for s in schemas
    ):
        raise InvalidSyntaxException(detail=f"schemas must contain {PATCH_SCHEMA}")
    raw_operations = fields.get("operations")
    if not isinstance(raw_operations, list) or not raw_operations:
        raise InvalidSyntaxException(detail="Operations must be a non-empty array")
    if len(raw_operations) > MAX_OPERATIONS:
        raise InvalidValueException(detail=f"at most {MAX_OPERATIONS} operations per request")
    operations = []
    for index, raw in enumerate(raw_operations):
        if not isinstance(raw, dict):
            raise InvalidSyntaxException(detail=f"Operations[{index}] must be an object")
        named = folded(raw)
        op = named.get("op")
        # Entra's default client capitalises the verb (`Replace`); the RFC spells it lowercase.
        if not isinstance(op, str) or op.lower() not in {ADD, REPLACE, REMOVE}:
            raise InvalidSyntaxException(
                detail=f"Operations[{index}].op must be add, replace or remove"
            )
        path = named.get("path")
        if path is not None and not isinstance(path, str):
            raise InvalidSyntaxException(detail=f"Operations[{index}].path must be a string")
        value = named.get("value")
        if op.lower() == ADD and value is None and not path:
            raise InvalidValueException(detail=f"Operations[{index}] (add) needs a value")
        operations.append(Operation(op.lower(), path or None, value))
    return operations
