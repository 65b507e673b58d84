"""The command line: `python -m connector serve` (local HTTP) and `python -m connector doctor`."""

from __future__ import annotations

import argparse


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m connector")
    commands = parser.add_subparsers(dest="command", required=True)
    serve_parser = commands.add_parser("serve", help="serve the SCIM endpoint over local HTTP")
    serve_parser.add_argument("--host", default="127.0.0.1")
    serve_parser.add_argument("--port", type=int, default=7071)
    serve_parser.add_argument(
        "--rest-sandbox",
        action="store_true",
        help="provision the packaged legacy-app sandbox (samples/legacyapp) instead of Okta",
    )
    # Its options are doctor's own parser's: `--help` goes there too, and lists them.
    commands.add_parser(
        "doctor", help="check the configuration and say how to fix it", add_help=False
    )
    args, rest = parser.parse_known_args(argv)
    if args.command == "serve":
        from .serve import serve

        return serve(args.host, args.port, rest_sandbox=args.rest_sandbox)
    from .doctor import main as doctor

    return doctor(rest)
