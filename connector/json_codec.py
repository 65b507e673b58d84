"""JSON decoded and encoded by orjson, with the standard library's results.

The standard `json` module was a sixth of the work of a SCIM write: reading Entra's body and the
target's answer, writing the target's request and Entra's answer. orjson does the same in a
fraction of it; each function here says where the two differ, and leaves those texts and values
to `json`, so what the connector accepts, refuses and means is what it was.
"""

from __future__ import annotations

import json
import math
import sys
from typing import Any

import orjson

# orjson reads an integer past 64 bits as a float; json keeps it exact. Any such integer has
# 19 digits in a row, which with every digit made a 0 is 19 zeros in a row (a C scan; a regular
# expression took longer than json to decode the text). The same copy makes each `{` a `[`, to
# count arrays and objects in one more scan.
_SHAPE = bytes.maketrans(b"123456789{", b"000000000[")
_LONG_NUMBER = b"0" * 19
# json reads each array and object a call deeper, counted against the recursion limit with the
# frames below it, so from an ordinary stack it refuses ~1,000 levels, which orjson (to 1,024)
# reads. A text nests no deeper than its arrays and objects, at most one for each 2 bytes. Up to
# _STACK frames below (the connector's handlers run ~25 deep), a text with fewer than the limit
# less _STACK and _JSON_FRAMES leaves json room; one that may have more (a long text) has them
# counted, in the copy the long-number check makes, and then the stack is looked at.
_STACK = 200
_JSON_FRAMES = 8  # json.loads, decode, raw_decode and a margin, above this module's frames
# orjson writes dates, times and dataclasses, which json refuses (TypeError): these leave them
# unwritten, to json. (YAML reads `2024-01-01` as a date: a REST description's `set` may hold one.)
_AS_JSON_WRITES = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS


def loads(data: bytes | str, *, finite: bool = False) -> Any:
    """What `json.loads(data)` returns, or the error it raises; with `finite`, a NaN, an
    Infinity or a number past a float's range (which RFC 8259 has no value for, and no target
    could be sent) raises ValueError instead, as any other text that is not JSON does.

    orjson refuses what `json` reads beyond RFC 8259 (NaN, Infinity, numbers past a float's
    range, lone surrogate escapes, UTF-16 and UTF-32, a byte order mark, nesting past 1,024
    levels), and `json` then reads it or raises as before. Where orjson reads a text, it reads
    the same values, but for integers of 19 digits or more, which go to `json` unread, and
    for a text nested more deeply than `json` reads from this stack (it raises RecursionError).
    """
    raw = data if isinstance(data, bytes) else data.encode("utf-8", "surrogatepass")
    shape = raw.translate(_SHAPE)
    if _LONG_NUMBER not in shape:
        try:
            value = orjson.loads(data)
        except orjson.JSONDecodeError:
            pass
        else:
            few = sys.getrecursionlimit() - _STACK - _JSON_FRAMES
            if len(shape) < 2 * few or _json_has_room(shape.count(b"["), few):
                return value
    if finite:
        return json.loads(data, parse_constant=_not_json, parse_float=_finite_float)
    return json.loads(data)


def _not_json(token: str) -> Any:
    raise ValueError(f"{token} is not a JSON value")


def _finite_float(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise ValueError(f"{text} is past the range of a number")
    return number


def _json_has_room(containers: int, few: int) -> bool:
    """True when `json`, called from here, reads `containers` levels without a RecursionError
    (`few` or fewer: the stack below is taken to be under _STACK frames deep)."""
    if containers <= few:
        return True
    room = sys.getrecursionlimit() - containers - _JSON_FRAMES
    if room <= 0:
        return False
    try:
        sys._getframe(room)  # ValueError: the stack is at most `room` frames deep
    except ValueError:
        return True
    return False


def dumps(value: Any) -> bytes:
    """`value` as JSON in UTF-8 without spaces, as `json.dumps(value, ensure_ascii=False,
    separators=(",", ":"), allow_nan=False)` writes it, or the same JSON value: orjson writes
    some floats in fewer characters (`1e-7` for `1e-07`).

    orjson writes NaN and Infinity as `null`, so an encoding with a `null` in it is made again by
    `json`, which refuses them (ValueError) as before. So is whatever orjson cannot encode (keys
    that are not text, integers past 64 bits, nesting past 254 levels) or would write where `json`
    refuses (dates, times, dataclasses; not enums or UUIDs, which orjson always writes)."""
    try:
        encoded = orjson.dumps(value, option=_AS_JSON_WRITES)
    except orjson.JSONEncodeError:
        encoded = b"null"
    if b"null" in encoded:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode(
            "utf-8"
        )
    return encoded


def answer_bytes(value: Any) -> bytes:
    """`value` as JSON in UTF-8 without spaces, for an answer to Entra, by orjson: a NaN or an
    Infinity (a target may hold one) is written `null`, which Entra can read, where `json`
    would write a token no JSON reader accepts. What orjson cannot encode (keys that are not
    text, integers past 64 bits, nesting past 254 levels) is written by `json`, the same JSON
    value, non-finite floats as `null` there too: keys as `json` writes them (`"1e-07"`, `"NaN"`,
    where orjson's OPT_NON_STR_KEYS writes `"1e-7"`, `"null"`), and refused where it refuses
    them (a date)."""
    try:
        return orjson.dumps(value)
    except orjson.JSONEncodeError:
        pass
    return json.dumps(_finite(value), ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _finite(value: Any) -> Any:
    """`value` with None for each float that is not a finite number."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(item) for item in value]
    return value
