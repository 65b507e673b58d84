"""A simulator serving on a background thread, as its `start()` hands it back, and the rule that
a simulator serves on loopback only unless told otherwise."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from typing import Protocol, Self


class Running:
    """A simulator serving HTTP on a background thread; stop() or use it as a context manager.

    `stop()` ends every connection, hanging ones included, and may be called more than once.
    """

    def __init__(self, url: str, stop: Callable[[], None]) -> None:
        self.url = url
        self._stop = stop

    def stop(self) -> None:
        self._stop()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


class Startable(Protocol):
    """A simulator: `start()` serves it on a background thread and returns at once."""

    def start(
        self, host: str = ..., port: int = ..., *, allow_non_loopback: bool = ...
    ) -> Running: ...


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_host(host: str, *, allow_non_loopback: bool = False) -> None:
    """ValueError for a host that is not a loopback address, unless explicitly allowed: a
    simulator has no authentication worth the name and must not be reachable from elsewhere."""
    if not allow_non_loopback and not is_loopback(host):
        raise ValueError(f"refusing to serve on non-loopback host {host!r}")
