"""Machine instructions the connector executes per SCIM request, counted by valgrind's callgrind:
the same figure on a quiet machine or a busy one, so two commits compare in one run each.

    python -m bench.instructions [--requests 100] [CHECKOUT ...]

For each checkout (default: this one), the connector runs as `bench.perf` runs it (its own
process, served over local HTTP, Okta's simulator in another process), but under callgrind with
instrumentation off. Each of `bench.perf`'s four overhead operations is sent 30 times to warm
up, then `--requests` times with instrumentation on; the count of those, divided by their
number, is the figure. Everything the connector process does counts (the local server, the
handlers, the target client; not the kernel, not the simulator, not the client that sends).

Under callgrind the connector runs ~50x slower: one checkout takes about a minute. A timing
from `bench.compare` is what the bars are judged by; this says whether a change cut work, when
the machine's noise (+-15 % between sittings) hides it. Nothing here asserts a figure;
bench/RESULTS.md records them with this command.
"""

from __future__ import annotations

import argparse
import json
import select
import shutil
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import IO

from bench.perf import okta_profile, overhead_operations, timed
from bench.perf_stack import BEARER, SCIM_JSON, Http, PerfError, Target, child_env

WARM_UP = 30


def self_cost(path: Path) -> int:
    """The instructions a callgrind dump counts: every cost line's own cost (a line right after
    `calls=` is the callee's inclusive cost, already counted where it was spent). Summed here
    because a dump taken with `callgrind_control -d` after `-z` says `summary: 0`."""
    total, after_call = 0, False
    with path.open() as dump:
        for line in dump:
            if line.startswith("calls="):
                after_call = True
                continue
            if line[:1].isdigit() or line[:1] in "+-*":
                if after_call:
                    after_call = False
                    continue
                fields = line.split()
                if len(fields) >= 2:
                    total += int(fields[1])
    return total


def _line(stream: IO[str], seconds: float) -> str:
    ready, _, _ = select.select([stream], [], [], seconds)
    if not ready:
        raise PerfError(f"the connector under callgrind did not answer within {seconds:g} s")
    return stream.readline()


def _control(*words: str) -> None:
    subprocess.run(["callgrind_control", *words], check=True, capture_output=True, timeout=60)  # noqa: S603, S607


def count(checkout: Path, requests: int) -> dict[str, float]:
    """Instructions per request of each overhead operation, for the connector in `checkout`."""
    figures: dict[str, float] = {}
    with Target("okta") as target, tempfile.TemporaryDirectory() as scratch:
        admin = target.client()
        login = f"instructions.{uuid.uuid4().hex[:8]}@example.com"
        made = admin.call("POST", "/api/v1/users?activate=true", {"profile": okta_profile(login)})
        user_id = str(made.json()["id"])
        env = child_env(target.settings())
        env["PYTHONPATH"] = str(checkout)
        env["PYTHONHASHSEED"] = "0"  # the same hashes, so the same work, run after run
        out = Path(scratch) / "callgrind.out"
        process = subprocess.Popen(  # noqa: S603 (valgrind on our own interpreter and module)
            [  # noqa: S607 (valgrind from PATH, as shutil.which found it)
                "valgrind",
                "--tool=callgrind",
                "--instr-atstart=no",
                f"--callgrind-out-file={out}.%p",
                sys.executable,
                "-m",
                "bench.perf_host",
            ],
            cwd=checkout,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        try:
            assert process.stdout is not None
            assert process.stdin is not None
            ready = json.loads(_line(process.stdout, 600))
            headers = {"Authorization": f"Bearer {BEARER}", "Accept": SCIM_JSON}
            scim = Http(f"{ready['url']}/api/scim/v2", headers, SCIM_JSON)
            scim.connect()
            pid = str(process.pid)
            for number, operation in enumerate(overhead_operations(user_id, uuid.uuid4().hex[:8])):
                first = 10_000 * number
                for i in range(WARM_UP):
                    timed(scim, operation.scim(first + i))
                _control("-z", pid)
                _control("-i", "on", pid)
                for i in range(requests):
                    timed(scim, operation.scim(first + WARM_UP + i))
                _control("-i", "off", pid)
                before = set(Path(scratch).iterdir())
                _control("-d", pid)
                dumps = set(Path(scratch).iterdir()) - before
                figures[operation.name] = sum(self_cost(d) for d in dumps) / requests
                for dump in dumps:
                    dump.unlink()
            process.stdin.write("quit\n")
            process.stdin.flush()
            process.wait(timeout=120)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait(timeout=30)
    return figures


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("checkouts", nargs="*", type=Path, default=[Path(__file__).parents[1]])
    args = parser.parse_args(argv)
    if shutil.which("valgrind") is None or shutil.which("callgrind_control") is None:
        print("valgrind (with callgrind_control) is needed: apt-get install valgrind")
        return 2
    for checkout in args.checkouts:
        print(checkout.resolve())
        for name, instructions in count(checkout.resolve(), args.requests).items():
            print(f"  {name:28s} {instructions / 1e6:6.3f} M instructions per request")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
