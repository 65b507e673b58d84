"""Plans how a SCIM filter is answered by the target: by id, by login, or by a translated search.

The filter is first *resolved*: every attribute name is checked against the catalog and given
its canonical spelling and schema (so `manager` means the enterprise manager, `PLACEHOLDER` the
anchor, as ECMA2Host apps probe with it). Then a plan picks the cheapest exact way to find the
candidates; the resolved filter is always applied to them afterwards, in SCIM's own semantics.
"""

from __future__ import annotations

from dataclasses import dataclass

from scim2_models import InvalidFilterException
from scim2_models.path import (
    AttrPath,
    CompareOperator,
    Comparison,
    FilterNode,
    LogicalExpr,
    LogicalOperator,
    Not,
    Present,
    ValuePath,
)

from ..targets.query import ActiveIs, AllOf, AnyOf, Condition, Everyone, IdIs, Query
from .catalog import Catalog, Slot
from .definitions import CORE_USER, ECMA2HOST_USER, ENTERPRISE_USER, RFC_ATTRIBUTES, Shape

# ECMA2Host's generated mapping makes this the matching attribute; it stands for the anchor.
PLACEHOLDER = "placeholder"
_SEARCHABLE = {
    CompareOperator.eq,
    CompareOperator.sw,
    CompareOperator.co,
    CompareOperator.gt,
    CompareOperator.ge,
    CompareOperator.lt,
    CompareOperator.le,
}


@dataclass(frozen=True)
class Never:
    """A condition no stored user can meet (the attribute has no home in the target)."""


@dataclass(frozen=True)
class Always:
    """A condition every stored user meets (`ne` on an attribute with no home in the target)."""


@dataclass(frozen=True)
class Plan:
    """How to find candidates; `filter` is then applied to each rendered candidate."""

    filter: FilterNode
    by_id: str | None = None
    by_login: str | None = None
    query: Query | None = None
    empty: bool = False


def _invalid(detail: str) -> InvalidFilterException:
    return InvalidFilterException(detail=detail)


class _Resolver:
    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog

    def path(self, path: AttrPath, *, whole: bool = False) -> AttrPath:
        """The canonical spelling of an attribute path; unknown names are an invalid filter.

        A complex attribute named without a sub-attribute (RFC 7644 §3.4.2.2): `pr` (`whole`)
        asks for any of its values; a comparison compares `value` where the attribute has one
        (`emails co "x"`, `manager eq "id"`), and is an invalid filter otherwise (`name co "x"`:
        the RFC requires a sub-attribute there).
        """
        attr, sub, uri = path.attr, path.sub_attr, path.uri
        if uri is None and attr.lower() == PLACEHOLDER:
            return AttrPath("userName")
        if uri is None and attr.lower() in {"id", "externalid"}:
            return AttrPath("id" if attr.lower() == "id" else "externalId")
        if uri is not None and uri.lower() == ECMA2HOST_USER.lower():
            name = self.catalog.ecma_attribute(attr)
            if name is None or sub is not None:
                raise _invalid(f"unknown ECMA2Host attribute {attr!r}")
            return AttrPath(name, None, ECMA2HOST_USER)
        schemas = [uri] if uri is not None else [CORE_USER, ENTERPRISE_USER]
        for schema in schemas:
            known = RFC_ATTRIBUTES.get(schema) or RFC_ATTRIBUTES.get(_urn(schema), {})
            shape = known.get(attr.lower())
            if shape is None:
                continue
            canonical_sub = None
            if sub is not None:
                canonical_sub = next(
                    (s for s in shape.sub_attributes if s.lower() == sub.lower()), None
                )
                if canonical_sub is None and not (shape.name == "meta"):
                    raise _invalid(f"{shape.name} has no sub-attribute {sub!r}")
                canonical_sub = canonical_sub or sub
            if shape.shape in {Shape.COMPLEX, Shape.MULTI} and canonical_sub is None and not whole:
                if "value" not in shape.sub_attributes:
                    example = next(s for s in shape.sub_attributes if s not in {"type", "primary"})
                    raise _invalid(
                        f"{shape.name} is a complex attribute: compare one of its "
                        f"sub-attributes, e.g. {shape.name}.{example}"
                    )
                canonical_sub = "value"
            schema_uri = _urn(schema)
            return AttrPath(
                shape.name, canonical_sub, None if schema_uri == CORE_USER else schema_uri
            )
        if uri is None and self.catalog.ecma_attribute(attr):
            return AttrPath(str(self.catalog.ecma_attribute(attr)), None, ECMA2HOST_USER)
        raise _invalid(f"unknown attribute {attr!r}")

    def node(self, node: FilterNode) -> FilterNode:
        if isinstance(node, LogicalExpr):
            return LogicalExpr(node.op, tuple(self.node(t) for t in node.terms))
        if isinstance(node, Not):
            return Not(self.node(node.expr))
        if isinstance(node, Present):
            return Present(self.path(node.attr_path, whole=True))
        if isinstance(node, Comparison):
            return Comparison(self.path(node.attr_path), node.op, node.value)
        if isinstance(node, ValuePath):
            outer = self.path(node.attr_path, whole=True)
            shape = RFC_ATTRIBUTES.get(_urn(outer.uri or CORE_USER), {}).get(outer.attr.lower())
            if shape is None or shape.shape is not Shape.MULTI:
                raise _invalid(f"{outer} is not multi-valued")
            return ValuePath(outer, self._element(shape.sub_attributes, node.val_filter))
        raise _invalid("unsupported filter expression")

    def _element(self, subs: tuple[str, ...], node: FilterNode) -> FilterNode:
        """Resolve the sub-attribute names inside `attr[...]`."""
        if isinstance(node, LogicalExpr):
            return LogicalExpr(node.op, tuple(self._element(subs, t) for t in node.terms))
        if isinstance(node, Not):
            return Not(self._element(subs, node.expr))
        if isinstance(node, Comparison | Present):
            name = next((s for s in subs if s.lower() == node.attr_path.attr.lower()), None)
            if name is None or node.attr_path.sub_attr or node.attr_path.uri:
                raise _invalid(f"unknown sub-attribute {node.attr_path}")
            if isinstance(node, Present):
                return Present(AttrPath(name))
            return Comparison(AttrPath(name), node.op, node.value)
        raise _invalid("unsupported filter expression")


def _urn(schema: str) -> str:
    for known in (CORE_USER, ENTERPRISE_USER, ECMA2HOST_USER):
        if known.lower() == schema.lower():
            return known
    raise _invalid(f"unknown schema {schema}")


class _Translator:
    """SCIM filter → target query, exactly or not at all (never a wider query)."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog

    def node(self, node: FilterNode) -> Query | Never | Always:
        if isinstance(node, LogicalExpr) and node.op == LogicalOperator.and_:
            return self._all_of(node.terms)
        if isinstance(node, LogicalExpr):
            kept: list[Query] = []
            for term in (self.node(t) for t in node.terms):
                if isinstance(term, Always):
                    return Always()
                if not isinstance(term, Never):
                    kept.append(term)
            return AnyOf(tuple(kept)) if kept else Never()
        if isinstance(node, Not):
            raise _invalid("the target's search has no `not`; rewrite the filter without it")
        if isinstance(node, Present | Comparison):
            return self._condition(node.attr_path, node, None)
        if isinstance(node, ValuePath):
            return self._value_path(node)
        raise _invalid("unsupported filter expression")

    def _all_of(self, nodes: tuple[FilterNode, ...]) -> Query | Never | Always:
        """An `and` is asked of the target by the parts it can express, as long as one part
        narrows the search; the whole filter is then applied to what comes back, so the answer
        is exact (`externalId eq "x" and title ne "y"` is a search on externalId)."""
        terms: list[Query] = []
        refused: list[InvalidFilterException] = []
        for node in nodes:
            try:
                term = self.node(node)
            except InvalidFilterException as error:
                refused.append(error)
                continue
            if isinstance(term, Never):
                return Never()
            if not isinstance(term, Always):
                terms.append(term)
        if not terms:
            if refused:
                raise refused[0]
            return Always()
        return terms[0] if len(terms) == 1 else AllOf(tuple(terms))

    def _condition(
        self, path: AttrPath, node: Comparison | Present, type_: str | None
    ) -> Query | Never | Always:
        if path.uri is None and path.attr == "id":
            if isinstance(node, Comparison) and node.op == CompareOperator.eq:
                return IdIs(_string(node.value))
            raise _invalid("`id` can only be compared with eq")
        if path.uri is None and path.attr == "meta":
            raise _invalid("meta attributes cannot be filtered on this endpoint")
        schema = path.uri or CORE_USER
        # `pr` on a complex attribute as a whole: any of its stored sub-attributes is present.
        any_sub = isinstance(node, Present) and path.sub_attr is None
        slots = [
            s
            for s in self.catalog.slots_of(schema, path.attr)
            if (any_sub or (s.sub or None) == (path.sub_attr or None))
            and (type_ is None or (s.type or "").lower() == type_.lower())
        ]
        if not slots:
            # No stored user has the attribute: only `ne` is true of them all.
            if isinstance(node, Comparison) and node.op == CompareOperator.ne:
                return Always()
            return Never()
        queries = [self._slot(slot, node) for slot in slots]
        return queries[0] if len(queries) == 1 else AnyOf(tuple(queries))

    def _slot(self, slot: Slot, node: Comparison | Present) -> Query:
        if slot.is_active:
            if not isinstance(node, Comparison) or node.op != CompareOperator.eq:
                raise _invalid("active can only be compared with eq")
            return ActiveIs(self._active_value(slot, node.value))
        if isinstance(node, Present):
            return Condition(slot.target, "pr")
        if node.op not in _SEARCHABLE:
            raise _invalid(f"the target's search cannot express the operator {node.op.value!r}")
        return Condition(slot.target, node.op.value, _string(node.value))

    def _active_value(self, slot: Slot, value: object) -> bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, str):
            lowered = value.lower()
            status = self.catalog.status_values
            if lowered in {"true", status.active.lower()}:
                return True
            if lowered in {"false", status.inactive.lower()}:
                return False
        raise _invalid(f"{slot.attr} compares with true or false")

    def _value_path(self, node: ValuePath) -> Query | Never | Always:
        terms = (
            node.val_filter.terms
            if isinstance(node.val_filter, LogicalExpr)
            and node.val_filter.op == LogicalOperator.and_
            else (node.val_filter,)
        )
        type_: str | None = None
        conditions: list[Comparison | Present] = []
        for term in terms:
            if not isinstance(term, Comparison | Present):
                raise _invalid("only eq/and filters are supported inside [...]")
            if term.attr_path.attr == "type":
                if not isinstance(term, Comparison) or term.op != CompareOperator.eq:
                    raise _invalid("`type` inside [...] can only be compared with eq")
                type_ = _string(term.value)
                continue
            if term.attr_path.attr in {"primary", "display"}:
                raise _invalid(f"{term.attr_path.attr} is not stored and cannot be filtered")
            conditions.append(term)
        if not conditions:
            conditions.append(Present(AttrPath("value")))
        parts: list[Query] = []
        for condition in conditions:
            sub_path = AttrPath(node.attr_path.attr, condition.attr_path.attr, node.attr_path.uri)
            query = self._condition(sub_path, condition, type_)
            if isinstance(query, Never):
                return Never()
            if not isinstance(query, Always):
                parts.append(query)
        if not parts:
            return Always()
        return parts[0] if len(parts) == 1 else AllOf(tuple(parts))


def _string(value: object) -> str:
    if not isinstance(value, str):
        raise _invalid("compare with a string value")
    return value


def _equality(term: FilterNode, path: AttrPath) -> str | None:
    if (
        isinstance(term, Comparison)
        and term.op == CompareOperator.eq
        and term.attr_path == path
        and isinstance(term.value, str)
    ):
        return term.value
    return None


_ID = AttrPath("id")


def plan(catalog: Catalog, ast: FilterNode) -> Plan:
    resolved = _Resolver(catalog).node(ast)
    terms = (
        resolved.terms
        if isinstance(resolved, LogicalExpr) and resolved.op == LogicalOperator.and_
        else (resolved,)
    )
    for term in terms:
        if (value := _equality(term, _ID)) is not None:
            return Plan(resolved, by_id=value)
    for term in terms:
        for path in catalog.anchor_paths:
            if (value := _equality(term, path)) is not None:
                return Plan(resolved, by_login=value)
    translated = _Translator(catalog).node(resolved)
    if isinstance(translated, Never):
        return Plan(resolved, empty=True)
    if isinstance(translated, Always):
        return Plan(resolved, query=Everyone())
    return Plan(resolved, query=translated)
