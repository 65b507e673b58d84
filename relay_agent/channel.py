"""One control channel: receive relayed requests, answer them, renew the token (section 3)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Callable
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, WebSocketException

from relay_agent.config import AgentConfig
from relay_agent.forward import Forwarder
from relay_agent.logsafe import agent_logger, printable
from relay_agent.protocol import (
    LocalResponse,
    ProtocolError,
    RelayedRequest,
    fits_control_channel,
    renew_frame,
    response_frame,
)
from relay_agent.sas import sas_token

logger: logging.Logger = agent_logger()

# A control message holds at most 64 kB of body plus 32 kB of header metadata, JSON-escaped.
_CONTROL_MAX_MESSAGE = 512 * 1024
# Rendezvous sockets carry whole bodies; this bounds memory per request.
_RENDEZVOUS_MAX_MESSAGE = 64 * 1024 * 1024
_USER_AGENT = "relay-agent"
# The relay answers the sender 504 after 60 s without a response (reference section 3.5), so a
# request still not delivered on its rendezvous by then can only be abandoned.
_RENDEZVOUS_READ_SECONDS = 60.0


def listen_token(config: AgentConfig) -> tuple[str, int]:
    expiry = int(time.time()) + config.token_ttl_seconds
    return sas_token(config.resource, config.rule_name, config.key, expiry), expiry


class Channel:
    def __init__(
        self, config: AgentConfig, forwarder: Forwarder, in_flight: set[asyncio.Task[None]]
    ) -> None:
        self._config = config
        self._forwarder = forwarder
        # Owned by the agent: requests outlive a dropped channel so the local call completes.
        self._in_flight = in_flight
        self._send_lock = asyncio.Lock()

    async def run(self, on_open: Callable[[], None]) -> str:
        """Serves until the relay closes the channel; returns how it closed."""
        token, expiry = listen_token(self._config)
        async with connect(
            self._config.listen_url,
            additional_headers={"ServiceBusAuthorization": token},
            compression=None,
            max_size=_CONTROL_MAX_MESSAGE,
            ping_interval=self._config.ping_interval_seconds,
            ping_timeout=self._config.ping_interval_seconds,
            open_timeout=30,
            user_agent_header=_USER_AGENT,
        ) as control:
            on_open()
            renewer = asyncio.create_task(self._renew(control, expiry))
            try:
                await self._receive(control)
            except asyncio.CancelledError:
                # A clean shutdown always comes from the listener, with 1000 (section 3.1);
                # left to itself, websockets would report the cancellation as 1011.
                await control.close(1000, "agent stopping")
                raise
            finally:
                renewer.cancel()
            return f"closed by the relay with code {control.close_code}"

    async def _receive(self, control: ClientConnection) -> None:
        async for message in control:
            try:
                command = json.loads(message)
                if not isinstance(command, dict):
                    raise ProtocolError("a control message must be a JSON object")
                if "request" in command:
                    request = RelayedRequest.parse(command["request"])
                    # The body is the very next message: read it before any other command.
                    body = b""
                    if request.body:
                        data = await control.recv()
                        body = data if isinstance(data, bytes) else data.encode()
                    self._spawn(self._handle(control, request, body))
                elif "accept" in command:
                    self._spawn(self._reject_accept(command["accept"]))
            except WebSocketException:
                raise  # the channel itself failed: the agent reconnects
            except Exception as error:
                # Whatever a message holds, it costs that message only, never the channel.
                logger.warning(
                    "ignored a malformed control message: %s",
                    printable(str(error) or type(error).__name__),
                )

    def _spawn(self, work: Any) -> None:
        task: asyncio.Task[None] = asyncio.create_task(work)
        self._in_flight.add(task)
        task.add_done_callback(self._in_flight.discard)

    async def _renew(self, control: ClientConnection, expiry: int) -> None:
        while True:
            # At 75% of the remaining lifetime: early enough to survive a slow send.
            await asyncio.sleep(max(0.5, (expiry - time.time()) * 0.75))
            token, expiry = listen_token(self._config)
            try:
                async with self._send_lock:
                    await control.send(renew_frame(token))
            except ConnectionClosed:
                # The channel closed meanwhile; the receive loop reports it and the agent
                # reconnects with a fresh token. An exception left in this task would only be
                # logged by asyncio as "never retrieved", with a traceback.
                return
            logger.debug("renewed the listen token")

    async def _handle(
        self, control: ClientConnection, request: RelayedRequest, body: bytes
    ) -> None:
        started = time.monotonic()
        shown, outcome = request, "undelivered"
        try:
            if request.body is None:
                async with self._rendezvous(request.address) as rendezvous:
                    async with asyncio.timeout(_RENDEZVOUS_READ_SECONDS):
                        shown, body = await _read_request(rendezvous)
                    response = await self._forwarder.forward(shown, body)
                    await _send_response(rendezvous, response_frame(shown.id, response), response)
            else:
                response = await self._forwarder.forward(request, body)
                # Built once: sent on whichever channel it fits.
                frame = response_frame(request.id, response)
                if not fits_control_channel(frame, response):
                    async with self._rendezvous(request.address) as rendezvous:
                        await _send_response(rendezvous, frame, response)
                else:
                    # A response frame and its body must not be split by another frame.
                    async with self._send_lock:
                        await _send_response(control, frame, response)
            outcome = str(response.status)
        except (WebSocketException, OSError, TimeoutError, ProtocolError) as error:
            outcome = f"undelivered ({type(error).__name__})"
        except Exception as error:  # a bug costs this request, not the agent
            outcome = f"undelivered ({type(error).__name__}: {printable(str(error))})"
        finally:
            elapsed = (time.monotonic() - started) * 1000
            logger.info(
                "%s %s %s %.0fms",
                printable(shown.method, limit=20),
                printable(_loggable(shown.target)),
                outcome,
                elapsed,
            )

    def _rendezvous(self, address: str) -> connect:
        # The address comes from the relay; insist on the scheme we use for the relay itself.
        scheme = self._config.relay_url.split("://", 1)[0]
        if not address.startswith(scheme + "://"):
            raise ProtocolError("rendezvous address with an unexpected scheme")
        return connect(
            address,
            compression=None,
            max_size=_RENDEZVOUS_MAX_MESSAGE,
            open_timeout=30,
            ping_interval=None,
            user_agent_header=_USER_AGENT,
        )

    async def _reject_accept(self, accept: Any) -> None:
        """This agent speaks HTTP only: refuse WebSocket connections (section 3.8)."""
        address = accept.get("address") if isinstance(accept, dict) else None
        if not isinstance(address, str):
            return
        logger.warning("rejected a WebSocket (accept) connection: this agent relays HTTP only")
        rejection = f"{address}&sb-hc-statusCode=400&sb-hc-statusDescription=HTTP+only"
        # The relay answers a correct rejection with 410, so the handshake always "fails".
        with contextlib.suppress(WebSocketException, OSError, TimeoutError, ProtocolError):
            async with self._rendezvous(rejection):
                pass


async def _read_request(rendezvous: ClientConnection) -> tuple[RelayedRequest, bytes]:
    message = await rendezvous.recv()
    try:
        request = RelayedRequest.parse(json.loads(message)["request"])
    except (ValueError, KeyError, TypeError) as error:
        raise ProtocolError("rendezvous without a request frame") from error
    body = b""
    if request.body:
        data = await rendezvous.recv()
        body = data if isinstance(data, bytes) else data.encode()
    return request, body


async def _send_response(ws: ClientConnection, frame: str, response: LocalResponse) -> None:
    await ws.send(frame)
    if response.body:
        await ws.send(response.body)


def _loggable(target: str) -> str:
    """The request-target without query values, which may hold personal data."""
    path, _, query = target.partition("?")
    names = [item.split("=", 1)[0] for item in query.split("&") if item]
    return path + ("?" + "&".join(f"{name}=…" for name in names) if names else "")
