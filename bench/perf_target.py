"""The target application in a process of its own, for `bench.perf`: the Okta simulator or the
Ledgerline HR sandbox, unlimited, with its request log readable over a line protocol.

    python -m bench.perf_target okta
    python -m bench.perf_target rest --accounts N

Kept apart from the connector's process so the application's memory and CPU never count as the
connector's, and apart from the harness's so its threads do not share a GIL with the clients
that time requests. Prints one JSON line `{"url": …}`, then answers each command on stdin with
one JSON line:

    log-count        how many requests the application has logged
    log-since K      the requests logged after the first K: [[method, target, status], …]
    quit             stops serving and exits

Okta: every bucket at 10^6 a minute and no concurrency limit (an "unlimited" org), the group
profile with `scimExternalId` (as `python -m connector serve` sets up). Ledgerline: 10^6
requests a window, and N synthetic accounts (`user00001@example.com`, …) from the start.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from typing import Any

OKTA_TOKEN = "perf-okta-token"
API_KEY = "perf-ledgerline-key"
UNLIMITED = 1_000_000


def _serve_okta() -> tuple[str, Callable[[], list[tuple[str, str, int]]], Callable[[], None]]:
    from oktasim import Simulator, SimulatorOptions

    sim = Simulator(
        SimulatorOptions(
            token=OKTA_TOKEN,
            rate_limit_per_minute=UNLIMITED,
            concurrency_limit=0,
            group_custom_attributes=("scimExternalId",),
        )
    )
    running = sim.start(host="127.0.0.1", port=0)
    return running.url, lambda: sim.request_log, running.stop


def _serve_rest(
    accounts: int,
) -> tuple[str, Callable[[], list[tuple[str, str, int]]], Callable[[], None]]:
    from legacyapp import Sandbox, SandboxOptions

    sandbox = Sandbox(SandboxOptions(api_key=API_KEY, rate_limit=UNLIMITED, accounts=accounts))
    running = sandbox.start(host="127.0.0.1", port=0)
    return running.url, lambda: sandbox.request_log, running.stop


def _answer(words: list[str], log: list[tuple[str, str, int]]) -> dict[str, Any] | None:
    match words:
        case ["log-count"]:
            return {"count": len(log)}
        case ["log-since", mark] if mark.isdigit():
            return {"calls": [list(entry) for entry in log[int(mark) :]]}
        case ["quit"]:
            return None
    return {"error": f"unknown command {' '.join(words)!r}"}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.perf_target")
    parser.add_argument("kind", choices=("okta", "rest"))
    parser.add_argument("--accounts", type=int, default=0, help="Ledgerline accounts at start")
    args = parser.parse_args(argv)
    # A real service answers a read on one worker while another builds a client's page; here
    # both are threads of one interpreter, and at Python's default 5 ms GIL turns a read waits
    # up to 5 ms at each step behind the page (measured: reads during a 10,000-user listing
    # p99 28 ms, 10 ms at 0.5 ms turns). The connector's probe latency is what is measured.
    sys.setswitchinterval(0.0005)
    url, log, stop = _serve_okta() if args.kind == "okta" else _serve_rest(args.accounts)
    print(json.dumps({"url": url}), flush=True)
    try:
        for line in sys.stdin:
            answer = _answer(line.split(), log())
            if answer is None:
                break
            print(json.dumps(answer), flush=True)
    finally:
        stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
