"""Serves the very same FunctionApp over local HTTP, for machines without Functions Core Tools.

Routes come from the functions' own trigger metadata and host.json's route prefix, matched
case-insensitively with literal segments preferred over parameters, as the Functions host does.
Handlers run on one long-lived event loop in a background thread (the shared httpx client is
bound to the loop that opened it). `func start` remains the real host.
"""

from __future__ import annotations

import asyncio
import json
import re
import threading
from collections.abc import Callable, Coroutine
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import azure.functions as func

UserFunction = Callable[[func.HttpRequest], Coroutine[Any, Any, func.HttpResponse]]
# Longer than any request budget, shorter than the Functions host's own 230 s limit.
HANDLER_TIMEOUT_SECONDS = 120.0


@dataclass(frozen=True)
class Route:
    pattern: re.Pattern[str]
    methods: frozenset[str] | None
    function: UserFunction
    literal_segments: int


def _compile(template: str) -> tuple[re.Pattern[str], int]:
    parts, literals = [], 0
    for segment in template.strip("/").split("/"):
        if segment.startswith("{*") and segment.endswith("}"):
            name = segment[2:-1].split(":")[0].rstrip("?")
            parts.append(f"(?P<{name}>.*)")
        elif segment.startswith("{") and segment.endswith("}"):
            name = segment[1:-1].split(":")[0].rstrip("?")
            parts.append(f"(?P<{name}>[^/]+)")
        else:
            parts.append(re.escape(segment))
            literals += 1
    return re.compile("^/" + "/".join(parts) + "/?$", re.IGNORECASE), literals


def route_prefix(host_json: Path) -> str:
    try:
        config = json.loads(host_json.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return "api"
    prefix = config.get("extensions", {}).get("http", {}).get("routePrefix", "api")
    return str(prefix).strip("/")


def routes_of(app: func.FunctionApp, prefix: str) -> list[Route]:
    routes = []
    for function in app.get_functions():
        binding = json.loads(function.get_function_json())["bindings"][0]
        if binding.get("type") != "httpTrigger":
            continue
        template = "/".join(p for p in (prefix, binding.get("route") or "") if p)
        pattern, literals = _compile(template)
        methods = binding.get("methods")
        routes.append(
            Route(
                pattern,
                frozenset(m.upper() for m in methods) if methods else None,
                function.get_user_function(),
                literals,
            )
        )
    return sorted(routes, key=lambda r: -r.literal_segments)


class LocalHost:
    """Dispatches raw HTTP requests to the FunctionApp's handlers on a private event loop."""

    def __init__(self, app: func.FunctionApp, host_json: Path) -> None:
        self.routes = routes_of(app, route_prefix(host_json))
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self._thread.start()

    def match(self, path: str, method: str) -> tuple[Route, dict[str, str]] | int:
        allowed = False
        for route in self.routes:
            found = route.pattern.match(path)
            if found is None:
                continue
            if route.methods is None or method in route.methods:
                return route, {k: v for k, v in found.groupdict().items() if v is not None}
            allowed = True
        return 405 if allowed else 404

    def dispatch(
        self, method: str, url: str, headers: dict[str, str], body: bytes
    ) -> func.HttpResponse:
        split = urlsplit(url)
        matched = self.match(split.path, method)
        if isinstance(matched, int):
            return func.HttpResponse(status_code=matched)
        route, params = matched
        request = func.HttpRequest(
            method=method,
            url=url,
            headers=headers,
            params=dict(parse_qsl(split.query, keep_blank_values=True)),
            route_params=params,
            body=body,
        )
        future = asyncio.run_coroutine_threadsafe(route.function(request), self.loop)
        try:
            response: func.HttpResponse = future.result(timeout=HANDLER_TIMEOUT_SECONDS)
            return response
        except FutureTimeout:
            future.cancel()
            return func.HttpResponse(status_code=504)

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout=5)


def _handler_class(host: LocalHost, origin: Callable[[], str]) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length > 0 else b""
            headers = {k: v for k, v in self.headers.items()}
            response = host.dispatch(self.command, origin() + self.path, headers, body)
            payload = response.get_body() or b""
            self.send_response(response.status_code)
            for name, value in response.headers.items():
                if name.lower() not in {"content-length", "content-type"}:
                    self.send_header(name, value)
            if response.mimetype:
                charset = f"; charset={response.charset}" if response.charset else ""
                self.send_header("Content-Type", f"{response.mimetype}{charset}")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(payload)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _serve

        def log_message(self, format: str, *args: Any) -> None:
            pass  # the connector logs each request itself, without query strings

    return Handler


class _Server(ThreadingHTTPServer):
    # Entra and load tests open many connections at once; the default backlog of 5 resets some.
    request_queue_size = 128


@dataclass
class RunningServer:
    server: ThreadingHTTPServer
    host: LocalHost
    thread: threading.Thread

    @property
    def url(self) -> str:
        address, port = self.server.server_address[:2]
        return f"http://{address!s}:{port}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.host.close()
        self.thread.join(timeout=5)


def start(app: func.FunctionApp, host_json: Path, host: str, port: int) -> RunningServer:
    local = LocalHost(app, host_json)
    holder: list[ThreadingHTTPServer] = []

    def origin() -> str:
        address, bound = holder[0].server_address[:2]
        return f"http://{address!s}:{bound}"

    server = _Server((host, port), _handler_class(local, origin))
    server.daemon_threads = True
    holder.append(server)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return RunningServer(server, local, thread)
