"""Connection state, and a loopback HTTP endpoint that reports it: GET /healthz."""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field


@dataclass
class Health:
    connected: bool = False
    since: float = field(default_factory=time.time)
    last_error: str | None = None

    def set_connected(self) -> None:
        self.connected, self.since, self.last_error = True, time.time(), None

    def set_disconnected(self, reason: str) -> None:
        self.connected, self.since, self.last_error = False, time.time(), reason

    def as_json(self) -> dict[str, object]:
        return {
            "connected": self.connected,
            "since": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(self.since)),
            "lastError": self.last_error,
        }


async def serve_health(health: Health, host: str, port: int) -> asyncio.Server:
    """200 when the control channel is open, 503 otherwise; JSON body either way."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            async with asyncio.timeout(5):
                request_line = (await reader.readline()).decode("latin-1").split()
                while (await reader.readline()).strip():
                    pass  # headers are not needed
            if request_line[:2] in (["GET", "/healthz"], ["HEAD", "/healthz"]):
                status = "200 OK" if health.connected else "503 Service Unavailable"
                body = json.dumps(health.as_json()).encode()
            else:
                status, body = "404 Not Found", b'{"error": "not found"}'
            head = (
                f"HTTP/1.1 {status}\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
            )
            writer.write(head.encode() + (body if request_line[:1] != ["HEAD"] else b""))
            await writer.drain()
        except (TimeoutError, ConnectionError):
            pass
        finally:
            writer.close()

    return await asyncio.start_server(handle, host, port)
