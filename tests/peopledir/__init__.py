"""Peopledir: an in-memory HTTP simulator of a fictional SaaS people directory (OAuth 2.0
client credentials, string ids, cursor paging, PUT-only updates, RFC 9457 problem details),
used as a REST application no code in this repository was written for. Test fixture only.
Its API reference is README.md beside this file."""

from simkit.clock import FakeClock, SystemClock

from .app import PeopledirApp, PeopledirOptions, RunningPeopledir
from .clock import Clock

__all__ = [
    "Clock",
    "FakeClock",
    "PeopledirApp",
    "PeopledirOptions",
    "RunningPeopledir",
    "SystemClock",
]
