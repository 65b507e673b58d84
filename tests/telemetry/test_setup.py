"""When telemetry is off nothing of OpenTelemetry is imported; when it is on, the Azure Monitor
distro is set up the connector's way (no httpx instrumentation, secrets masked)."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from connector import redact
from connector.telemetry import setup

ROOT = Path(__file__).resolve().parents[2]
OTEL_ROOTS = ("opentelemetry", "azure.monitor")


def _loaded_after(script: str, env: dict[str, str]) -> list[str]:
    probe = textwrap.dedent(script) + textwrap.dedent(
        f"""
        import json, sys
        print(json.dumps(sorted(m for m in sys.modules if m.startswith({OTEL_ROOTS!r}))))
        """
    )
    base = {
        "PATH": "/usr/bin:/bin",
        "SCIM_BEARER_TOKEN": "bearer-for-the-probe-0123456789",
        # Never contacted: discovery answers without the target.
        "OKTA_ORG_URL": "http://127.0.0.1:9",
        "OKTA_API_TOKEN": "okta-token-for-the-probe",
    }
    result = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", probe],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        env={**base, **env},
    )
    loaded: list[str] = json.loads(result.stdout.strip().splitlines()[-1])
    return loaded


def test_telemetry_off_imports_nothing_of_opentelemetry() -> None:
    assert _loaded_after("import function_app", {}) == []


def test_telemetry_off_stays_off_after_a_request() -> None:
    # The decision at the first request reads the settings and imports nothing either.
    script = """
        import function_app
        from pathlib import Path
        from connector.cli.local_host import LocalHost
        host = LocalHost(function_app.app, Path("host.json"))
        answer = host.dispatch(
            "GET", "http://127.0.0.1/api/scim/v2/ServiceProviderConfig",
            {"Authorization": "Bearer bearer-for-the-probe-0123456789"}, b"",
        )
        assert answer.status_code == 200, answer.status_code
        host.close()
    """
    assert _loaded_after(script, {}) == []


def test_the_console_option_loads_the_sdk_but_not_the_distro() -> None:
    script = """
        from connector.telemetry import setup
        assert setup.observer() is not None
        assert setup.mode() == "console"
    """
    loaded = _loaded_after(script, {"TELEMETRY_CONSOLE": "true"})
    assert "opentelemetry.sdk.trace" in loaded
    assert not [m for m in loaded if m.startswith("azure.monitor")]


CONNECTION = "InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=https://x"


def test_application_insights_is_set_up_through_the_distro(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import azure.monitor.opentelemetry as distro

    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(distro, "configure_azure_monitor", lambda **kw: calls.append(kw))
    monkeypatch.setenv("APPLICATIONINSIGHTS_CONNECTION_STRING", CONNECTION)
    root = logging.getLogger()
    handler = logging.Handler()  # stands for the distro's LoggingHandler
    root.addHandler(handler)
    setup.reset()
    try:
        assert setup.observer() is not None
        assert setup.mode() == "application-insights"
        [options] = calls
        assert options["connection_string"] == CONNECTION
        instrumented = options["instrumentation_options"]
        # httpx would export every target URL in full (logins, search expressions).
        assert instrumented["httpx"] == {"enabled": False}
        assert all(not instrumented[name]["enabled"] for name in instrumented)
        assert any(isinstance(f, redact.RedactingFilter) for f in handler.filters)
    finally:
        root.removeHandler(handler)
        setup.reset()


def test_a_bad_connection_string_is_a_settings_error_without_its_value() -> None:
    from connector.settings import Settings, SettingsError

    with pytest.raises(SettingsError) as caught:
        Settings.from_env({"APPLICATIONINSIGHTS_CONNECTION_STRING": "not-a-connection-string"})
    assert "APPLICATIONINSIGHTS_CONNECTION_STRING" in str(caught.value)
    assert "not-a-connection-string" not in str(caught.value)


def test_telemetry_survives_another_bad_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    # A misconfigured connector answers 503; its records must still reach the console / AI.
    monkeypatch.setenv("TELEMETRY_CONSOLE", "true")
    monkeypatch.setenv("REQUEST_BUDGET_SECONDS", "soon")
    setup.reset()
    try:
        assert setup.observer() is not None
        assert setup.mode() == "console"
    finally:
        setup.reset()


def test_a_broken_distro_turns_telemetry_off_not_the_requests(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    import azure.monitor.opentelemetry as distro

    def broken(**_: Any) -> None:
        raise RuntimeError("no exporter")

    monkeypatch.setattr(distro, "configure_azure_monitor", broken)
    monkeypatch.setenv("APPLICATIONINSIGHTS_CONNECTION_STRING", CONNECTION)
    setup.reset()
    try:
        assert setup.observer() is None
        assert setup.mode() == "off"
        assert "telemetry is off" in caplog.text
    finally:
        setup.reset()
