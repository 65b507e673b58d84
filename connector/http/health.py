"""`GET /api/health`, the route: what it answers is health_check.py's, imported on first use so
that indexing the app loads nothing the check needs (settings, the runtime)."""

from __future__ import annotations

import azure.functions as func

blueprint = func.Blueprint()  # type: ignore[no-untyped-call]


@blueprint.function_name("health")
@blueprint.route("health", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
async def health(req: func.HttpRequest) -> func.HttpResponse:
    from .health_check import check

    return await check(req)
