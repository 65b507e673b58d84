"""A tiny loopback HTTP app standing in for the on-premises REST application."""

from __future__ import annotations

import asyncio
import json
from urllib.parse import parse_qsl, urlsplit

from .httpio import HttpRequest, read_request, write_response


class LocalApp:
    """`/echo` returns the body; `/big?n=` returns n bytes; `/slow?s=` waits; `/held` waits for
    `release` (counting `in_flight`); else JSON of the request as seen. Every request is
    recorded."""

    def __init__(self) -> None:
        self.requests: list[HttpRequest] = []
        self.release = asyncio.Event()
        self.in_flight = 0
        self._server: asyncio.Server | None = None

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.sockets[0].getsockname()[1]}"

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0, limit=2**20)

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while (request := await read_request(reader)) is not None:
                self.requests.append(request)
                await self._answer(request, writer)
        except ConnectionError:
            pass
        finally:
            writer.close()

    async def _answer(self, request: HttpRequest, writer: asyncio.StreamWriter) -> None:
        url = urlsplit(request.target)
        params = dict(parse_qsl(url.query))
        if url.path.endswith("/echo"):
            await write_response(
                writer, 200, [("Content-Type", "application/octet-stream")], request.body
            )
            return
        if url.path.endswith("/big"):
            body = bytes(i % 251 for i in range(int(params["n"])))
            await write_response(writer, 200, [("Content-Type", "application/octet-stream")], body)
            return
        if url.path.endswith("/headers"):
            # A response whose header metadata alone is n bytes, with a small body.
            big = [("Content-Type", "text/plain"), ("X-Big", "h" * int(params["n"]))]
            await write_response(writer, 200, big, b"small")
            return
        if url.path.endswith("/slow"):
            await asyncio.sleep(float(params["s"]))
        if url.path.endswith("/held"):
            self.in_flight += 1
            try:
                await self.release.wait()
            finally:
                self.in_flight -= 1
        seen = {
            "method": request.method,
            "target": request.target,
            "headers": request.headers,
            "body": request.body.decode(),
        }
        status = int(params.get("status", "200"))
        headers = [("Content-Type", "application/json"), ("X-App", "yes"), ("Set-Cookie", "a=1")]
        await write_response(writer, status, headers, json.dumps(seen).encode())
