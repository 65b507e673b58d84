"""The route table's link to the handlers, loaded on first use: indexing the app stays cheap.

The Functions worker imports `function_app.py` to index the routes before the instance can take
a request; the handlers bring scim2-models, pydantic and httpx (~0.4 s). A route names its
handler by module and function (`HandlerRef`), and the handler's module, with the endpoint
that wraps it, is imported when the route first serves, or when the app warms up (warmup.py).
A host that reads heads first (the local server) finds `answer_before_body` on every route
function `route_function` builds.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, cast

import azure.functions as func

Handler = Callable[[func.HttpRequest], Awaitable[func.HttpResponse]]
# The attribute a SCIM route function carries: (request without its body, the body's length when
# known) -> the route's refusal, or None when the body is worth reading.
PRECHECK_ATTRIBUTE = "answer_before_body"
Precheck = Callable[[func.HttpRequest, int | None], Awaitable[func.HttpResponse | None]]
# The modules under connector.http that hold handlers.
HANDLER_MODULES = ("handlers", "group_handlers")


@dataclass
class HandlerRef:
    """A handler by name: `module` is one of HANDLER_MODULES, `name` a function in it."""

    module: str
    name: str
    _handler: Handler | None = field(default=None, init=False, repr=False)
    _endpoint: Handler | None = field(default=None, init=False, repr=False)
    _precheck: Precheck | None = field(default=None, init=False, repr=False)

    def handler(self) -> Handler:
        """The handler itself (its module imported once: an import statement costs on every
        call even when the module is loaded)."""
        if self._handler is None:
            module = importlib.import_module(f"{__package__}.{self.module}")
            self._handler = cast(Handler, getattr(module, self.name))
        return self._handler

    def endpoint(self) -> Handler:
        """The handler wrapped by `endpoint.scim_endpoint` (built once)."""
        if self._endpoint is None:
            from .endpoint import scim_endpoint

            self._endpoint = scim_endpoint(self.handler())
        return self._endpoint

    def precheck(self) -> Precheck:
        """`endpoint.answer_before_body` for this handler (built once)."""
        if self._precheck is None:
            from .endpoint import answer_before_body

            self._precheck = functools.partial(answer_before_body, self.handler())
        return self._precheck


def route_function(name: str, ref: HandlerRef) -> Callable[[func.HttpRequest], Any]:
    """The function named `name` that a route runs: `ref`'s handler, which a host that reads
    heads first (the local server) also asks to refuse a bad token or an oversized body before
    it reads the body. One reference for both, so the check is always the served handler's."""

    async def route(req: func.HttpRequest) -> func.HttpResponse:
        return await ref.endpoint()(req)

    async def answer_before_body(
        req: func.HttpRequest, body_length: int | None
    ) -> func.HttpResponse | None:
        return await ref.precheck()(req, body_length)

    route.__name__ = route.__qualname__ = name
    setattr(route, PRECHECK_ATTRIBUTE, answer_before_body)
    return route
