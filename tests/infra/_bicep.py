"""Helpers shared by the infra tests: finding, parsing and walking the Bicep templates.

Two offline parsers are used (neither the Bicep CLI nor azd exists on the build machines):
tree-sitter's Bicep grammar for syntax (it reports every ERROR or missing node with its
position) and pycep-parser for structure (a dict per file: parameters, variables, resources,
modules, outputs). pycep keeps quotes around quoted object keys and leaves expressions as nested
``{"operator": ...}`` / ``{"function": ...}`` dicts; the helpers below smooth that over.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from pycep import BicepParser
from tree_sitter_language_pack import get_parser

if TYPE_CHECKING:  # installed with tree-sitter-language-pack
    from tree_sitter import Node

REPO_ROOT = Path(__file__).resolve().parents[2]
INFRA_DIR = REPO_ROOT / "infra"
MAIN_BICEP = INFRA_DIR / "main.bicep"
MAIN_PARAMETERS = INFRA_DIR / "main.parameters.json"

# azd substitutes ${NAME} (empty when unset) and ${NAME=default} in the parameters file.
AZD_PLACEHOLDER = re.compile(r"^\$\{(?P<name>[A-Z][A-Z0-9_]*)(?:=(?P<default>[^}]*))?\}$")

# Output and parameter names that suggest a credential. "Key Vault" is a resource, not a key; a
# name ending in "name" (relaySendKeySecretName) names a secret without holding it, and one ending
# in "seconds" (secretsCacheTtlSeconds) is a duration.
_SECRET_WORDS = re.compile(r"key|secret|token|password|passwd|connectionstring|credential")
_KEY_VAULT = re.compile(r"keyvault")


def bicep_files() -> list[Path]:
    return sorted(INFRA_DIR.rglob("*.bicep"))


def relative(path: Path) -> str:
    return path.relative_to(REPO_ROOT).as_posix()


@dataclass(frozen=True)
class SyntaxProblem:
    line: int  # 1-based
    column: int  # 1-based
    kind: str

    def __str__(self) -> str:
        return f"{self.line}:{self.column}: {self.kind}"


def syntax_problems(source: bytes) -> list[SyntaxProblem]:
    """Every ERROR node and every node the parser had to invent (missing), in source order."""
    tree = get_parser("bicep").parse(source)
    problems: list[SyntaxProblem] = []

    def walk(node: Node) -> None:
        if node.type == "ERROR" or node.is_missing:
            row, col = node.start_point
            kind = f"missing {node.type}" if node.is_missing else "syntax error"
            problems.append(SyntaxProblem(row + 1, col + 1, kind))
        for child in node.children:
            walk(child)

    walk(tree.root_node)
    return problems


def top_level_declarations(path: Path, node_type: str) -> list[str]:
    """Source text of each top-level declaration of one kind (e.g. ``output_declaration``)."""
    source = path.read_bytes()
    root = get_parser("bicep").parse(source).root_node
    return [
        source[child.start_byte : child.end_byte].decode()
        for child in root.children
        if child.type == node_type
    ]


@cache
def parse(path: Path) -> dict[str, Any]:
    # pycep's own TypedDicts describe only the top level; the tests walk the raw dicts.
    return cast(dict[str, Any], BicepParser().parse(file_path=path))


def unquote(key: str) -> str:
    """pycep keeps the quotes of quoted object keys (``'azd-service-name'``)."""
    if len(key) >= 2 and key[0] == key[-1] == "'":
        return key[1:-1]
    return key


def looks_secret(name: str) -> bool:
    normalized = re.sub(r"[_\-]", "", name).lower()
    if normalized.endswith(("name", "seconds")):
        return False
    return bool(_SECRET_WORDS.search(_KEY_VAULT.sub("", normalized)))


@dataclass(frozen=True)
class Resource:
    file: Path
    symbol: str
    type: str
    api_version: str
    existing: bool
    config: dict[str, Any]
    condition: Any  # the `if (...)` expression, or None
    loop: dict[str, Any] | None  # {"item_name", "array_name"} of a `[for x in y: ...]` resource

    @property
    def properties(self) -> dict[str, Any]:
        props = self.config.get("properties", {})
        assert isinstance(props, dict), f"{self.symbol}: properties is not an object literal"
        return props

    @property
    def tags(self) -> dict[str, Any]:
        """The tags written in this file. A module's ``tags`` parameter stands for the caller's
        tags (main.bicep passes ``azd-env-name``), so it counts as empty here."""
        return literal_object_entries(
            self.config.get("tags", {}), parse(self.file), parameters_as_empty=True
        )


def resources(path: Path) -> list[Resource]:
    found: list[Resource] = []
    for symbol, res in parse(path).get("resources", {}).items():
        config = res["config"]
        condition = None
        loop = None
        # A conditional or looped resource nests its body: {"condition", "config", "loop_type"}.
        if "condition" in config and "config" in config:
            condition = config["condition"]
            loop = config.get("loop_type", {}).get("detail")
            config = config["config"]
        found.append(
            Resource(
                file=path,
                symbol=symbol,
                type=res["type"],
                api_version=res["api_version"],
                existing=bool(res["existing"]),
                config=config,
                condition=condition,
                loop=loop,
            )
        )
    return found


def all_resources() -> list[Resource]:
    return [r for path in bicep_files() for r in resources(path)]


def declared(resource_type: str) -> list[Resource]:
    """Resources of one type that the templates create (``existing`` references excluded)."""
    return [
        r for r in all_resources() if r.type.lower() == resource_type.lower() and not r.existing
    ]


def one(resource_type: str) -> Resource:
    matches = declared(resource_type)
    assert len(matches) == 1, f"expected one {resource_type}, found {[m.symbol for m in matches]}"
    return matches[0]


def modules(path: Path) -> dict[str, dict[str, Any]]:
    """Module declarations: symbol -> {"path", "condition", "params"}."""
    found: dict[str, dict[str, Any]] = {}
    for symbol, mod in parse(path).get("modules", {}).items():
        config = mod["config"]
        condition = None
        if "condition" in config and "config" in config:
            condition = config["condition"]
            config = config["config"]
        found[symbol] = {
            "type": mod["type"],
            "path": mod["detail"]["path"],
            "condition": condition,
            "params": config.get("params", {}),
        }
    return found


def parameter_default(path: Path, name: str) -> Any:
    return parse(path)["parameters"][name]["default"]


def function_call(expr: Any) -> tuple[str, list[Any]] | None:
    """``(name, arguments)`` when the expression is a plain function call."""
    if isinstance(expr, dict) and set(expr) == {"function"}:
        fn = expr["function"]
        return fn["type"], list(fn.get("parameters", {}).values())
    return None


def conditional(expr: Any) -> tuple[Any, Any, Any] | None:
    """``(condition, when_true, when_false)`` for a ``c ? a : b`` expression."""
    if isinstance(expr, dict) and set(expr) == {"operator"}:
        op = expr["operator"]
        if op["type"] == "conditional":
            ops = op["operands"]
            return ops["condition"], ops["true_value"], ops["false_value"]
    return None


def literal_object_entries(
    expr: Any, parsed: dict[str, Any], *, parameters_as_empty: bool = False
) -> dict[str, Any]:
    """All entries an object expression can contain, following variables, ``union(...)`` and
    both branches of ``c ? {...} : {...}``. Anything else (a parameter, a property read) cannot
    be checked offline, so it fails the test rather than being silently skipped."""
    variables: dict[str, Any] = parsed.get("variables", {})
    if isinstance(expr, str) and expr in variables:
        return literal_object_entries(
            variables[expr]["value"], parsed, parameters_as_empty=parameters_as_empty
        )
    if parameters_as_empty and isinstance(expr, str) and expr in parsed.get("parameters", {}):
        return {}
    call = function_call(expr)
    if call is not None and call[0] == "union":
        merged: dict[str, Any] = {}
        for argument in call[1]:
            merged.update(
                literal_object_entries(argument, parsed, parameters_as_empty=parameters_as_empty)
            )
        return merged
    branches = conditional(expr)
    if branches is not None:
        return {
            **literal_object_entries(branches[1], parsed, parameters_as_empty=parameters_as_empty),
            **literal_object_entries(branches[2], parsed, parameters_as_empty=parameters_as_empty),
        }
    if isinstance(expr, dict) and not ({"operator", "function"} & set(expr)):
        return {unquote(k): v for k, v in expr.items()}
    raise AssertionError(f"cannot resolve object expression offline: {expr!r}")
