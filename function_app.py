"""Azure Functions entry point: the app and the connector's SCIM routes."""

import azure.functions as func

from connector.http.routes import blueprint
from connector.logs import configure_logging

configure_logging()
app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)
app.register_functions(blueprint)
