"""The local server's request events (request_events.py) fed by hand, read by read: where a head
begins in a read that also ends other requests, and a refusal's turn among the events."""

from __future__ import annotations

import pytest

from connector.cli.request_events import NEED_DATA, Head, ProtocolError, RequestEvents

LIMIT = 100
_START = b"GET /api/echo HTTP/1.1\r\nX-Big: "


def _unended_head(size: int) -> bytes:
    """A head of exactly `size` bytes, its last header line never ended."""
    return _START + b"a" * (size - len(_START))


def _taken(events: RequestEvents) -> list[str | int]:
    """The events until more must be read: their kinds, and a refusal's status last."""
    taken: list[str | int] = []
    while True:
        try:
            event = events.next_event()
        except ProtocolError as refusal:
            return [*taken, refusal.status]
        if event is NEED_DATA:
            return taken
        taken.append(type(event).__name__)


_CHUNKED = b"POST /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n"


@pytest.mark.parametrize(
    ("reads", "before"),
    [
        ((b"GET / HTTP/1.1\r\nHost: x\r\n\r\n",), ["Head", "End"]),
        ((b"POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello",), ["Head", "Body", "End"]),
        ((_CHUNKED + b"T: 1\r\n\r\n",), ["Head", "Body", "End"]),
        # Empty lines before a request line, which llhttp skips (RFC 9112 section 2.2).
        ((b"POST / HTTP/1.1\r\nContent-Length: 2\r\n\r\nok\r\n\r\n",), ["Head", "Body", "End"]),
        # The last blank line split across reads: the head's read holds no whole one.
        ((_CHUNKED + b"\r", b"\n"), ["Head", "Body", "End"]),
        ((_CHUNKED, b"\r\n"), ["Head", "Body", "End"]),
    ],
    ids=[
        "after-a-head",
        "after-a-length-body",
        "after-trailers",
        "after-empty-lines",
        "blank-line-split",
        "blank-line-in-the-read",
    ],
)
@pytest.mark.parametrize(("size", "refused"), [(LIMIT, False), (LIMIT + 1, True)])
def test_a_head_is_counted_from_its_first_byte(
    reads: tuple[bytes, ...], before: list[str], size: int, refused: bool
) -> None:
    events = RequestEvents(LIMIT)
    *earlier, last = reads
    taken: list[str | int] = []
    for data in [*earlier, last + _unended_head(size)]:
        events.receive(data)
        taken += _taken(events)
    assert taken == before + ([431] if refused else [])


@pytest.mark.parametrize(("size", "refused"), [(LIMIT, False), (LIMIT + 1, True)])
def test_a_head_begun_in_an_earlier_read_is_counted_whole(size: int, refused: bool) -> None:
    events = RequestEvents(LIMIT)
    head = _unended_head(size)
    events.receive(b"GET / HTTP/1.1\r\n\r\n" + head[:40])
    assert _taken(events) == ["Head", "End"]
    events.receive(head[40:])
    assert _taken(events) == ([431] if refused else [])


def test_a_head_counted_short_is_still_bounded() -> None:
    # The body's last byte recurs in the head begun in the same read: httptools does not say
    # where that head began, so it may be counted short; each next read counts whole.
    events = RequestEvents(LIMIT)
    first = _unended_head(LIMIT)
    events.receive(b"POST / HTTP/1.1\r\nContent-Length: 1\r\n\r\na" + first)
    taken = _taken(events)
    assert taken[:3] == ["Head", "Body", "End"]
    fed = len(first)
    while 431 not in taken:
        assert fed <= len(first) + LIMIT
        events.receive(b"a" * 10)
        fed += 10
        taken = _taken(events)


def test_requests_before_a_refused_one_come_first_and_nothing_of_it() -> None:
    # llhttp reports the refused request's head before it refuses the coding: it is dropped.
    events = RequestEvents(LIMIT)
    events.receive(
        b"GET / HTTP/1.1\r\n\r\nPOST / HTTP/1.1\r\nContent-Length: 2\r\n\r\nok"
        b"POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\nhello"
    )
    assert _taken(events) == ["Head", "End", "Head", "Body", "End", 501]


def test_whether_a_request_was_read_to_its_end_with_its_head() -> None:
    events = RequestEvents(8192)
    post = b"POST /u HTTP/1.1\r\nContent-Length: 5\r\n\r\n"
    events.receive(post + b"hel")
    assert type(events.next_event()).__name__ == "Head"
    assert not events.message_read()  # two bytes of its body are still to come
    events.receive(b"lo" + post + b"hello" + post)
    assert [type(events.next_event()).__name__ for _ in range(3)] == ["Body", "Body", "End"]
    assert type(events.next_event()).__name__ == "Head"
    assert events.message_read()  # the second came whole; the third's head follows it
    assert [type(events.next_event()).__name__ for _ in range(3)] == ["Body", "End", "Head"]
    assert not events.message_read()  # the third's body is still to come


@pytest.mark.parametrize(
    ("framing", "length"),
    [
        (b"", 0),
        (b"Content-Length: 5\r\n", 5),
        (b"Content-Length: 00\r\n", 0),  # no body, as the server then reads it
        (b"Transfer-Encoding: chunked\r\n", None),
    ],
)
def test_a_head_says_how_its_body_is_framed(framing: bytes, length: int | None) -> None:
    events = RequestEvents(8192)
    events.receive(b"POST /u HTTP/1.1\r\nHost: x\r\n" + framing + b"\r\n")
    head = events.next_event()
    assert isinstance(head, Head)
    assert head.body_length == length


@pytest.mark.parametrize(
    ("version", "expect", "expected"),
    [
        (b"1.1", b"Expect: 100-continue\r\n", True),
        (b"1.1", b"EXPECT: 100-Continue\r\n", True),
        (b"1.1", b"Expect: something\r\nexpect: 100-continue\r\n", True),  # any of them
        (b"1.1", b"Expect: 100-continue, something\r\n", False),  # as one value: not it
        (b"1.1", b"", False),
        (b"1.0", b"Expect: 100-continue\r\n", False),  # an HTTP/1.0 client awaits no 100
    ],
)
def test_a_head_says_whether_its_client_awaits_100_continue(
    version: bytes, expect: bytes, expected: bool
) -> None:
    events = RequestEvents(8192)
    events.receive(b"POST /u HTTP/" + version + b"\r\nContent-Length: 2\r\n" + expect + b"\r\n")
    head = events.next_event()
    assert isinstance(head, Head)
    assert head.expects_continue is expected


def test_a_heads_fields_are_named_in_lower_case_and_joined_in_order() -> None:
    events = RequestEvents(8192)
    events.receive(
        b"POST /u HTTP/1.1\r\nX-Tag: 1\r\nHost: x\r\nx-tag: 2\r\nTransfer-Encoding: chunked\r\n"
        b"\r\n2\r\nok\r\n0\r\nX-Tag: trailer\r\n\r\n"
    )
    head = events.next_event()
    assert isinstance(head, Head)
    assert head.headers == {"x-tag": "1, 2", "host": "x", "transfer-encoding": "chunked"}
    assert head.body_length is None
