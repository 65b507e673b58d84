"""The app's warmup function: what a new instance loads before its first request reaches it.

Azure Functions runs the function with a warmup trigger (it must be named `warmup`) on every
instance a scale-out adds, before traffic is routed to it; restarts and the Consumption plan
skip it, so nothing depends on it having run. The routes name their handlers instead of
importing them (lazy.py), which keeps indexing the app cheap; warming up imports them, builds
the runtime (settings, Schema.xml and the mapping, the secret store, the target), opens the
target's HTTP client on the loop the requests run on and parses a filter once, so the first
request finds all of that done (no call is made: secrets and the target are left alone).
`python -m connector serve` runs it when it starts (cli/local_host.py), as the Functions host
does on a scale-out.

A configuration problem is logged once (logs.configure_level) and left to every request to
answer: a warmup never fails an instance.
"""

from __future__ import annotations

import logging

import azure.functions as func
from azure.functions.warmup import WarmUpContext

log = logging.getLogger("connector.warmup")

blueprint = func.Blueprint()  # type: ignore[no-untyped-call]


@blueprint.function_name("warmup")
@blueprint.warm_up_trigger("warmup")
async def warmup(warmup: WarmUpContext) -> None:
    await warm_up()


async def warm_up() -> None:
    from . import routes
    from .lazy import HandlerRef

    for ref in vars(routes).values():
        if isinstance(ref, HandlerRef):
            ref.endpoint()
    from ..scim.filters import parse_filter
    from .runtime import ConfigurationError, runtime

    parse_filter('userName eq "warmup@example.com"')
    try:
        await runtime().targets.prepare()
    except ConfigurationError:
        return  # configure_level logged the settings' problem; requests answer with it
    except Exception:
        # A bug must not stop the instance: the first request meets it again and reports it.
        log.exception("warming up the connector failed")
