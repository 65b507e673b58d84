"""The agent's configuration: command-line flags, each with an environment variable fallback.

The Listen key is read from the environment only, never from a flag, so it stays out of `ps`.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from urllib.parse import quote, urlsplit

KEY_ENV = "RELAY_LISTEN_KEY"
# The relay gives the sender its own 504 when no response arrives within 60 s (reference
# section 3.5); the local deadline leaves a few seconds to send the agent's answer before that.
MAX_TIMEOUT_SECONDS = 55.0


class ConfigError(Exception):
    pass


@dataclass(frozen=True)
class AgentConfig:
    namespace: str
    hybrid_connection: str
    rule_name: str
    key: str = field(repr=False)
    local_base_url: str
    # ws(s)://host[:port] of the relay; wss://<namespace> except for loopback test doubles.
    relay_url: str
    timeout_seconds: float = 50.0
    token_ttl_seconds: int = 3600
    health_host: str = "127.0.0.1"
    health_port: int | None = None
    ping_interval_seconds: float | None = 30.0

    @property
    def resource(self) -> str:
        """What the Listen SAS signs (reference section 2.1)."""
        return f"http://{self.namespace}/{self.hybrid_connection}"

    @property
    def listen_url(self) -> str:
        return f"{self.relay_url}/$hc/{quote(self.hybrid_connection)}?sb-hc-action=listen"


# (flag, environment variable, default, help)
_OPTIONS: tuple[tuple[str, str, str | None, str], ...] = (
    (
        "--namespace",
        "RELAY_NAMESPACE",
        None,
        "relay namespace host (x.servicebus.windows.net)",
    ),
    ("--hybrid-connection", "RELAY_HYBRID_CONNECTION", None, "hybrid connection name"),
    ("--listen-rule-name", "RELAY_LISTEN_RULE_NAME", "defaultListener", "Listen-only SAS rule"),
    (
        "--local-base-url",
        "RELAY_AGENT_LOCAL_URL",
        None,
        "the one local app, e.g. http://127.0.0.1:8080/api",
    ),
    ("--relay-url", "RELAY_AGENT_RELAY_URL", None, "override of wss://<namespace> (test doubles)"),
    ("--timeout", "RELAY_AGENT_TIMEOUT_SECONDS", "50", "local request deadline; then 503"),
    ("--token-ttl", "RELAY_AGENT_TOKEN_TTL_SECONDS", "3600", "SAS lifetime; renewed at 75%%"),
    ("--health-host", "RELAY_AGENT_HEALTH_HOST", "127.0.0.1", "health endpoint address"),
    ("--health-port", "RELAY_AGENT_HEALTH_PORT", None, "serve GET /healthz on this port"),
    ("--ping-interval", "RELAY_AGENT_PING_INTERVAL_SECONDS", "30", "WebSocket keep-alive; 0 = off"),
    ("--log-level", "RELAY_AGENT_LOG_LEVEL", "INFO", "DEBUG, INFO, WARNING or ERROR"),
)


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m relay_agent",
        description="Forward Azure Relay Hybrid Connection HTTP requests to one local REST app. "
        f"The Listen rule's key is read from the {KEY_ENV} environment variable.",
    )
    for flag, env, default, help_text in _OPTIONS:
        shown = f" (env {env}" + (f", default {default})" if default else ")")
        parser.add_argument(flag, help=help_text + shown)
    return parser


def load(argv: Sequence[str] | None, env: Mapping[str, str]) -> tuple[AgentConfig, str]:
    """(config, log level) from flags, falling back to the environment, then to defaults."""
    args = vars(parser().parse_args(argv))
    values: dict[str, str] = {}
    for flag, env_name, default, _ in _OPTIONS:
        name = flag[2:].replace("-", "_")
        value = args.get(name) or env.get(env_name, "").strip() or default
        if value is None and name not in {"relay_url", "health_port"}:
            raise ConfigError(f"{flag} (or {env_name}) is required")
        if value is not None:
            values[name] = value
    key = env.get(KEY_ENV, "")
    if not key.strip():
        raise ConfigError(f"the Listen rule's key must be in the {KEY_ENV} environment variable")
    namespace = values["namespace"]
    if "/" in namespace or ":" in namespace:
        raise ConfigError(f"--namespace must be a host name, got {namespace!r}")
    local = urlsplit(values["local_base_url"])
    if local.scheme not in {"http", "https"} or not local.hostname or local.query:
        raise ConfigError("--local-base-url must be an http(s) URL without a query")
    relay_url = values.get("relay_url", f"wss://{namespace}").rstrip("/")
    if urlsplit(relay_url).scheme not in {"ws", "wss"}:
        raise ConfigError("--relay-url must start with ws:// or wss://")
    try:
        health_port = int(values["health_port"]) if "health_port" in values else None
        ping = float(values["ping_interval"])
        config = AgentConfig(
            namespace=namespace,
            hybrid_connection=values["hybrid_connection"].strip("/"),
            rule_name=values["listen_rule_name"],
            key=key,
            local_base_url=values["local_base_url"].rstrip("/"),
            relay_url=relay_url,
            timeout_seconds=float(values["timeout"]),
            token_ttl_seconds=int(values["token_ttl"]),
            health_host=values["health_host"],
            health_port=health_port,
            ping_interval_seconds=ping if ping > 0 else None,
        )
    except ValueError as error:
        raise ConfigError(f"invalid number: {error}") from None
    if not 0 < config.timeout_seconds <= MAX_TIMEOUT_SECONDS:
        raise ConfigError(
            f"--timeout must be more than 0 and at most {MAX_TIMEOUT_SECONDS:.0f} seconds "
            "(the relay answers 504 itself after 60 s)"
        )
    if config.token_ttl_seconds < 2:
        raise ConfigError("--token-ttl must be at least 2 seconds")
    return config, values["log_level"].upper()
