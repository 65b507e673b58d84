"""Per-request overhead of two checkouts measured in turns, for a comparison one run cannot make
on a machine whose speed drifts (a shared VM: the same commit varies by +-15 % from one run to
the next, less between neighbouring runs).

    python -m bench.compare [--rounds 4] CHECKOUT [CHECKOUT ...]

Each round runs `python -m bench.perf --only overhead --no-profile` in every checkout, one after
the other (each with its own code, this interpreter), and the medians over the rounds are
printed: overhead p50 (SCIM round trip - direct Okta round trip) and loop CPU per request, per
operation, with the range seen. A checkout of another commit is made with
`git worktree add /tmp/base <commit>`. Nothing here asserts a timing; bench/RESULTS.md records
the figures with this command.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from bench.perf_stats import percentile

Figures = dict[str, dict[str, list[float]]]  # operation -> measure -> one value per round


def overhead_figures(report: Mapping[str, Any]) -> dict[str, dict[str, float]]:
    """From one `bench.perf --json` report: per operation, overhead p50 and loop CPU (ms)."""
    figures = {}
    for row in report["overhead"]:
        scim, direct = percentile(row["scim_s"], 50), percentile(row["direct_s"], 50)
        figures[row["name"]] = {
            "overhead p50": (scim - direct) * 1000,
            "loop CPU": row["loop_cpu_s"] * 1000,
        }
    return figures


def gathered(reports: Sequence[Mapping[str, Any]]) -> Figures:
    rounds: Figures = {}
    for report in reports:
        for operation, measures in overhead_figures(report).items():
            for measure, value in measures.items():
                rounds.setdefault(operation, {}).setdefault(measure, []).append(value)
    return rounds


def table(checkout: str, figures: Figures) -> list[str]:
    lines = [checkout]
    for operation, measures in figures.items():
        shown = "; ".join(
            f"{measure} {statistics.median(values):.2f} ms ({min(values):.2f}-{max(values):.2f})"
            for measure, values in measures.items()
        )
        lines.append(f"  {operation:28s} {shown}")
    return lines


def _run(checkout: Path) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / "overhead.json"
        command = ["-m", "bench.perf", "--only", "overhead", "--no-profile", "--json", str(out)]
        subprocess.run(  # noqa: S603 - this interpreter, the checkout's own bench
            [sys.executable, *command],
            cwd=checkout,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        report: dict[str, Any] = json.loads(out.read_text())
        return report


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("checkouts", nargs="+", type=Path)
    args = parser.parse_args()
    reports: dict[Path, list[dict[str, Any]]] = {c: [] for c in args.checkouts}
    for _ in range(args.rounds):
        for checkout in args.checkouts:
            reports[checkout].append(_run(checkout))
    for checkout, runs in reports.items():
        print("\n".join(table(str(checkout), gathered(runs))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
