"""Command line: `python -m connector serve` (local HTTP) and `python -m connector doctor`."""

from __future__ import annotations

import argparse
import logging
import os
import secrets
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _sandbox() -> str:
    """Start the embedded Okta simulator and point the connector at it."""
    from oktasim import Simulator, SimulatorOptions

    token = secrets.token_urlsafe(24)
    running = Simulator(SimulatorOptions(token=token)).start(host="127.0.0.1", port=0)
    os.environ["OKTA_ORG_URL"] = running.url
    os.environ["OKTA_API_TOKEN"] = token
    return running.url


def serve(host: str, port: int) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    okta = os.environ.get("OKTA_ORG_URL", "").strip()
    note = f"Okta org {okta}"
    if not okta:
        note = f"embedded Okta sandbox at {_sandbox()} (in memory: lost on exit)"
    bearer = os.environ.get("SCIM_BEARER_TOKEN", "").strip()
    shown = "(the value of SCIM_BEARER_TOKEN)"
    if not bearer and not os.environ.get("KEY_VAULT_URL"):
        bearer = secrets.token_urlsafe(24)
        os.environ["SCIM_BEARER_TOKEN"] = bearer
        shown = bearer

    sys.path.insert(0, str(ROOT))
    import function_app

    from .serve import start

    try:
        running = start(function_app.app, ROOT / "host.json", host, port)
    except OSError as exc:
        print(
            f"Cannot listen on {host}:{port} ({exc.strerror}). Is another server using it? "
            "Pass another one, e.g. `python -m connector serve --port 7072`.",
            file=sys.stderr,
        )
        return 2
    print(f"Entra SCIM connector listening at {running.url}", flush=True)
    print(f"  Tenant URL:   {running.url}/api/scim/v2", flush=True)
    print(f"  Secret Token: {shown}", flush=True)
    print(f"  Target:       {note}", flush=True)
    print("Press Ctrl-C to stop.", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        running.stop()
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m connector")
    commands = parser.add_subparsers(dest="command", required=True)
    serve_parser = commands.add_parser("serve", help="serve the SCIM endpoint over local HTTP")
    serve_parser.add_argument("--host", default="127.0.0.1")
    serve_parser.add_argument("--port", type=int, default=7071)
    commands.add_parser("doctor", help="check the configuration and say how to fix it")
    args, rest = parser.parse_known_args(argv)
    if args.command == "serve":
        return serve(args.host, args.port)
    from .doctor import main as doctor

    return doctor(rest)


if __name__ == "__main__":
    sys.exit(main())
