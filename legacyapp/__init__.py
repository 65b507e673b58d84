"""legacyapp: an in-memory sandbox of the fictional "Ledgerline HR API v2", an on-premises
line-of-business REST application, for development, tests and benchmarks; never deployed."""

from legacyapp.clock import Clock
from legacyapp.sandbox import RunningSandbox, Sandbox, SandboxOptions
from simkit.clock import SystemClock

__all__ = ["Clock", "RunningSandbox", "Sandbox", "SandboxOptions", "SystemClock"]
