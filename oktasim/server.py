"""Okta's side of the HTTP transport (simkit.server): how a request's body is read, how answers
are encoded, and the headers Okta's edge adds to every answer."""

from __future__ import annotations

import json

from oktasim.ids import new_request_id
from oktasim.messages import JSON, Request, Response
from oktasim.simulator import Simulator
from simkit.server import Handler


class OktaHandler(Handler[Simulator]):
    server_header = "nginx"  # what Okta's edge reports

    def answer(self) -> None:
        try:
            length = self.declared_length()
        except ValueError:
            self.send_error(400, "Bad Content-Length")
            return
        body = self.rfile.read(length) if length is not None else None
        if body is None and self.chunked:
            self.close_connection = True  # an unread chunked body would corrupt the next request
        path, query, headers = self.request_parts()
        simulator = self.server.app
        outcome = simulator.handle(Request(self.command, path, query, headers, body))
        self.carry_out(outcome, self._write, simulator.mark_unanswered)

    def date_time_string(self, timestamp: float | None = None) -> str:
        # The simulator's wall clock, which its rate-limit resets also come from: a client
        # reads the time left in a window from the two.
        now = self.server.app.wall_clock() if timestamp is None else timestamp
        return super().date_time_string(now)

    def _write(self, response: Response) -> None:
        if response.body is None:
            payload, content_type = b"", None
        elif isinstance(response.body, str):
            payload = f"<html><body><h1>{response.body}</h1></body></html>".encode()
            content_type = "text/html"
        elif isinstance(response.body, list):
            # What json.dumps writes, item by item: one call for a page of 1,000 users would
            # hold the GIL ~10 ms, and every other client's request with it.
            items = (json.dumps(item, ensure_ascii=False) for item in response.body)
            payload, content_type = ("[" + ", ".join(items) + "]").encode(), JSON
        else:
            payload, content_type = json.dumps(response.body, ensure_ascii=False).encode(), JSON
        headers = [("X-Okta-Request-Id", new_request_id()), *response.headers]
        self.write(response.status, payload, content_type, headers)
