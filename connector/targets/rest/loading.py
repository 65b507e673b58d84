"""Reads a description file: YAML into the format's models, every problem as file:line:column,
what is wrong, and what to write instead."""

from __future__ import annotations

import difflib
from pathlib import Path
from types import UnionType
from typing import Annotated, Any, Union, get_args, get_origin

import yaml
from pydantic import BaseModel, ValidationError

from .description import Description

Location = tuple[str | int, ...]
Marks = dict[Location, tuple[int, int]]


class DescriptionError(ValueError):
    """The description cannot work; `problems` holds one `file:line:col: text` line each."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__(
            "; ".join(problems) if len(problems) < 2 else "\n  " + "\n  ".join(problems)
        )


def load_description(path: Path) -> tuple[Description, Marks]:
    """The description in `path`, and where each of its parts is written (for later messages)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise DescriptionError(
            [f"{path}: cannot be read ({exc.strerror}); check TARGET_DESCRIPTION"]
        ) from exc
    data, marks = parse_yaml(text, path)
    try:
        return Description.model_validate(data), marks
    except ValidationError as error:
        raise DescriptionError(_problems(error, marks, path)) from None


def parse_yaml(text: str, path: Path) -> tuple[Any, Marks]:
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else str(path)
        raise DescriptionError(
            [f"{where}: not valid YAML ({exc.problem}); check the indentation and quoting there"]
        ) from None
    if node is None:
        raise DescriptionError([f"{path}:1:1: the file is empty; start from docs/targets.md"])
    marks: Marks = {}
    return _value(node, (), marks, path), marks


def _value(node: yaml.Node, loc: Location, marks: Marks, path: Path) -> Any:
    marks[loc] = (node.start_mark.line + 1, node.start_mark.column + 1)
    if isinstance(node, yaml.MappingNode):
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = yaml.SafeLoader(" ").construct_object(key_node)
            where = f"{path}:{key_node.start_mark.line + 1}:{key_node.start_mark.column + 1}"
            if not isinstance(key, str):
                raise DescriptionError([f"{where}: keys are words; quote {key!r} as a string"])
            if key in result:
                raise DescriptionError(
                    [f"{where}: {key!r} is written twice here; keep one of them"]
                )
            result[key] = _value(value_node, (*loc, key), marks, path)
            marks[(*loc, key)] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_value(item, (*loc, i), marks, path) for i, item in enumerate(node.value)]
    return yaml.SafeLoader(" ").construct_object(node)


def where(marks: Marks, loc: Location, path: Path) -> str:
    """`file:line:col` of the nearest written part of `loc`."""
    for end in range(len(loc), -1, -1):
        found = marks.get(loc[:end])
        if found is not None:
            return f"{path}:{found[0]}:{found[1]}"
    return str(path)


def _dotted(loc: Location) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(top)"


def _problems(error: ValidationError, marks: Marks, path: Path) -> list[str]:
    problems = []
    for item in error.errors():
        raw = tuple(item["loc"])
        loc = _written(raw)
        kind = item["type"]
        if kind == "extra_forbidden":
            key = str(loc[-1])
            allowed = _allowed_keys(raw[:-1])
            close = difflib.get_close_matches(key, allowed, n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            listed = f"the keys here are {', '.join(sorted(allowed))}" if allowed else ""
            text = f"unknown key {key!r}; {hint}{listed}".rstrip("; ")
        elif kind == "missing":
            text = f"{loc[-1]!r} is missing here; add it (see docs/targets.md)"
            loc = loc[:-1]
        elif kind == "literal_error":
            expected = item.get("ctx", {}).get("expected", "")
            text = f"must be one of {expected}, got {item.get('input')!r}"
        elif kind == "union_tag_invalid":
            # Reported on the whole section; the wrong word is its `type`.
            ctx = item.get("ctx", {})
            text = f"must be one of {ctx.get('expected_tags', '')}, got {ctx.get('tag')!r}"
            loc = (*loc, "type")
        elif kind == "union_tag_not_found":
            text = f"'type' is missing here; add it: one of {_tags(raw)}"
        elif kind == "string_type" and isinstance(item.get("input"), bool | int | float):
            # YAML reads 200, true or 1.5 unquoted as a number or a boolean, not as the text
            # the application is sent.
            value = item["input"]
            written = ("true" if value else "false") if isinstance(value, bool) else str(value)
            text = f'must be text, got {written} unquoted; write it in quotes: "{written}"'
        elif kind == "value_error":
            error_of = item.get("ctx", {}).get("error")
            text = str(error_of if error_of is not None else item["msg"])
            # A model's own check may say which of its parts is wrong: point at that line.
            loc = (*loc, *getattr(error_of, "at", ()))
        else:
            text = f"{item['msg'].lower()}, got {item.get('input')!r}"
        problems.append(f"{where(marks, loc, path)}: {_dotted(loc)}: {text}")
    return problems


def _written(loc: Location) -> Location:
    """The location as written in the file: without the tags pydantic adds for union members
    (`auth.apiKey.header` is `auth.header`) or for a function validator."""
    kept: list[str | int] = []
    current: Any = Description
    for part in loc:
        if _tag_of(current, part) is not None:
            current = _tag_of(current, part)
            continue
        kept.append(part)
        current = _descend(current, part)
    return tuple(kept)


def _allowed_keys(loc: Location) -> list[str]:
    """The keys the model at `loc` (as pydantic reports it) accepts."""
    current: Any = Description
    for part in loc:
        tagged = _tag_of(current, part)
        current = tagged if tagged is not None else _descend(current, part)
    model = _unwrap(current)
    if isinstance(model, type) and issubclass(model, BaseModel):
        return [f.alias or name for name, f in model.model_fields.items()]
    return []


def _tags(loc: Location) -> str:
    """The `type` words the tagged union at `loc` (as pydantic reports it) accepts."""
    current: Any = Description
    for part in loc:
        tagged = _tag_of(current, part)
        current = tagged if tagged is not None else _descend(current, part)
    words = [
        repr(word)
        for member in get_args(_unwrap(current))
        if isinstance(member, type)
        and issubclass(member, BaseModel)
        and "type" in member.model_fields
        for word in get_args(member.model_fields["type"].annotation)
    ]
    return ", ".join(words)


def _unwrap(annotation: Any) -> Any:
    """Strip Annotated[...] and `| None`."""
    while get_origin(annotation) is Annotated:
        annotation = get_args(annotation)[0]
    if get_origin(annotation) in {Union, UnionType}:
        members = [a for a in get_args(annotation) if a is not type(None)]
        if len(members) == 1:
            return _unwrap(members[0])
    return annotation


def _tag_of(annotation: Any, part: str | int) -> Any:
    """The union member whose `type` tag is `part`, if `annotation` is a tagged union."""
    annotation = _unwrap(annotation)
    if get_origin(annotation) not in {Union, UnionType}:
        return None
    for member in get_args(annotation):
        member = _unwrap(member)
        if isinstance(member, type) and issubclass(member, BaseModel):
            tag = member.model_fields.get("type")
            if tag is not None and part in get_args(tag.annotation):
                return member
    return None


def _descend(annotation: Any, part: str | int) -> Any:
    annotation = _unwrap(annotation)
    origin = get_origin(annotation)
    if origin is list:
        return get_args(annotation)[0]
    if origin is dict:
        return get_args(annotation)[1]
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        for name, field in annotation.model_fields.items():
            if part in {name, field.alias}:
                return field.annotation
    return None
