"""`python -m relay_agent`: parse the configuration, run the agent until SIGTERM or Ctrl+C."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import sys
from collections.abc import Sequence

from relay_agent.agent import Agent
from relay_agent.config import AgentConfig, ConfigError, load
from relay_agent.health import serve_health


def main(argv: Sequence[str] | None = None) -> int:
    try:
        config, level = load(argv, os.environ)
    except ConfigError as error:
        print(f"relay_agent: {error}", file=sys.stderr)
        return 2
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    # Library debug logs would print handshake headers (the SAS token) and full local URLs.
    logging.getLogger("websockets").setLevel(max(logging.INFO, logging.getLogger().level))
    logging.getLogger("httpx").setLevel(logging.WARNING)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(config))
    return 0


async def _serve(config: AgentConfig) -> None:
    agent = Agent(config)
    health = None
    if config.health_port is not None:
        health = await serve_health(agent.health, config.health_host, config.health_port)
    runner = asyncio.create_task(agent.run())
    # SIGTERM is how systemd and most service managers stop us; Windows has no signal handlers
    # and relies on Ctrl+C (KeyboardInterrupt) instead.
    with contextlib.suppress(NotImplementedError):
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, runner.cancel)
    with contextlib.suppress(asyncio.CancelledError):
        await runner
    if health is not None:
        health.close()
        await health.wait_closed()
