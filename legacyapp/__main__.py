"""`python -m legacyapp`: serve the sandbox until Ctrl-C."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Sequence

from legacyapp.sandbox import NO_FAULTS_HEADER, Sandbox, SandboxOptions


def _parser() -> argparse.ArgumentParser:
    defaults = SandboxOptions()
    parser = argparse.ArgumentParser(
        prog="python -m legacyapp",
        description="In-memory sandbox of the Ledgerline HR API v2 (/api/v2). "
        "Never expose it beyond your machine.",
        epilog=f"Requests carrying the header '{NO_FAULTS_HEADER}: 1' are never faulted, "
        "delayed or rate limited and do not count toward the limit.",
    )
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on; loopback only unless allowed (default: %(default)s)",
    )
    parser.add_argument(
        "--port", type=int, default=0, help="TCP port; 0 picks a free one (default: %(default)s)"
    )
    parser.add_argument("--api-key", required=True, help="the accepted API key (header X-Api-Key)")
    parser.add_argument(
        "--allow-non-loopback",
        action="store_true",
        help="permit a --host that is not a loopback address",
    )
    parser.add_argument(
        "--rate-limit",
        type=int,
        default=defaults.rate_limit,
        metavar="N",
        help="requests per window and API key (default: %(default)s)",
    )
    parser.add_argument(
        "--rate-window-seconds",
        type=float,
        default=defaults.rate_window_s,
        metavar="S",
        help="length of the fixed rate-limit window (default: %(default)s)",
    )
    parser.add_argument(
        "--latency-ms",
        type=float,
        default=0.0,
        metavar="N",
        help="delay added to every faultable request (default: %(default)s)",
    )
    parser.add_argument(
        "--error-rate",
        type=float,
        default=0.0,
        metavar="F",
        help="fraction of requests answered 500 (JSON) or 503 (HTML) without being applied "
        "(default: %(default)s)",
    )
    parser.add_argument(
        "--timeout-rate",
        type=float,
        default=0.0,
        metavar="F",
        help="fraction of requests that hang (see --hang-seconds) without being applied "
        "(default: %(default)s)",
    )
    parser.add_argument(
        "--drop-rate",
        type=float,
        default=0.0,
        metavar="F",
        help="fraction of requests applied whose connection then closes with no response "
        "(default: %(default)s)",
    )
    parser.add_argument(
        "--hang-seconds",
        type=float,
        default=defaults.hang_s,
        metavar="S",
        help="how long a --timeout-rate request hangs (default: %(default)s)",
    )
    parser.add_argument("--seed", type=int, default=None, metavar="N", help="reproducible faults")
    parser.add_argument(
        "--accounts",
        type=int,
        default=0,
        metavar="N",
        help="pre-populate N synthetic accounts, ids from 1001 (default: %(default)s)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        options = SandboxOptions(
            api_key=args.api_key,
            rate_limit=args.rate_limit,
            rate_window_s=args.rate_window_seconds,
            latency_ms=args.latency_ms,
            error_rate=args.error_rate,
            timeout_rate=args.timeout_rate,
            drop_rate=args.drop_rate,
            hang_s=args.hang_seconds,
            seed=args.seed,
            accounts=args.accounts,
        )
        running = Sandbox(options).start(
            host=args.host, port=args.port, allow_non_loopback=args.allow_non_loopback
        )
    except (ValueError, OSError) as problem:
        print(f"invalid option: {problem}", file=sys.stderr)
        return 2
    print(f"legacyapp serving {running.url} (API under {running.url}/api/v2)", flush=True)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    try:
        done.wait()
    except KeyboardInterrupt:
        pass
    finally:
        running.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
