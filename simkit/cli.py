"""The command line the simulators share: where to listen, the fault options, and serving until
Ctrl-C or SIGTERM, with a one-line reason and exit status 2 (not a traceback) when an option is
invalid or the address cannot be bound."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Callable
from typing import Any

from simkit.running import Startable


def add_address_options(parser: argparse.ArgumentParser) -> None:
    """--host, --port and --allow-non-loopback, as `start()` takes them."""
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on; loopback only unless allowed (default: %(default)s)",
    )
    parser.add_argument(
        "--port", type=int, default=0, help="TCP port; 0 picks a free one (default: %(default)s)"
    )
    parser.add_argument(
        "--allow-non-loopback",
        action="store_true",
        help="permit a --host that is not a loopback address",
    )


def add_fault_options(
    parser: argparse.ArgumentParser, *, errors: str, hang_s: float, seed: str
) -> None:
    """--latency-ms, --error-rate, --timeout-rate, --drop-rate, --hang-seconds and --seed;
    `errors` says what an error fault answers, `seed` what a seed makes reproducible."""
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
        help=f"fraction of requests answered {errors} without being applied (default: %(default)s)",
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
        default=hang_s,
        metavar="S",
        help="how long a --timeout-rate request hangs (default: %(default)s)",
    )
    parser.add_argument("--seed", type=int, default=None, metavar="N", help=seed)


def fault_options(args: argparse.Namespace) -> dict[str, Any]:
    """The fault options as the simulators' option fields of the same names take them."""
    return {
        "latency_ms": args.latency_ms,
        "error_rate": args.error_rate,
        "timeout_rate": args.timeout_rate,
        "drop_rate": args.drop_rate,
        "hang_s": args.hang_seconds,
        "seed": args.seed,
    }


def serve_until_stopped(
    make: Callable[[], Startable], args: argparse.Namespace, banner: str
) -> int:
    """Makes the simulator, starts it where the address options say, prints `banner` with {url}
    filled in, and serves until Ctrl-C or SIGTERM.

    Returns the exit status: 0 once stopped, 2 when an option is refused (ValueError, from
    `make` or `start`) or the address cannot be bound (OSError), with the reason on stderr.
    """
    try:
        running = make().start(
            host=args.host, port=args.port, allow_non_loopback=args.allow_non_loopback
        )
    except (ValueError, OSError) as problem:
        print(f"invalid option: {problem}", file=sys.stderr)
        return 2
    # Ready to be stopped before saying so: a client may signal as soon as it reads the banner.
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    try:
        print(banner.format(url=running.url), flush=True)
        done.wait()
    except KeyboardInterrupt:
        pass
    finally:
        running.stop()
    return 0
