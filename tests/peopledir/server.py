"""Peopledir's side of the HTTP transport (simkit.server): how a request's body is framed and
read, and how answers are encoded."""

from __future__ import annotations

import json

from simkit.server import Handler

from .app import MAX_BODY_BYTES, PeopledirApp
from .messages import Request


class PeopledirHandler(Handler[PeopledirApp]):
    server_header = "peopledir"

    def answer(self) -> None:
        body, framing = self._read_body()
        path, query, headers = self.request_parts()
        response = self.server.app.handle(
            Request(self.command, path, query, headers, body), framing
        )
        payload = b""
        if response.body is not None:
            payload = json.dumps(response.body, ensure_ascii=False).encode("utf-8")
        content_type = None if response.body is None else response.content_type
        self.write(response.status, payload, content_type, response.headers)

    def _read_body(self) -> tuple[bytes, str | None]:
        if self.chunked:
            self.close_connection = True  # the unread body would corrupt the next request
            return b"", "length_required"
        try:
            size = self.declared_length() or 0
        except ValueError:
            self.close_connection = True  # where the body ends is unknown
            return b"", "length_required"
        if size > MAX_BODY_BYTES:
            self.close_connection = True
            return b"", "too_large"
        return self.rfile.read(size), None
