"""Refresh ``types.json.gz`` (and README.md) from a copy of Azure/bicep-types-az.

Usage, from the repository root:

    git clone https://github.com/Azure/bicep-types-az /tmp/bicep-types-az
    python -m tests.infra.bicep_types.regenerate --source /tmp/bicep-types-az

or, from a bare clone or mirror: ``--git-dir <dir> [--commit <rev>]``.

It reads the ``type@apiVersion`` pairs declared in ``infra/**/*.bicep`` and, for each, finds the
``generated/<folder>/<namespace>/<apiVersion>/types.json`` that defines it, keeps that resource's
``ResourceType`` entries and every type they reach (descriptions dropped, ``$ref`` s renumbered),
and records every API version bicep-types-az knows for the type, so that the check can tell a
version that does not exist from one that was not extracted. The output is deterministic (sorted
keys, gzip without a timestamp): regenerating from the same commit gives the same bytes.
"""

from __future__ import annotations

import argparse
import gzip
import json
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .._bicep import bicep_files
from .._bicep_types import DATA_DIR, DATA_FILE, type_references

REPOSITORY = "https://github.com/Azure/bicep-types-az"


class Source:
    """Files of a bicep-types-az checkout (work tree) or of a git directory at one commit."""

    def __init__(self, *, work_tree: Path | None, git_dir: Path | None, commit: str) -> None:
        self.work_tree = work_tree
        self.git_dir = git_dir
        self.commit = self._git("rev-parse", commit).strip()
        self.commit_date = self._git("log", "-1", "--format=%cI", self.commit).strip()
        self._cache: dict[str, list[dict[str, Any]]] = {}

    def _git(self, *args: str) -> str:
        if self.git_dir is not None:
            prefix = ["git", f"--git-dir={self.git_dir}"]
        else:
            prefix = ["git", "-C", str(self.work_tree)]
        return subprocess.run(  # noqa: S603 - git with our own arguments
            [*prefix, *args], check=True, capture_output=True, text=True
        ).stdout

    def type_files(self) -> list[str]:
        if self.work_tree is not None:
            root = self.work_tree
            found = (root / "generated").rglob("types.json")
            return sorted(p.relative_to(root).as_posix() for p in found)
        listing = self._git("ls-tree", "-r", "--name-only", self.commit, "generated")
        return sorted(p for p in listing.splitlines() if p.endswith("/types.json"))

    def types(self, path: str) -> list[dict[str, Any]]:
        if path not in self._cache:
            if self.work_tree is not None:
                text = (self.work_tree / path).read_text(encoding="utf-8")
            else:
                text = self._git("show", f"{self.commit}:{path}")
            self._cache[path] = json.loads(text)
        return self._cache[path]


def _index(reference: dict[str, Any]) -> int:
    return int(reference["$ref"].rsplit("/", 1)[1])


def _references(node: Any) -> Iterable[int]:
    if isinstance(node, dict):
        if set(node) == {"$ref"}:
            yield _index(node)
        else:
            for value in node.values():
                yield from _references(value)
    elif isinstance(node, list):
        for value in node:
            yield from _references(value)


def _rewrite(node: Any, renumber: dict[int, int]) -> Any:
    if isinstance(node, dict):
        if set(node) == {"$ref"}:
            return {"$ref": f"#/{renumber[_index(node)]}"}
        # Drop description texts, never a property that happens to be named "description"
        # (those are keys of a properties map, and their values are objects).
        return {
            k: _rewrite(v, renumber)
            for k, v in node.items()
            if not (k == "description" and isinstance(v, str))
        }
    if isinstance(node, list):
        return [_rewrite(v, renumber) for v in node]
    return node


def extract(types: list[dict[str, Any]], roots: list[int]) -> dict[str, Any]:
    """The roots and everything they reach, renumbered in breadth-first order."""
    order: list[int] = []
    seen: set[int] = set()
    queue = list(roots)
    while queue:
        index = queue.pop(0)
        if index in seen:
            continue
        seen.add(index)
        order.append(index)
        queue.extend(i for i in _references(types[index]) if i not in seen)
    renumber = {old: new for new, old in enumerate(order)}
    return {
        "types": [_rewrite(types[i], renumber) for i in order],
        "resources": [renumber[i] for i in roots],
    }


def _namespace(path: str) -> str:
    return path.split("/")[2]  # generated/<folder>/<namespace>/<version>/types.json


def build(source: Source, references: set[str]) -> dict[str, Any]:
    files = source.type_files()
    wanted_types = {r.split("@")[0].lower() for r in references}
    namespaces = {t.split("/")[0] for t in wanted_types}
    versions: dict[str, set[str]] = {t: set() for t in wanted_types}
    resources: dict[str, Any] = {}
    missing = set(references)
    for path in files:
        if _namespace(path) not in namespaces:
            continue
        types = source.types(path)
        by_reference: dict[str, list[int]] = {}
        for index, node in enumerate(types):
            if node.get("$type") != "ResourceType":
                continue
            type_name, _, version = node["name"].partition("@")
            if type_name.lower() in wanted_types:
                versions[type_name.lower()].add(version)
                by_reference.setdefault(node["name"].lower(), []).append(index)
        for reference in sorted(references):
            roots = by_reference.get(reference.lower())
            if roots and reference not in resources:
                resources[reference] = {"path": path, **extract(types, roots)}
                missing.discard(reference)
    if missing:
        raise SystemExit(f"not found in bicep-types-az {source.commit}: {sorted(missing)}")
    return {
        "source": {
            "repository": REPOSITORY,
            "commit": source.commit,
            "commitDate": source.commit_date,
            "generatedBy": "tests/infra/bicep_types/regenerate.py",
        },
        "apiVersions": {t: sorted(v) for t, v in sorted(versions.items())},
        "resources": dict(sorted(resources.items())),
    }


README = """# Bicep type definitions used by the offline type check

`types.json.gz` holds the resource type definitions that the Bicep compiler itself uses, for
exactly the `type@apiVersion` pairs declared in `infra/**/*.bicep`, so that
`tests/infra/test_infra_types.py` can check the templates without the Bicep CLI or network.

- **Source:** {repository} (MIT License), commit `{commit}` ({date}).
- **What was taken:** for each pair, the `ResourceType` entries of that name in the file below
  and every type they reference, with the `description` texts dropped and the `$ref` indexes
  renumbered. Nothing else was changed. `apiVersions` lists, for each resource type, every API
  version that commit defines (so the check can tell a non-existent version from one that was not
  extracted).
- **Refresh** (after adding a resource or changing an API version; needs network):

  ```bash
  git clone --filter=blob:none https://github.com/Azure/bicep-types-az /tmp/bicep-types-az
  python -m tests.infra.bicep_types.regenerate --source /tmp/bicep-types-az
  ```

  `--git-dir <bare clone> [--commit <rev>]` reads a bare clone instead. This file is rewritten
  by the same command.

| Type and API version | Path in the source repository |
|---|---|
{rows}
"""


def write(document: dict[str, Any]) -> None:
    payload = json.dumps(document, sort_keys=True, separators=(",", ":")).encode()
    DATA_FILE.write_bytes(gzip.compress(payload, compresslevel=9, mtime=0))
    rows = "\n".join(
        f"| `{reference}` | `{entry['path']}` |"
        for reference, entry in document["resources"].items()
    )
    source = document["source"]
    (DATA_DIR / "README.md").write_text(
        README.format(
            repository=source["repository"],
            commit=source["commit"],
            date=source["commitDate"][:10],
            rows=rows,
        ),
        encoding="utf-8",
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--source", type=Path, help="a checkout (work tree) of bicep-types-az")
    where.add_argument("--git-dir", type=Path, help="a bare clone or mirror of bicep-types-az")
    parser.add_argument("--commit", default="HEAD", help="revision to read (default HEAD)")
    args = parser.parse_args(argv)
    source = Source(work_tree=args.source, git_dir=args.git_dir, commit=args.commit)
    references = type_references(bicep_files())
    document = build(source, references)
    write(document)
    print(f"{len(document['resources'])} resource types from {source.commit} -> {DATA_FILE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
