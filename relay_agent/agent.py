"""Keeps a control channel open: reconnects with capped, jittered exponential backoff."""

from __future__ import annotations

import asyncio
import logging
import random

from websockets.exceptions import ConnectionClosed, InvalidStatus, WebSocketException

from relay_agent.channel import Channel
from relay_agent.config import AgentConfig
from relay_agent.forward import Forwarder
from relay_agent.health import Health
from relay_agent.logsafe import agent_logger

logger: logging.Logger = agent_logger()

_BACKOFF_CAP_SECONDS = 60.0
# A 404 means the namespace or hybrid connection name is wrong: retrying fast cannot help,
# but a slow retry picks up a hybrid connection that is created later.
_NOT_FOUND_RETRY_SECONDS = 300.0
# A channel counts as a success, and resets the backoff, only once it has stayed open this long:
# one the relay closes as soon as it opens (a service error, a disabled hybrid connection) would
# otherwise be redialled every 0.5-1 s for as long as the fault lasts.
_STABLE_SECONDS = 30.0


def backoff_seconds(failures: int) -> float:
    """Delay before the next attempt after `failures` consecutive failed attempts."""
    ceiling = min(_BACKOFF_CAP_SECONDS, 2.0**failures)
    # Jitter keeps several agents from reconnecting in lockstep after a relay incident.
    return random.uniform(ceiling / 2, ceiling)  # noqa: S311 (timing jitter, not a secret)


class Agent:
    def __init__(self, config: AgentConfig, forwarder: Forwarder | None = None) -> None:
        self.config = config
        self.health = Health()
        self._forwarder = forwarder or Forwarder(
            config.local_base_url, config.hybrid_connection, config.timeout_seconds
        )
        self._in_flight: set[asyncio.Task[None]] = set()

    async def run(self) -> None:
        """Serves until cancelled; closes the channel with 1000 on the way out."""
        failures = 0
        loop = asyncio.get_running_loop()
        try:
            while True:
                channel = Channel(self.config, self._forwarder, self._in_flight)
                opened_at: float | None = None

                def on_open() -> None:
                    nonlocal opened_at
                    opened_at = loop.time()
                    self.health.set_connected()
                    logger.info("connected to %s", self.config.listen_url)

                status = 0
                try:
                    reason = await channel.run(on_open)
                except InvalidStatus as error:
                    status = error.response.status_code
                    reason = f"relay refused the connection with HTTP {status}"
                except ConnectionClosed as error:
                    code = error.rcvd.code if error.rcvd else "none"
                    reason = f"closed by the relay with code {code}"
                except (WebSocketException, OSError, TimeoutError) as error:
                    reason = f"{type(error).__name__}: {error}"
                self.health.set_disconnected(reason)
                stable = opened_at is not None and loop.time() - opened_at >= _STABLE_SECONDS
                failures = 0 if stable else failures + 1
                if status == 404:
                    delay = _NOT_FOUND_RETRY_SECONDS
                    logger.error(
                        "hybrid connection %s not found on %s (404): check the configuration; "
                        "retrying in %.0f s",
                        self.config.hybrid_connection,
                        self.config.namespace,
                        delay,
                    )
                else:
                    delay = backoff_seconds(failures)
                    logger.warning("control channel down: %s; retrying in %.1f s", reason, delay)
                await asyncio.sleep(delay)
        finally:
            for task in self._in_flight:
                task.cancel()
            await asyncio.gather(*self._in_flight, return_exceptions=True)
            await self._forwarder.aclose()
