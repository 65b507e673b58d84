"""Whether telemetry is on, decided once at the first request, and OpenTelemetry set up then.

With APPLICATIONINSIGHTS_CONNECTION_STRING set, the Azure Monitor OpenTelemetry distro exports
traces, metrics and logs to Application Insights; with TELEMETRY_CONSOLE=true, each request's
spans are printed on the console. With neither, nothing of OpenTelemetry is ever imported (the
cold start stays as it is). Setting up never fails a request: a problem is logged once and the
connector serves on without spans.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..settings import Settings, SettingsError
from .recorder import Observer

if TYPE_CHECKING:
    from opentelemetry.metrics import MeterProvider
    from opentelemetry.trace import TracerProvider

log = logging.getLogger("connector.telemetry")

_lock = threading.Lock()
_decided = False
_observer: Observer | None = None
_mode = "off"

# The distro instruments these libraries by default. httpx would record every target URL in
# full, query string and logins included; the connector records its own target calls, with
# path templates, instead. The web frameworks and database drivers are not used here.
_NOT_INSTRUMENTED = (
    "httpx",
    "requests",
    "urllib",
    "urllib3",
    "django",
    "fastapi",
    "flask",
    "psycopg2",
)


def observer() -> Observer | None:
    """The OpenTelemetry bridge, or None when telemetry is off (decided on the first call)."""
    global _decided, _observer
    if not _decided:
        with _lock:
            if not _decided:
                _observer = _configure(os.environ)
                _decided = True
    return _observer


def mode() -> str:
    """`application-insights`, `console`, both joined by `+`, or `off` (once decided)."""
    return _mode


def use(tracer_provider: TracerProvider, meter_provider: MeterProvider, name: str = "test") -> None:
    """Send spans and metrics to these providers from now on (tests)."""
    global _decided, _observer, _mode
    from .bridge import Bridge

    with _lock:
        _observer = Bridge(tracer_provider, meter_provider)
        _mode = name
        _decided = True


def reset() -> None:
    """Decide again at the next request (tests)."""
    global _decided, _observer, _mode
    with _lock:
        _decided, _observer, _mode = False, None, "off"


def _settings(env: Mapping[str, str]) -> Settings | None:
    try:
        return Settings.from_env(env)
    except SettingsError:
        # Another setting is wrong: the requests say so, and the records should still reach
        # Application Insights. Read the telemetry settings on their own.
        names = ("APPLICATIONINSIGHTS_CONNECTION_STRING", "TELEMETRY_CONSOLE")
        try:
            return Settings.from_env({n: env[n] for n in names if n in env})
        except SettingsError as error:
            log.error("telemetry is off: %s", error)
            return None


def _configure(env: Mapping[str, str]) -> Observer | None:
    global _mode
    settings = _settings(env)
    if settings is None:
        return None
    connection = settings.applicationinsights_connection_string
    console = settings.telemetry_console
    if not connection and not console:
        return None
    try:
        bridge = _bridge(connection, console)
    except Exception as error:  # a broken telemetry package must not take requests down
        log.error("telemetry is off: OpenTelemetry could not be set up (%s)", error)
        return None
    _mode = "+".join(
        m for m, on in (("application-insights", connection), ("console", console)) if on
    )
    return bridge


def _bridge(connection: str | None, console: bool) -> Observer:
    from opentelemetry import metrics, trace
    from opentelemetry.sdk.trace import SpanProcessor
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor

    from .bridge import Bridge

    processors: list[SpanProcessor] = []
    if console:
        from .console import ConsoleTree

        processors.append(SimpleSpanProcessor(ConsoleTree()))
    if connection:
        from azure.monitor.opentelemetry import configure_azure_monitor

        options: dict[str, Any] = {name: {"enabled": False} for name in _NOT_INSTRUMENTED}
        # The credential comes from APPLICATIONINSIGHTS_AUTHENTICATION_STRING (managed
        # identity), which infra sets: the Application Insights resource refuses keys.
        configure_azure_monitor(
            connection_string=connection,
            instrumentation_options=options,
            span_processors=processors,
        )
        from .. import redact

        redact.install()  # the distro's log handler masks secrets like every other handler
        return Bridge(trace.get_tracer_provider(), metrics.get_meter_provider())
    from opentelemetry.sdk.trace import TracerProvider

    provider = TracerProvider()
    for processor in processors:
        provider.add_span_processor(processor)
    return Bridge(provider, metrics.NoOpMeterProvider())
