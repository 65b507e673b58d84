"""Where `ApiClient` does a part of httpx's work itself. The URL a target call goes to: it joins
a path to the base URL (one parse instead of httpx's two) and must send exactly what httpx's own
join gives. Its answers: freed as soon as they are dropped, not left to the garbage collector.
The cookies targets set: never kept, whichever path carries the calls (the transport called
directly, or httpx's client behind a proxy).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import weakref
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from clocks import Clock

from connector.targets.errors import UnavailableError
from connector.targets.http import ApiClient, Authorization, Call
from connector.transport.budget import MIN_ATTEMPT_SECONDS, request_budget
from connector.transport.pacing import Pacer
from connector.transport.ratelimit import RateLimitHeaders

BASES = [
    "http://okta.test",
    "https://example.okta.com/",
    "https://legacy.test/api/v2",
    "https://legacy.test/api/v2/",
    "http://127.0.0.1:8080",
    "https://Example.TEST:443/Base%20Path",
    "https://legacy.test/api?tenant=a",  # a query or a fragment: the join is left to httpx
    "https://legacy.test/api#part",
]
PATHS = [
    "/api/v1/users/00u1abcdefghijklmno",
    "/api/v1/users/ada%40example.com",
    "/api/v1/users/ada@example.com",
    "/api/v1/users?limit=200&after=00u1&search=profile.login%20eq%20%22a%22",
    "/users/a b/ü/100%",
    "/users/./x/../y",
    "/users//double",
    "//elsewhere.test/api/v1/users",  # httpx takes no authority from a relative path
    "/",
    "users/relative",
    "?only=query",
]


class _Credentials:
    fix = "nothing to fix"

    async def authorization(self, refresh: bool) -> Authorization:
        return Authorization(headers={"Authorization": "Bearer t"})


def _client(base: str, sent: list[httpx.URL]) -> ApiClient:
    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(request.url)
        return httpx.Response(200, json={})

    return ApiClient(base, _Credentials(), name="T", transport=httpx.MockTransport(answer))


def _answering(
    answer: Callable[[httpx.Request], httpx.Response],
    credentials: Any = None,
    **options: Any,
) -> ApiClient:
    """A client of https://legacy.test/api whose calls `answer` takes, instead of a network."""
    return ApiClient(
        "https://legacy.test/api",
        credentials or _Credentials(),
        name="T",
        transport=httpx.MockTransport(answer),
        **options,
    )


@pytest.mark.parametrize("base", BASES)
async def test_a_path_goes_where_httpx_would_join_it(base: str) -> None:
    sent: list[httpx.URL] = []
    api = _client(base, sent)
    joined = httpx.AsyncClient(base_url=base.rstrip("/"))
    for path in PATHS:
        await api.send(Call("GET", path))
        expected = joined.build_request("GET", path).url
        assert (str(sent[-1]), sent[-1].raw_path) == (str(expected), expected.raw_path), path
    await api.send(Call("GET", "/api/v1/users", params={"q": "a b", "limit": "2"}))
    # Parameters come after the joined URL's query, as written (httpx 0.28's params= would
    # replace it).
    expected = joined.build_request("GET", "/api/v1/users").url
    query = expected.query + b"&" if expected.query else b""
    before = expected.raw_path.partition(b"?")[0]
    assert sent[-1].raw_path == before + b"?" + query + b"q=a+b&limit=2"
    await api.aclose()
    await joined.aclose()


async def test_a_paths_query_and_the_credentials_parameters_both_go() -> None:
    class _KeyInQuery(_Credentials):
        async def authorization(self, refresh: bool) -> Authorization:
            return Authorization(params={"api_key": "k 1"})

    sent: list[httpx.URL] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(request.url)
        return httpx.Response(200, json={})

    api = _answering(answer, _KeyInQuery())
    # A paging link's query goes as it is written (its encoding, a bare flag); the call's and
    # the credentials' parameters follow it. A fragment is never sent.
    await api.send(Call("GET", "/users?search=a%20eq%20%22b%22&flag", params={"q": "a&b"}))
    await api.send(Call("GET", "/users"))
    await api.send(Call("GET", "/users#part"))
    await api.aclose()
    assert [url.raw_path for url in sent] == [
        b"/api/users?search=a%20eq%20%22b%22&flag&q=a%26b&api_key=k+1",
        b"/api/users?api_key=k+1",
        b"/api/users?api_key=k+1",
    ]


async def test_a_base_url_httpx_refuses_is_refused_at_each_call_not_at_the_start() -> None:
    """The start's configuration checks catch ValueErrors; httpx's refusal is none, so it is
    raised where httpx raises it: at each call, which fails, sending nothing."""
    sent: list[httpx.URL] = []
    api = _client("https://legacy.test:44x/api", sent)
    with pytest.raises(httpx.InvalidURL, match="Invalid port: '44x'"):
        await api.send(Call("GET", "/users"))
    assert sent == []
    await api.aclose()


@pytest.mark.parametrize("path", ["https://evil.test/api/v1/users", "HTTP://evil.test"])
async def test_an_absolute_url_is_refused_and_nothing_is_sent(path: str) -> None:
    sent: list[httpx.URL] = []
    api = _client("https://example.okta.com", sent)
    with pytest.raises(ValueError, match="must be relative"):
        await api.send(Call("GET", path))
    assert sent == []
    await api.aclose()


async def test_an_answer_is_freed_as_soon_as_it_is_dropped() -> None:
    """httpx's response and its stream refer to each other; left so, each page of a listing
    would stay in memory until the garbage collector happens to run."""
    body = b"[" + b", ".join(b'{"id": "%d"}' % n for n in range(1000)) + b"]"
    api = ApiClient(
        "http://okta.test",
        _Credentials(),
        name="T",
        transport=httpx.MockTransport(lambda request: httpx.Response(200, content=body)),
    )
    gc.disable()
    try:
        response = await api.send(Call("GET", "/api/v1/users"))
        assert response.content == body
        gone = weakref.ref(response)
        del response
        assert gone() is None
    finally:
        gc.enable()


async def test_a_cookie_a_target_sets_is_never_sent_back() -> None:
    cookies: list[str | None] = []

    def answer(request: httpx.Request) -> httpx.Response:
        cookies.append(request.headers.get("cookie"))
        return httpx.Response(200, json={}, headers={"Set-Cookie": "sid=102Xyz; Path=/"})

    client = ApiClient(
        "https://example.okta.com", _Credentials(), name="T", transport=httpx.MockTransport(answer)
    )
    for _ in range(2):
        await client.send(Call("GET", "/api/v1/users/me"))
    await client.aclose()
    assert cookies == [None, None]


async def test_behind_a_proxy_httpx_own_transport_carries_the_calls(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")
    client = ApiClient("http://okta.test", _Credentials(), name="T")
    await client.prepare()
    assert client._state is not None
    assert client._state.transport is None  # httpx's client picks its proxy transport
    await client.aclose()
    monkeypatch.delenv("HTTP_PROXY")
    await client.prepare()
    assert client._state is not None
    assert client._state.transport is not None
    await client.aclose()


Proxy = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


async def _behind_a_proxy(
    monkeypatch: pytest.MonkeyPatch, proxy: Proxy
) -> tuple[asyncio.Server, ApiClient]:
    """A loopback server playing the proxy (and the target behind it), named by HTTP_PROXY
    alone, and a client of http://okta.test that goes through it."""
    server = await asyncio.start_server(proxy, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    for name in ("NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{port}")
    return server, ApiClient("http://okta.test", _Credentials(), name="T")


async def test_behind_a_proxy_a_cookie_a_target_sets_is_never_sent_back(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Behind a proxy httpx's client sends the calls, with its cookie handling: the jar must
    # keep nothing there too. The proxy is a loopback server that answers as the target would.
    seen: list[bytes] = []

    async def proxy(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(asyncio.IncompleteReadError):  # the client closed
            while head := await reader.readuntil(b"\r\n\r\n"):
                seen.append(head)
                writer.write(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                    b"Set-Cookie: sid=102Xyz; Path=/\r\nContent-Length: 2\r\n\r\n{}"
                )
                await writer.drain()
        writer.close()

    server, client = await _behind_a_proxy(monkeypatch, proxy)
    try:
        async with asyncio.timeout(10):
            for _ in range(2):
                await client.send(Call("GET", "/api/v1/users/me"))
    finally:
        await client.aclose()
        server.close()
    assert [head.split(b"\r\n")[0] for head in seen] == [
        b"GET http://okta.test/api/v1/users/me HTTP/1.1"
    ] * 2
    assert all(b"cookie:" not in head.lower() for head in seen)


async def test_behind_a_proxy_a_body_is_sent_again_on_each_retry(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The request is given to httpx's client as a stream (ApiClient builds its headers): its
    # own transport must send the body, framed, on the first try and on each one after it (a
    # 503, then a 401 that re-reads the credentials), each try being a request built anew.
    seen: list[tuple[bytes, bytes]] = []
    answers = [b"503 Service Unavailable", b"401 Unauthorized", b"201 Created"]

    async def proxy(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(asyncio.IncompleteReadError, ConnectionError):
            while head := await reader.readuntil(b"\r\n\r\n"):
                lines = head.lower().split(b"\r\n")
                length = next(
                    int(n.split(b":")[1]) for n in lines if n.startswith(b"content-length:")
                )
                seen.append((head, await reader.readexactly(length)))
                writer.write(b"HTTP/1.1 " + answers[len(seen) - 1] + b"\r\n")
                writer.write(b"Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{}")
                await writer.drain()
        writer.close()

    server, client = await _behind_a_proxy(monkeypatch, proxy)
    try:
        async with asyncio.timeout(10):  # a bound only
            with request_budget(20):
                response = await client.send(Call("POST", "/api/v1/users", json={"a": "é"}))
    finally:
        await client.aclose()
        server.close()
    assert response.status_code == 201
    body = '{"a":"é"}'.encode()
    assert [sent for _, sent in seen] == [body] * 3
    for head, _ in seen:
        lines = head.split(b"\r\n")
        assert lines[0] == b"POST http://okta.test/api/v1/users HTTP/1.1"
        assert b"Content-Length: %d" % len(body) in lines
        assert b"Content-Type: application/json" in lines


async def test_the_pacer_reads_rate_limit_headers_in_any_case() -> None:
    # Header names are case-insensitive (RFC 9110 5.1), in the answer and in a description.
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200,
            json={},
            headers={
                "X-RateLimit-Limit": "600",
                "X-RATELIMIT-REMAINING": "0",
                "x-ratelimit-reset": "30",
                "Date": "Tue, 01 Dec 2026 12:00:00 GMT",
            },
        )

    names = RateLimitHeaders(
        limit="X-RateLimit-Limit",
        remaining="X-RateLimit-Remaining",
        reset="X-RateLimit-Reset",
        reset_unit="delta-seconds",
    )
    api = _answering(
        answer,
        rate_limit_headers=names,
        pacer=Pacer(clock=Clock(), headers=names),
    )
    await api.send(Call("GET", "/users"))
    await api.aclose()
    assert api.pacer.plan("api") == (30.0, False)  # the window's 30 s left, and none of its calls


async def test_repeated_headers_are_read_joined_as_httpx_reads_them() -> None:
    # Two remaining counts (a proxy's and the application's): "5, 7" is no number, so no window
    # is learnt from them, as when httpx's Headers were read.
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200,
            json={},
            headers=[
                ("x-rate-limit-limit", "600"),
                ("X-Rate-Limit-Remaining", "5"),
                ("x-rate-limit-remaining", "7"),
                ("x-rate-limit-reset", "1796212830"),
            ],
        )

    api = _answering(
        answer,
        pacer=Pacer(clock=Clock()),
    )
    response = await api.send(Call("GET", "/users"))
    await api.aclose()
    assert response.headers["x-rate-limit-remaining"] == "5, 7"
    assert api.pacer.plan("api") == (0.0, True)  # nothing known: free


async def test_an_answer_and_a_transport_error_name_the_request_they_belong_to() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/down"):
            raise httpx.ConnectError("refused")
        return httpx.Response(200, json={})

    api = _answering(answer)
    response = await api.send(Call("GET", "/users/1"))
    with request_budget(0.6), pytest.raises(UnavailableError) as failed:
        await api.send(Call("GET", "/down"))
    await api.aclose()
    assert str(response.request.url) == "https://legacy.test/api/users/1"
    cause = failed.value.__context__  # raised while the transport error was being handled
    assert isinstance(cause, httpx.ConnectError)
    assert str(cause.request.url) == "https://legacy.test/api/down"


@pytest.mark.parametrize(
    "call",
    [
        Call("GET", "/users"),
        Call("GET", "/users", headers={"accept": "text/csv", "X-Trace": "1"}),
        Call("POST", "/users", params={"activate": "true"}, json={"profile": {"a": "é"}}),
        Call("POST", "/users/1/lifecycle/deactivate"),
        Call("PUT", "/users/1", content=b"", headers={"USER-AGENT": "mine"}),
        Call("POST", "/users", json={"a": 1}, headers={"content-type": "application/scim+json"}),
        Call("POST", "/import", content=b"a,b\n"),
        Call("POST", "/import", content=b"a", headers={"Content-Length": "1"}),
        Call("GET", "/users", content=b""),
        Call("PATCH", "/users/1", json=[]),
        Call("DELETE", "/users/1"),
        Call("POST", "/users", json={}, headers={"Host": "legacy.test"}),
        Call("POST", "/import", content=b"a", headers={"Transfer-Encoding": "chunked"}),
        Call("POST", "/users/1/lifecycle/activate", headers={"Transfer-Encoding": "chunked"}),
    ],
)
async def test_a_call_sends_what_httpxs_client_would_send(call: Call) -> None:
    sent: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200, json={})

    base = "https://legacy.test/api"
    api = ApiClient(
        base,
        _Credentials(),
        name="T",
        transport=httpx.MockTransport(answer),
        headers={"X-Tenant": "t1", "Accept": "application/json"},
    )
    await api.send(call)
    await api.aclose()
    async with httpx.AsyncClient(
        base_url=base, headers={"Accept": "application/json", "X-Tenant": "t1"}
    ) as client:
        expected = client.build_request(
            call.method,
            call.path,
            params=call.params,
            json=call.json,
            content=call.content,
            headers={**(call.headers or {}), "Authorization": "Bearer t"},
        )
    (request,) = sent
    assert (request.method, str(request.url)) == (expected.method, str(expected.url))
    assert request.headers.raw == expected.headers.raw
    assert request.content == expected.content


async def test_each_try_gets_the_attempt_timeout_or_what_is_left_of_the_budget() -> None:
    timeouts: list[dict[str, float]] = []

    def answer(request: httpx.Request) -> httpx.Response:
        timeouts.append(request.extensions["timeout"])
        return httpx.Response(200, json={})

    api = _answering(
        answer,
        attempt_timeout=3.0,
    )
    await api.send(Call("GET", "/users"))
    with request_budget(1.5, clock=Clock()):
        await api.send(Call("GET", "/users"))
    with request_budget(0.2, clock=Clock()):  # less than any try is given
        await api.send(Call("GET", "/users"))
    await api.aclose()
    assert timeouts[0] == dict.fromkeys(("connect", "read", "write", "pool"), 3.0)
    assert timeouts[1] == dict.fromkeys(("connect", "read", "write", "pool"), 1.5)
    assert timeouts[2] == dict.fromkeys(("connect", "read", "write", "pool"), MIN_ATTEMPT_SECONDS)


async def test_a_target_that_never_answers_is_timed_out_and_tried_again() -> None:
    # A real socket: the timeout must reach the transport, which alone can apply it. The first
    # connection never answers; the second does, so the test ends as soon as the retry lands.
    heads: list[bytes] = []
    held: list[asyncio.StreamWriter] = []

    async def first_silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)
        with contextlib.suppress(asyncio.IncompleteReadError, ConnectionError):
            heads.append(await reader.readuntil(b"\r\n\r\n"))
            if len(heads) == 1:
                await reader.read()  # until the client gives up on this connection
                return
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n")
            writer.write(b"Content-Length: 2\r\n\r\n{}")
            await writer.drain()

    server = await asyncio.start_server(first_silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    api = ApiClient(f"http://127.0.0.1:{port}", _Credentials(), name="T", attempt_timeout=0.5)
    try:
        async with asyncio.timeout(30):  # a bound only
            with request_budget(20):
                response = await api.send(Call("GET", "/users"))
    finally:
        await api.aclose()
        for writer in held:
            writer.close()
        server.close()
    assert response.status_code == 200
    assert len(heads) == 2  # timed out, then sent again on a new connection
