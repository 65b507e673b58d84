"""Azure Functions entry point: the app, the connector's SCIM routes, its health route and its
warmup. Indexing imports no handler: each is loaded when its route first serves, or when a new
instance warms up (connector/http/lazy.py, connector/http/warmup.py)."""

import azure.functions as func

from connector.http import health, warmup
from connector.http.routes import blueprint
from connector.logs import configure_logging

configure_logging()
app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)
app.register_functions(blueprint)
app.register_functions(health.blueprint)
app.register_functions(warmup.blueprint)
