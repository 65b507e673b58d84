"""Azure Functions entry point: the app, the connector's SCIM routes and its health route."""

import azure.functions as func

from connector.http import health
from connector.http.routes import blueprint
from connector.logs import configure_logging

configure_logging()
app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)
app.register_functions(blueprint)
app.register_functions(health.blueprint)
