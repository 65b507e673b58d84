"""A server-side WebSocket over asyncio streams, driven by websockets' sans-I/O protocol.

The Relay double answers plain HTTP (sender side) and WebSocket upgrades (listener side) on one
port, so it reads the request head itself and hands an upgrade to websockets only afterwards.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable

from websockets.frames import Frame, Opcode
from websockets.http11 import Request
from websockets.server import ServerProtocol

Message = str | bytes


class PeerClosedError(Exception):
    def __init__(self, code: int | None) -> None:
        super().__init__(f"WebSocket closed ({code})")
        self.code = code


class WsPeer:
    def __init__(
        self,
        protocol: ServerProtocol,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        record: Callable[[str, Message], None],
    ) -> None:
        self._protocol = protocol
        self._reader = reader
        self._writer = writer
        self._record = record
        self._messages: asyncio.Queue[Message | None] = asyncio.Queue()
        self._fragments: list[bytes] = []
        self._fragment_opcode = Opcode.TEXT
        self.closed = asyncio.Event()
        self.close_code: int | None = None
        self._pump = asyncio.create_task(self._read_loop())

    @classmethod
    async def accept(
        cls,
        head: bytes,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        record: Callable[[str, Message], None],
    ) -> WsPeer:
        # No size limit: the double must let tests see oversized frames to refuse them itself.
        protocol = ServerProtocol(max_size=None)
        protocol.receive_data(head)
        [request] = protocol.events_received()
        assert isinstance(request, Request)
        protocol.send_response(protocol.accept(request))
        peer = cls(protocol, reader, writer, record)
        await peer._flush()
        return peer

    async def recv(self) -> Message:
        message = await self._messages.get()
        if message is None:
            self._messages.put_nowait(None)  # every later recv() fails the same way
            raise PeerClosedError(self.close_code)
        self._record("from_peer", message)
        return message

    async def send(self, message: Message) -> None:
        if self.closed.is_set():
            raise PeerClosedError(self.close_code)
        self._record("to_peer", message)
        if isinstance(message, str):
            self._protocol.send_text(message.encode())
        else:
            self._protocol.send_binary(message)
        await self._flush()

    async def close(self, code: int = 1000, reason: str = "") -> None:
        if not self.closed.is_set():
            self.close_code = code
            with contextlib.suppress(Exception):
                self._protocol.send_close(code, reason)
                await self._flush()
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self.closed.wait(), 2)
        self._finish()

    async def _read_loop(self) -> None:
        try:
            while data := await self._reader.read(65536):
                self._protocol.receive_data(data)
                for frame in self._protocol.events_received():
                    if isinstance(frame, Frame):
                        self._on_frame(frame.opcode, bytes(frame.data), frame.fin)
                await self._flush()
            self._protocol.receive_eof()
        except (ConnectionError, RuntimeError):
            pass
        finally:
            if self.close_code is None:
                self.close_code = self._protocol.close_code
            self._finish()

    def _on_frame(self, opcode: Opcode, data: bytes, fin: bool) -> None:
        if opcode in (Opcode.TEXT, Opcode.BINARY):
            self._fragment_opcode, self._fragments = opcode, [data]
        elif opcode is Opcode.CONT:
            self._fragments.append(data)
        else:
            return  # ping, pong and close are answered by the protocol itself
        if fin:
            payload = b"".join(self._fragments)
            text = self._fragment_opcode is Opcode.TEXT
            self._messages.put_nowait(payload.decode() if text else payload)

    async def _flush(self) -> None:
        for chunk in self._protocol.data_to_send():
            if chunk:
                self._writer.write(chunk)
            elif self._writer.can_write_eof():
                self._writer.write_eof()
        with contextlib.suppress(ConnectionError):
            await self._writer.drain()

    def _finish(self) -> None:
        if not self.closed.is_set():
            self.closed.set()
            self._messages.put_nowait(None)
            self._writer.close()
        if asyncio.current_task() is not self._pump:
            self._pump.cancel()
