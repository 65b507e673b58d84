"""Entra's provisioning service facing a 429 or a 503, for the fault tests: it waits what the
answer's Retry-After says (here cut short) and sends the same request again. Every such answer
must carry a Retry-After of a second or more: Entra has nothing else to wait by."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import httpx

BUSY = {429, 503}


async def wait_as_entra(response: httpx.Response, longest: float) -> None:
    """Wait as Entra does after `response`, a 429 or 503, but never longer than `longest`."""
    assert response.status_code in BUSY, response.text
    retry_after = response.headers.get("retry-after")
    assert retry_after is not None, response.headers
    assert int(retry_after) >= 1, retry_after
    await asyncio.sleep(min(int(retry_after), longest))


async def resent(
    call: Callable[[], Awaitable[httpx.Response]],
    *,
    attempts: int,
    longest: float,
    seen: Callable[[httpx.Response], object] = lambda response: None,
) -> httpx.Response:
    """The first answer to `call` that is neither 429 nor 503, sending it again after each that
    is (at most `attempts` times); `seen` is shown every answer."""
    for _ in range(attempts):
        response = await call()
        seen(response)
        if response.status_code not in BUSY:
            return response
        await wait_as_entra(response, longest)
    raise AssertionError(f"still {response.status_code} after {attempts} tries")
