"""The requests on one client connection, as events in order: a head, its body's pieces, its end.

llhttp (through httptools, uvicorn's parser) reads the bytes; the local server feeds it what it
reads and takes the events one by one, so a head can be judged before its body is read and
pipelined requests wait their turn. What llhttp refuses becomes a status and words of our own
(its message could quote the client's bytes), given in its turn: the requests that came complete
before it, in the same read, are answered first (RFC 9112 section 9.3.2).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Final

from httptools.parser.errors import HttpParserError, HttpParserUpgrade
from httptools.parser.parser import HttpRequestParser


class ProtocolError(Exception):
    """The client's bytes are not a request this server takes; answered with `status`."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


# Not frozen: a frozen dataclass sets each field through object.__setattr__, and one of each
# is made per request (a Head, a Body per piece of body).
@dataclass(slots=True)
class Head:
    method: str
    target: bytes
    # Lower-case name -> the values sent under it, joined by ", " in their order (RFC 9110
    # section 5.3), as the handlers' func.HttpRequest keeps them.
    headers: dict[str, str]
    expects_continue: bool
    # The body's length by its Content-Length (0 without one); None when chunked, its length
    # known at its end only. llhttp has refused any other coding, and both framings at once
    # (RFC 9112 section 6.3: more likely a smuggling attempt than a client's mistake).
    body_length: int | None


@dataclass(slots=True)
class Body:
    data: bytes


@dataclass(frozen=True)
class End:
    """The request is complete; `keep_alive` when the client may send another on this connection
    (HTTP/1.1 without `Connection: close`; an HTTP/1.0 client gets one answer, as from h11)."""

    keep_alive: bool


_KEEP_ALIVE: Final = End(True)
_CLOSE: Final = End(False)


class _Marker:
    def __init__(self, name: str) -> None:
        self._name = name

    def __repr__(self) -> str:
        return self._name


NEED_DATA: Final = _Marker("NEED_DATA")  # read more, then `receive` it
CLOSED: Final = _Marker("CLOSED")  # the client closed its side; no request is pending

Event = Head | Body | End | _Marker


class RequestEvents:
    def __init__(self, max_head_bytes: int) -> None:
        self._parser = HttpRequestParser(self)
        self._max_head_bytes = max_head_bytes
        self._events: deque[Head | Body | End] = deque()
        self._in_head = True
        self._head_bytes = 0
        self._target = b""
        self._headers: dict[str, str] = {}
        self._expects_continue = False
        # After a chunk's header and before its data: the last chunk's trailer fields, if any.
        self._in_trailers = False
        self._trailer_bytes = 0
        self._closed = False
        # An upgrade request, or a refusal: nothing after it is parsed.
        self._no_more = False
        # Raised once the events before it are taken (they end with the last request complete).
        self._refusal: ProtocolError | None = None
        self._declares_body = False  # the last head's framing says a body follows

    def receive(self, data: bytes) -> None:
        """What was read from the client (after `next_event` said NEED_DATA); b"" when it closed
        its side. A refusal is not raised here but by `next_event`, in its turn."""
        if not data:
            self._closed = True
            return
        if self._no_more:
            return
        try:
            self._parser.feed_data(data)
        except HttpParserUpgrade:
            self._no_more = True
            if self._declares_body:
                # llhttp stops at the head: the declared body would be lost, not read (h11 read
                # it). This server never upgrades, so it refuses rather than serve the request
                # without its body. llhttp has ended that request: its end goes too.
                if self._events and isinstance(self._events[-1], End):
                    self._events.pop()
                self._refuse(ProtocolError(400, "an upgrade request with a body is not served"))
            return
        except HttpParserError as error:
            self._refuse(_refusal(str(error)))
            return
        if self._in_head:
            # What is buffered of a head not complete yet (an unended header line, slowloris):
            # all of this read when the head began before it, else the head's part of it.
            if self._head_bytes < 0:
                self._head_bytes = self._head_part(data)
            else:
                self._head_bytes += len(data)
            if self._head_bytes > self._max_head_bytes:
                self._refuse(ProtocolError(431, "the request's headers are too large"))
        elif self._in_trailers:
            # httptools buffers a trailer field as it does a header field: bounded alike. The
            # read that held the chunk's header is not counted (most of it came before).
            self._trailer_bytes = 0 if self._trailer_bytes < 0 else self._trailer_bytes + len(data)
            if self._trailer_bytes > self._max_head_bytes:
                self._refuse(ProtocolError(431, "the request's trailer fields are too large"))

    def next_event(self) -> Event:
        """The next event; ProtocolError once the events before a refused request are taken."""
        if self._events:
            return self._events.popleft()
        if self._refusal is not None:
            raise self._refusal
        return CLOSED if self._closed else NEED_DATA

    def message_read(self) -> bool:
        """Whether the request whose head was just taken has been read to its end already."""
        return any(isinstance(event, End) for event in self._events)

    def _head_part(self, data: bytes) -> int:
        """The bytes of `data` that belong to the unended head begun in it.

        httptools does not say where a request begins, but where the one before it ended is
        known. This read queued no event before the head began (the queue was empty when it
        came) unless a request ended in it, with an `End` last: that request ended with a blank
        line (its head's or its chunked body's: llhttp takes no bare LF, and an unended head
        holds no blank line), or with the last piece of a body framed by its length (the `Body`
        before that `End`). The head begins after the latest of these, and after the empty
        lines llhttp skips before a request line. Should that piece of body recur within the
        head, the head is counted short (the next reads count whole), never long.
        """
        start = 0
        events = self._events
        if events:
            blank = data.rfind(b"\r\n\r\n")
            if blank >= 0:
                start = blank + 4
            if len(events) > 1 and isinstance(piece := events[-2], Body):
                at = data.rfind(piece.data)
                if at >= 0:
                    start = max(start, at + len(piece.data))
        size = len(data)
        while start < size and data[start] in b"\r\n":
            start += 1
        return size - start

    def _refuse(self, refusal: ProtocolError) -> None:
        """Refuse the request being read once the complete ones before it are taken: what it
        has queued (a head llhttp reported before refusing its framing, some of a body) is
        dropped, so no route sees a refused request. The last request complete ends with its
        `End`, and any event after that is the refused one's."""
        events = self._events
        while events and not isinstance(events[-1], End):
            events.pop()
        self._refusal = refusal
        self._no_more = True

    # -- llhttp's callbacks -----------------------------------------------------------------------

    def on_message_begin(self) -> None:
        self._in_head = True
        self._head_bytes = -1  # begun in this read: see `receive`
        self._target = b""
        self._headers = {}
        self._expects_continue = False

    def on_url(self, url: bytes) -> None:
        self._target += url

    def on_header(self, name: bytes, value: bytes) -> None:
        # llhttp reports a chunked body's trailer fields here too, after the head: they are not
        # merged into the headers (RFC 9110 section 6.5.1); h11 kept them apart too.
        if not self._in_head:
            return
        key = name.decode("ascii").lower()  # llhttp took only a token as a name
        text = value.decode("latin-1")
        headers = self._headers
        if key in headers:
            headers[key] += ", " + text
        else:
            headers[key] = text
        if key == "expect" and value.lower() == b"100-continue":
            self._expects_continue = True

    def on_headers_complete(self) -> None:
        self._in_head = False
        parser = self._parser
        headers = self._headers
        expects_continue = self._expects_continue and parser.get_http_version() == "1.1"
        body_length = _body_length(headers)
        self._declares_body = body_length != 0
        self._events.append(
            Head(
                parser.get_method().decode("ascii"),
                self._target,
                headers,
                expects_continue,
                body_length,
            )
        )

    def on_chunk_header(self) -> None:
        self._in_trailers = True
        self._trailer_bytes = -1  # see `receive`

    def on_chunk_complete(self) -> None:
        self._in_trailers = False

    def on_body(self, body: bytes) -> None:
        self._in_trailers = False
        self._events.append(Body(body))

    def on_message_complete(self) -> None:
        parser = self._parser
        keep_alive = (
            parser.get_http_version() == "1.1"
            and parser.should_keep_alive()
            and not parser.should_upgrade()
        )
        self._events.append(_KEEP_ALIVE if keep_alive else _CLOSE)


def _body_length(headers: dict[str, str]) -> int | None:
    if "transfer-encoding" in headers:
        return None
    # Digits: llhttp checked them, and refused a second Content-Length.
    length = headers.get("content-length")
    return int(length.strip() or 0) if length is not None else 0


def _refusal(message: str) -> ProtocolError:
    if "Transfer-Encoding" in message and "Content-Length" not in message:
        return ProtocolError(501, "only the chunked transfer coding is supported")
    return ProtocolError(400, "malformed request")
