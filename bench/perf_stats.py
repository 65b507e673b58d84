"""The arithmetic of `bench.perf`: percentiles, `python -X importtime` reports, and where a cProfile
run's CPU time went, by package."""

from __future__ import annotations

import math
import pstats
import re
import statistics
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

# cProfile's key of a function: (file, line, name); C functions have the file "~".
Function = tuple[str, int, str]


def percentile(values: Sequence[float], q: float) -> float:
    """The nearest-rank q-th percentile (0 < q <= 100) of a non-empty sample."""
    if not values:
        raise ValueError("no values")
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms" if seconds < 0.1 else f"{seconds * 1000:.0f} ms"


def mb(n_bytes: float) -> str:
    return f"{n_bytes / 1_000_000:+.1f} MB"


# -- python -X importtime -------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportLine:
    module: str
    depth: int  # 0: imported by the script itself
    self_us: int
    cumulative_us: int
    parent: str | None  # the module whose import brought this one in


def parse_importtime(stderr: str) -> list[ImportLine]:
    """The lines of an importtime report, each with the module that imported it.

    The report is in completion order (a module after everything it imported), two spaces of
    indentation per level, so a line adopts the deeper lines still waiting above it.
    """
    lines: list[ImportLine] = []
    waiting: list[int] = []  # indexes into `lines` not yet adopted by a parent
    for raw in stderr.splitlines():
        if not raw.startswith("import time:") or "imported package" in raw:
            continue
        self_us, cumulative_us, name = raw[len("import time:") :].split("|", 2)
        depth = (len(name) - len(name.lstrip(" ")) - 1) // 2
        line = ImportLine(name.strip(), depth, int(self_us), int(cumulative_us), None)
        while waiting and lines[waiting[-1]].depth > depth:
            index = waiting.pop()
            lines[index] = replace(lines[index], parent=line.module)
        lines.append(line)
        waiting.append(len(lines) - 1)
    return lines


def top_imports(runs: Iterable[list[ImportLine]], count: int) -> list[tuple[ImportLine, float]]:
    """The `count` modules of largest median cumulative time over several reports."""
    times: dict[str, list[int]] = defaultdict(list)
    first: dict[str, ImportLine] = {}
    for run in runs:
        for line in run:
            times[line.module].append(line.cumulative_us)
            first.setdefault(line.module, line)
    ranked = sorted(times, key=lambda m: -median(times[m]))
    return [(first[m], median(times[m]) / 1e6) for m in ranked[:count]]


# -- cProfile -------------------------------------------------------------------------------------

_PACKAGES = (
    ("/connector/", "connector"),
    ("/httpx/", "httpx"),
    ("/httpcore/", "httpcore"),
    ("/h11/", "h11"),
    ("/anyio/", "anyio"),
    ("/httptools/", "httptools"),
    ("/sniffio/", "sniffio"),
    ("/scim2_models/", "scim2_models"),
    ("/pydantic_core/", "pydantic"),
    ("/pydantic/", "pydantic"),
    ("/azure/functions/", "azure.functions"),
    ("/asyncio/", "asyncio"),
    ("/selectors.py", "asyncio"),
    ("/concurrent/", "asyncio"),
    ("/json/", "json"),
    ("<frozen importlib", "import machinery"),
    ("/importlib/", "import machinery"),
    ("/logging/", "logging"),
    ("/urllib/", "urllib"),
    ("/email/", "email"),
    ("/ssl.py", "ssl"),
    ("/socket.py", "socket"),
)


def package_of(function: Function) -> str | None:
    """The package a Python function belongs to; None for a C function ("~")."""
    filename = function[0]
    if filename == "~":
        return None
    for marker, package in _PACKAGES:
        if marker in filename:
            return package
    return "other Python"


@dataclass(frozen=True)
class Profile:
    total_s: float  # CPU time of the profiled thread over the run
    by_package: list[tuple[str, float]]  # share of total_s, largest first
    top_self: list[tuple[str, float]]  # functions by their own time, largest first
    # Functions by cumulative time below the trunk (those holding < 70 % of the total, import
    # machinery left out): where the request's time branches off.
    branches: list[tuple[str, float]]


_PREFIX = re.compile(r"^.*?/(site-packages|lib/python3\.\d+)/")
TRUNK = 0.7


def short_path(filename: str) -> str:
    """A source file relative to the repository, site-packages or the standard library."""
    root = str(Path(__file__).resolve().parents[1]) + "/"
    return _PREFIX.sub("", filename.removeprefix(root))


def _label(function: Function) -> str:
    filename, line, name = function
    if filename == "~":
        return name
    return f"{short_path(filename)}:{line}({name})"


def summarise(path: str, top: int = 12) -> Profile:
    """CPU time by package; a C function's time goes to its callers' packages, split as cProfile
    measured it per call edge (so `json.dumps` in the connector counts as the connector's)."""
    stats = pstats.Stats(path)
    raw = stats.stats  # type: ignore[attr-defined]
    shares: dict[str, float] = defaultdict(float)
    total = 0.0
    for function, (_, _, tottime, _, callers) in raw.items():
        total += tottime
        package = package_of(function)
        if package is not None:
            shares[package] += tottime
            continue
        edges = {c: edge[2] for c, edge in callers.items()}
        spread = sum(edges.values())
        if spread <= 0:
            shares["C code"] += tottime
            continue
        for caller, edge_time in edges.items():
            shares[package_of(caller) or "C code"] += tottime * edge_time / spread
    by_package = sorted(((p, t / total) for p, t in shares.items() if total), key=lambda x: -x[1])
    top_self = sorted(((_label(f), v[2]) for f, v in raw.items()), key=lambda x: -x[1])[:top]
    below = [
        (_label(f), v[3])
        for f, v in raw.items()
        if v[3] < TRUNK * total and package_of(f) not in {None, "import machinery"}
    ]
    branches = sorted(below, key=lambda x: -x[1])[:top]
    return Profile(total, by_package, top_self, branches)
