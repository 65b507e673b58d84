"""`python -m legacyapp`: serve the sandbox until Ctrl-C."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from legacyapp.sandbox import NO_FAULTS_HEADER, Sandbox, SandboxOptions
from simkit.cli import add_address_options, add_fault_options, fault_options, serve_until_stopped


def _parser() -> argparse.ArgumentParser:
    defaults = SandboxOptions()
    parser = argparse.ArgumentParser(
        prog="python -m legacyapp",
        description="In-memory sandbox of the Ledgerline HR API v2 (/api/v2). "
        "Never expose it beyond your machine.",
        epilog=f"Requests carrying the header '{NO_FAULTS_HEADER}: 1' are never faulted, "
        "delayed or rate limited and do not count toward the limit.",
    )
    add_address_options(parser)
    parser.add_argument("--api-key", required=True, help="the accepted API key (header X-Api-Key)")
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
    add_fault_options(
        parser,
        errors="500 (JSON) or 503 (HTML)",
        hang_s=defaults.hang_s,
        seed="reproducible faults",
    )
    parser.add_argument(
        "--accounts",
        type=int,
        default=0,
        metavar="N",
        help="pre-populate N synthetic accounts, ids from 1001 (default: %(default)s)",
    )
    parser.add_argument(
        "--errors-with-200",
        action="store_true",
        help='answer the API\'s own refusals 200 with "success": false, as its first API did',
    )
    return parser


def options_from(args: argparse.Namespace) -> SandboxOptions:
    return SandboxOptions(
        api_key=args.api_key,
        rate_limit=args.rate_limit,
        rate_window_s=args.rate_window_seconds,
        accounts=args.accounts,
        errors_with_200=args.errors_with_200,
        **fault_options(args),
    )


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    banner = "legacyapp serving {url} (API under {url}/api/v2)"
    return serve_until_stopped(lambda: Sandbox(options_from(args)), args, banner)


if __name__ == "__main__":
    sys.exit(main())
