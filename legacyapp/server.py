"""Ledgerline's side of the HTTP transport (simkit.server): how a request's body is framed and
read, and how answers are encoded behind the application's nginx reverse proxy."""

from __future__ import annotations

import json

from legacyapp.api import MAX_BODY_BYTES, Request, Response
from legacyapp.sandbox import Sandbox
from simkit.server import Handler

JSON_CONTENT_TYPE = "application/json; charset=utf-8"
HTML_CONTENT_TYPE = "text/html"


class LedgerlineHandler(Handler[Sandbox]):
    server_header = "nginx"  # the reverse proxy in front of the application

    def answer(self) -> None:
        body, framing = self._read_body()
        path, query, headers = self.request_parts()
        sandbox = self.server.app
        outcome = sandbox.handle(Request(self.command, path, query, headers, body, framing))
        self.carry_out(outcome, self._write, sandbox.mark_unanswered)

    def _read_body(self) -> tuple[bytes, str | None]:
        if self.chunked:
            # Chunked bodies are not read (the application sees an empty body).
            self.close_connection = True
            return b"", None
        try:
            size = self.declared_length()
        except ValueError:
            self.close_connection = True  # where the body ends is unknown
            return b"", "bad_length"
        if size is None:
            return b"", None
        if size > MAX_BODY_BYTES:
            self.close_connection = True
            return b"", "too_large"
        return self.rfile.read(size), None

    def _write(self, response: Response) -> None:
        if response.body is None:
            payload, content_type = b"", None
        elif isinstance(response.body, str):
            payload, content_type = response.body.encode(), HTML_CONTENT_TYPE
        else:
            payload = json.dumps(response.body, ensure_ascii=False).encode()
            content_type = JSON_CONTENT_TYPE
        self.write(response.status, payload, content_type, response.headers)
