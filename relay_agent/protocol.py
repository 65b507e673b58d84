"""The JSON messages of the Hybrid Connections listener protocol (reference sections 3.3-3.5)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

# Largest body the relay carries on the control channel; larger ones go over rendezvous.
CONTROL_BODY_LIMIT = 64 * 1024
# Largest header metadata (the JSON frame) the relay carries on the control channel.
CONTROL_HEADER_LIMIT = 32 * 1024


class ProtocolError(Exception):
    pass


@dataclass(frozen=True)
class RelayedRequest:
    id: str
    address: str
    target: str
    method: str
    headers: dict[str, str]
    # True: a binary body message follows. False: no body. None: the request itself must be
    # fetched from the rendezvous address.
    body: bool | None

    @classmethod
    def parse(cls, message: Any) -> RelayedRequest:
        if not isinstance(message, dict) or not isinstance(message.get("address"), str):
            raise ProtocolError("request without an address")
        headers = message.get("requestHeaders") or {}
        if not isinstance(headers, dict):
            raise ProtocolError("request headers that are not an object")
        body = message.get("body")
        return cls(
            id=str(message.get("id", "")),
            address=message["address"],
            target=str(message.get("requestTarget", "")),
            method=str(message.get("method", "")),
            headers={str(k): str(v) for k, v in headers.items()},
            body=body if isinstance(body, bool) else None,
        )


@dataclass(frozen=True)
class LocalResponse:
    status: int
    reason: str
    headers: dict[str, str]
    body: bytes


def response_frame(request_id: str, response: LocalResponse) -> str:
    # An empty body is announced as `body: false` with no binary message (the .NET form).
    return json.dumps(
        {
            "response": {
                "requestId": request_id,
                "statusCode": response.status,
                "statusDescription": response.reason,
                "responseHeaders": response.headers,
                "body": bool(response.body),
            }
        }
    )


def renew_frame(token: str) -> str:
    return json.dumps({"renewToken": {"token": token}})


def fits_control_channel(frame: str, response: LocalResponse) -> bool:
    """Whether the response (`frame`, its `response_frame`) may go on the control channel;
    otherwise it needs the rendezvous."""
    return len(response.body) <= CONTROL_BODY_LIMIT and len(frame.encode()) <= CONTROL_HEADER_LIMIT
