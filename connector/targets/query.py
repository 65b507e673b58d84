"""A target-neutral query: what the mapping asks a target to find, before any target syntax.

For users, `Condition.attribute` is a connector attribute (mapping.json's names); for groups it
is `name` or `externalId`.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Condition:
    """`attribute op value` on a profile attribute; `op` is eq, sw, co, gt, ge, lt, le or pr."""

    attribute: str
    op: str
    value: str | None = None


@dataclass(frozen=True)
class IdIs:
    value: str


@dataclass(frozen=True)
class ActiveIs:
    value: bool


@dataclass(frozen=True)
class AllOf:
    terms: tuple[Query, ...]


@dataclass(frozen=True)
class AnyOf:
    terms: tuple[Query, ...]


@dataclass(frozen=True)
class Everyone:
    """Every user (whatever its state), or every group."""


Query = Condition | IdIs | ActiveIs | AllOf | AnyOf | Everyone
