"""connector/json_codec.py: `loads` is `json.loads`, result or error, for any text; `dumps` writes
what `json.dumps(..., allow_nan=False)` writes, or the same JSON value, and refuses what it
refuses; `answer_bytes` leaves keys that are not text to `json`; and a usual body never reaches
`json` at all."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
import json
import math
import re
import sys
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from connector import json_codec
from connector.json_codec import answer_bytes, dumps, loads


@dataclasses.dataclass
class _Point:
    x: int
    y: int


SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(-(2**70), 2**70)
    | st.floats()
    | st.text(max_size=6)
    | st.sampled_from(["\ud800", "\udfff", "é", "\u2028", "\x00", "\x7f", "😀"])
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=3), inner, max_size=4)
    ),
    max_leaves=30,
)
STYLES = st.fixed_dictionaries(
    {
        "ensure_ascii": st.booleans(),
        "indent": st.none() | st.integers(0, 2),
        "separators": st.none() | st.just((",", ":")),
    }
)


def _outcome(read: Any, data: bytes | str) -> str:
    """What reading `data` gave, types included (1 and 1.0 differ, NaN equals NaN)."""
    try:
        return "value " + repr(read(data))
    except (ValueError, RecursionError) as error:
        return f"{type(error).__name__} {error}"


def _same_reading(data: bytes | str) -> None:
    assert _outcome(loads, data) == _outcome(json.loads, data), data


@settings(max_examples=400, deadline=None)
@given(value=VALUES, style=STYLES, as_bytes=st.booleans())
def test_any_json_is_read_as_json_reads_it(
    value: Any, style: dict[str, Any], as_bytes: bool
) -> None:
    text = json.dumps(value, **style)
    try:
        data: bytes | str = text.encode("utf-8") if as_bytes else text
    except UnicodeEncodeError:  # a lone surrogate written as itself
        data = text
    _same_reading(data)


@settings(max_examples=400, deadline=None)
@given(
    text=st.text(
        alphabet=st.sampled_from('{}[],:"\\ \t\n0123456789.eE+-truefalsnNIiy\ud800é'), max_size=30
    )
)
def test_any_text_is_read_or_refused_as_json_does(text: str) -> None:
    _same_reading(text)
    with contextlib.suppress(UnicodeEncodeError):
        _same_reading(text.encode("utf-8"))


@pytest.mark.parametrize(
    "data",
    [
        b"18446744073709551615",
        b"18446744073709551616",  # orjson reads it as a float
        b"-9223372036854775809",
        b'{"id": 123456789012345678901234567890}',
        b"[0.1234567890123456789]",
        b"1e400",
        b"-1e400",
        b"NaN",
        b"[Infinity, -Infinity]",
        b'"\\ud800"',
        b'"\\ud83d\\ude00"',
        b'{"a": 1, "b": 2, "a": 3}',
        b"-0",
        b"-0.0",
        b"5e-324",
        b"2.4e-324",
        b"1.7976931348623157e308",
        b'"a\tb"',
        b"\xef\xbb\xbf{}",  # a byte order mark: json reads bytes with one
        "\ufeff{}",  # and refuses text that starts with one
        "{}".encode("utf-16"),
        "[1]".encode("utf-32-le"),
        b'{"a": "\xff"}',
        b'{"a": "\xed\xa0\x80"}',  # a surrogate encoded in UTF-8
        b"[" * 1100 + b"]" * 1100,
        b"[" * 600 + b"]" * 600,
        b"",
        b"  ",
        b"{} x",
        b'{"a": [1, 2,]}',
    ],
)
def test_the_texts_where_orjson_differs_are_read_as_json_reads_them(data: bytes | str) -> None:
    _same_reading(data)
    if isinstance(data, bytes):
        with contextlib.suppress(UnicodeDecodeError):
            _same_reading(data.decode("utf-8"))


def test_a_usual_body_is_read_and_written_without_json(monkeypatch: pytest.MonkeyPatch) -> None:
    def refused(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("json was used")

    monkeypatch.setattr(json, "loads", refused)
    monkeypatch.setattr(json, "dumps", refused)
    body = b'{"id": "00u1", "profile": {"login": "zo\xc3\xab@example.com", "n": 42}, "x": [1.5]}'
    value = loads(body)
    assert value == {"id": "00u1", "profile": {"login": "zoë@example.com", "n": 42}, "x": [1.5]}
    assert dumps(value) == body.replace(b": ", b":").replace(b", ", b",")


def _written(value: Any) -> bytes | str:
    try:
        return dumps(value)
    except (ValueError, TypeError) as error:
        return type(error).__name__


def _json_written(value: Any) -> bytes | str:
    try:
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
        return text.encode("utf-8")
    except (ValueError, TypeError) as error:
        return type(error).__name__


@settings(max_examples=400, deadline=None)
@given(value=VALUES)
def test_any_value_is_written_as_json_writes_it_or_as_the_same_value(value: Any) -> None:
    mine, theirs = _written(value), _json_written(value)
    if isinstance(theirs, str) or isinstance(mine, str):
        assert mine == theirs  # refused alike: NaN, Infinity, a lone surrogate
        return
    assert json.loads(mine) == json.loads(theirs)
    assert repr(json.loads(mine)) == repr(json.loads(theirs))


@pytest.mark.parametrize(
    "value",
    [
        {"a": float("nan")},
        [1, float("inf")],
        {"a": None, "b": -math.inf},
        {1: "a", "b": 2},
        {"big": 2**80},
        {"a": "\ud800"},
        [[[[[[[[[[1]]]]]]]]]] * 2,
        1e-07,
    ],
)
def test_the_values_where_orjson_differs_are_written_or_refused_as_json_does(value: Any) -> None:
    mine, theirs = _written(value), _json_written(value)
    if isinstance(theirs, str) or isinstance(mine, str):
        assert mine == theirs
    else:
        assert repr(json.loads(mine)) == repr(json.loads(theirs))


def _nested(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


@pytest.mark.parametrize("depth", [990, 1000, 1024])
@pytest.mark.parametrize("in_objects", [False, True])
def test_a_text_nested_past_what_json_reads_here_is_refused_as_json_does(
    depth: int, in_objects: bool
) -> None:
    # json reads each level a call deeper, counted with the frames below it (pytest's some
    # dozens here), so it refuses these; orjson reads up to 1,024 levels.
    data = b'{"a":' * depth + b"1" + b"}" * depth if in_objects else _nested(depth)
    with pytest.raises(RecursionError):
        json.loads(data)
    _same_reading(data)


def _read_from(frames: int, data: bytes) -> str:
    """What `loads(data)` gives, called `frames` calls deeper than here (no repr: that recurses)."""
    if frames:
        return _read_from(frames - 1, data)
    try:
        loads(data)
    except RecursionError:
        return "RecursionError"
    return "read"


def test_the_nesting_json_reads_depends_on_the_frames_below_it() -> None:
    below = 0
    frame = sys._getframe()
    while frame.f_back is not None:
        below, frame = below + 1, frame.f_back
    # More levels than loads takes on trust (the limit less _STACK and json's frames): json
    # reads them from this stack, and refuses them from one 100 frames deeper; so does loads.
    depth = sys.getrecursionlimit() - below - 60
    assert depth > sys.getrecursionlimit() - json_codec._STACK - json_codec._JSON_FRAMES
    assert _read_from(0, _nested(depth)) == "read"
    assert _read_from(100, _nested(depth)) == "RecursionError"


def test_a_shallow_text_of_many_objects_is_read() -> None:
    # More objects than json has levels, in one: counted objects are only a bound on the depth.
    body = json.dumps({"members": [{"value": f"u{i}"} for i in range(2000)]})
    assert loads(body) == json.loads(body)


@pytest.mark.parametrize(
    "value",
    [
        [datetime.date(2024, 1, 1)],  # what YAML reads from `set: {/since: 2024-01-01}`
        {"at": datetime.datetime(2024, 1, 1, 12, tzinfo=datetime.UTC)},
        [datetime.time(12)],
        [_Point(1, 2)],
        {"a": [{"b": datetime.date(2024, 1, 1)}]},
    ],
)
def test_what_json_cannot_write_is_refused_though_orjson_writes_it(value: Any) -> None:
    assert _json_written(value) == "TypeError"
    assert _written(value) == "TypeError"


@pytest.mark.parametrize(
    "value",
    [
        {2: "a", True: "b", None: "c", 1.5: "d"},
        {1e-07: "a", 1e16: "b", -0.0: "c"},  # orjson writes 1e-7
        {math.nan: 1, math.inf: 2, -math.inf: 3},  # orjson writes null for each
        {2**70: 1},
    ],
)
def test_an_answer_writes_keys_that_are_not_text_as_json_does(value: Any) -> None:
    assert answer_bytes(value) == json.dumps(value, separators=(",", ":")).encode()


@pytest.mark.parametrize(
    "value",
    [
        {datetime.date(2024, 1, 1): 1},
        {(1, 2): 1},
    ],
)
def test_an_answer_refuses_keys_json_refuses(value: Any) -> None:
    with pytest.raises(TypeError):
        json.dumps(value)
    with pytest.raises(TypeError):
        answer_bytes(value)


def test_an_answer_json_writes_has_null_for_nan_and_infinity_too() -> None:
    # 2**70 is past orjson: json writes this answer, and would write NaN and Infinity.
    value = {"big": 2**70, "é": [math.nan, (math.inf, {"b": -math.inf})], math.nan: 1.5}
    assert answer_bytes(value) == (
        '{"big":1180591620717411303424,"é":[null,[null,{"b":null}]],"NaN":1.5}'.encode()
    )


@pytest.mark.parametrize(
    ("data", "refused"),
    [
        (b"[NaN]", "NaN is not a JSON value"),
        (b'{"a": Infinity}', "Infinity is not a JSON value"),
        (b"-1e400", "-1e400 is past the range of a number"),
        (b"[18446744073709551616, NaN]", "NaN is not a JSON value"),  # json's path, refused there
    ],
)
def test_finite_refuses_what_is_no_number(data: bytes, refused: str) -> None:
    assert _outcome(loads, data) != f"ValueError {refused}"  # read, without finite
    with pytest.raises(ValueError, match=re.escape(refused)):
        loads(data, finite=True)


FINITE = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=6)
    | st.sampled_from(["NaN", "Infinity", "1e400"]),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=3), inner),
    max_leaves=30,
)


@settings(max_examples=200, deadline=None)
@given(value=FINITE)
def test_finite_reads_any_finite_json_as_json_reads_it(value: Any) -> None:
    text = json.dumps(value)  # the words NaN and Infinity only inside strings
    assert repr(loads(text, finite=True)) == repr(json.loads(text))
