"""CPU per target call of httpx's client over each transport, its own (httpcore) and the
connector's (connector/transport/http11.py), and of `ApiClient.send` (what the connector runs:
the transport called without httpx's client), against a minimal HTTP/1.1 server in another
process, so that the figure is the client's alone.

    python -m bench.transport [--calls 3000]

The server answers every request with one small Okta user (keep-alive, no cookie).
Nothing here asserts a timing; bench/RESULTS.md records the figures with this command.
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable

import httpx

from connector.targets.http import ApiClient, Authorization, Call
from connector.transport.http11 import Http11Transport

_SERVER = r"""
import asyncio, sys
BODY = b'{"id":"00u1","status":"ACTIVE","profile":{"login":"a@example.com","email":"a@ex.com"}}'
ANSWER = (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
          b"X-Rate-Limit-Remaining: 599\r\nContent-Length: %d\r\n\r\n" % len(BODY)) + BODY

class Answering(asyncio.Protocol):
    def connection_made(self, transport):
        self.transport, self.buffer = transport, b""
    def data_received(self, data):
        self.buffer += data
        while b"\r\n\r\n" in self.buffer:  # the bench sends GETs only: no bodies
            _, _, self.buffer = self.buffer.partition(b"\r\n\r\n")
            self.transport.write(ANSWER)

async def main():
    server = await asyncio.get_running_loop().create_server(Answering, "127.0.0.1", 0)
    print(server.sockets[0].getsockname()[1], flush=True)
    await asyncio.sleep(600)

asyncio.run(main())
"""


async def _cpu_per_call(call: Callable[[], Awaitable[None]], calls: int) -> float:
    for _ in range(200):  # warm-up: connections, caches
        await call()
    started = time.process_time()
    for _ in range(calls):
        await call()
    return (time.process_time() - started) / calls


class _Token:
    fix = "nothing to fix"

    async def authorization(self, refresh: bool) -> Authorization:
        return Authorization(headers={"Authorization": "SSWS bench"})


async def _measure(url: str, calls: int) -> list[tuple[str, float]]:
    rows = []
    for name, transport in (
        ("httpx's client over httpcore", None),
        ("httpx's client over http11.py", Http11Transport()),
    ):
        async with httpx.AsyncClient(transport=transport, timeout=5.0) as client:

            async def call(client: httpx.AsyncClient = client) -> None:
                response = await client.get(url, headers={"Authorization": "SSWS bench"})
                response.json()

            rows.append((name, await _cpu_per_call(call, calls)))
    # What the connector runs per target call: credentials, pacing, the request and answer as
    # httpx's Request and Response, sent by this transport without httpx's client.
    origin, _, path = url.partition("/api/")
    api = ApiClient(origin, _Token(), name="bench")

    async def through_api() -> None:
        (await api.send(Call("GET", "/api/" + path))).json()

    rows.append(("ApiClient.send (the connector's path)", await _cpu_per_call(through_api, calls)))
    await api.aclose()
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=3000)
    args = parser.parse_args()
    server = subprocess.Popen(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", _SERVER], stdout=subprocess.PIPE, text=True
    )
    try:
        assert server.stdout is not None
        port = int(server.stdout.readline())
        url = f"http://127.0.0.1:{port}/api/v1/users/00u1"
        for _ in range(2):  # twice, interleaved: the second run shows the noise
            for name, seconds in asyncio.run(_measure(url, args.calls)):
                print(f"  {name:38s} {seconds * 1e6:7.1f} us CPU per call")
    finally:
        server.kill()
        server.wait()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
