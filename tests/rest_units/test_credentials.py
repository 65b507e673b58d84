"""How a described application is authenticated: what each kind of auth sends, a missing secret,
and OAuth2 client credentials (one token for many calls, renewal before expiry and after a 401,
both client authentication methods, a rotated client secret, concurrent callers)."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import socket
import ssl
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest
from clocks import Clock

from connector.secrets import EnvSecretStore, NamedSecret, Secret
from connector.settings import Settings
from connector.targets.context import TargetContext
from connector.targets.errors import UnavailableError
from connector.targets.http import Authorization
from connector.targets.rest import DescriptionError, RestUsers
from connector.targets.rest import rest_target as build_target
from connector.targets.rest.credentials import (
    EXPIRY_MARGIN_SECONDS,
    UNANNOUNCED_LIFETIME_SECONDS,
    ApiKeyCredentials,
    BasicCredentials,
    BearerCredentials,
    NoCredentials,
    OAuth2ClientCredentials,
    credentials_for,
)
from connector.targets.rest.description import (
    ApiKeyAuth,
    BasicAuth,
    BearerAuth,
    NoAuth,
    OAuth2Auth,
)
from connector.transport.budget import request_budget

from .helpers import (
    SAMPLE,
    SAMPLE_TEXT,
    ScriptedApp,
    account,
    line_of,
    oauth2_auth,
    reply,
    rest_target,
    write_description,
)

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "secrets"))
from kv_stub import TlsFiles, self_signed_cert


class Vault:
    """A secret store whose values change when re-read (a rotation), counting reads."""

    def __init__(self, **values: list[str]) -> None:
        self.values = values
        self.gets: list[str] = []
        self.refreshes: list[str] = []

    async def get(self, key: Secret) -> str | None:
        assert isinstance(key, NamedSecret)
        self.gets.append(key.name)
        found = self.values.get(key.name)
        return found[0] if found else None

    async def refresh(self, key: Secret) -> str | None:
        assert isinstance(key, NamedSecret)
        self.refreshes.append(key.name)
        found = self.values.get(key.name)
        if found and len(found) > 1:
            found.pop(0)
        return found[0] if found else None

    async def aclose(self) -> None:
        return None


def basic_pair(header: str) -> str:
    scheme, _, encoded = header.partition(" ")
    assert scheme == "Basic"
    return base64.b64decode(encoded).decode()


# -- static kinds -----------------------------------------------------------------------------


async def test_no_auth_sends_nothing() -> None:
    assert await NoCredentials().authorization(False) == Authorization()
    credentials = credentials_for(NoAuth(type="none"), EnvSecretStore({}), httpx.AsyncClient)
    assert await credentials.authorization(True) == Authorization()


async def test_basic_sends_user_and_password() -> None:
    spec = BasicAuth.model_validate(
        {"type": "basic", "username": "svc", "passwordSecret": "hr-password"}
    )
    credentials = BasicCredentials(spec, EnvSecretStore({"HR_PASSWORD": "pa:ss wörd"}))
    authorization = await credentials.authorization(False)
    assert basic_pair(authorization.headers["Authorization"]) == "svc:pa:ss wörd"
    assert authorization.params == {}
    assert "hr-password" in credentials.fix
    assert "HR_PASSWORD" in credentials.fix
    assert "'svc'" in credentials.fix


async def test_api_key_in_a_header_with_its_prefix() -> None:
    spec = ApiKeyAuth.model_validate(
        {"type": "apiKey", "header": "Authorization", "prefix": "Token ", "secret": "hr-key"}
    )
    authorization = await ApiKeyCredentials(spec, EnvSecretStore({"HR_KEY": "k-1"})).authorization(
        False
    )
    assert authorization == Authorization(headers={"Authorization": "Token k-1"})


async def test_api_key_in_a_query_parameter() -> None:
    spec = ApiKeyAuth.model_validate({"type": "apiKey", "query": "api_key", "secret": "hr-key"})
    authorization = await ApiKeyCredentials(spec, EnvSecretStore({"HR_KEY": "k-1"})).authorization(
        False
    )
    assert authorization == Authorization(params={"api_key": "k-1"})


@pytest.mark.parametrize(("scheme", "expected"), [(None, "Bearer t-1"), ("Token", "Token t-1")])
async def test_static_bearer_token(scheme: str | None, expected: str) -> None:
    spec = BearerAuth.model_validate(
        {"type": "bearer", "secret": "hr-token", **({"scheme": scheme} if scheme else {})}
    )
    authorization = await BearerCredentials(
        spec, EnvSecretStore({"HR_TOKEN": "t-1"})
    ).authorization(False)
    assert authorization == Authorization(headers={"Authorization": expected})


async def test_refresh_rereads_the_secret() -> None:
    vault = Vault(**{"hr-key": ["old", "new"]})
    spec = ApiKeyAuth.model_validate({"type": "apiKey", "header": "X-Key", "secret": "hr-key"})
    credentials = ApiKeyCredentials(spec, vault)
    assert (await credentials.authorization(False)).headers == {"X-Key": "old"}
    assert (await credentials.authorization(True)).headers == {"X-Key": "new"}
    assert vault.refreshes == ["hr-key"]


@pytest.mark.parametrize(
    ("spec", "what"),
    [
        (BasicAuth(type="basic", username="u", password_secret="hr-api-secret"), "password"),
        (ApiKeyAuth(type="apiKey", header="X-Key", secret="hr-api-secret"), "API key"),
        (BearerAuth(type="bearer", secret="hr-api-secret"), "token"),
        (
            OAuth2Auth(
                type="oauth2", token_url="/token", client_id="c", client_secret="hr-api-secret"
            ),
            "OAuth2 client secret",
        ),
    ],
)
async def test_a_missing_secret_names_the_vault_secret_and_the_variable(
    spec: Any, what: str
) -> None:
    def no_http() -> httpx.AsyncClient:
        raise AssertionError("no token request without a client secret")

    credentials = credentials_for(spec, EnvSecretStore({}), no_http)
    with pytest.raises(UnavailableError) as caught:
        await credentials.authorization(False)
    assert caught.value.reason == (
        f"no {what} is configured: set the vault secret hr-api-secret (or HR_API_SECRET locally)"
    )
    assert caught.value.retry_after == 300


# -- OAuth2 client credentials ----------------------------------------------------------------


class TokenServer:
    """A token endpoint answering each request with the next token (or a scripted answer)."""

    def __init__(self, *answers: httpx.Response, expires_in: Any = 3600) -> None:
        self.answers = list(answers)
        self.expires_in = expires_in
        self.requests: list[httpx.Request] = []

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        await asyncio.sleep(0)  # let other callers run while this token is on its way
        if self.answers:
            return self.answers.pop(0)
        body: dict[str, Any] = {"access_token": f"tok{len(self.requests)}", "token_type": "Bearer"}
        if self.expires_in is not None:
            body["expires_in"] = self.expires_in
        return httpx.Response(200, json=body)

    def form(self, index: int = -1) -> dict[str, list[str]]:
        return parse_qs(self.requests[index].content.decode(), keep_blank_values=True)


def oauth2(
    server: TokenServer,
    vault: Any = None,
    clock: Clock | None = None,
    **spec: Any,
) -> OAuth2ClientCredentials:
    auth = OAuth2Auth.model_validate(
        {
            "type": "oauth2",
            "tokenUrl": "/oauth/token",
            "clientId": "connector",
            "clientSecret": "hr-client-secret",
            **spec,
        }
    )
    client = httpx.AsyncClient(
        base_url="https://hr.test/api/", transport=httpx.MockTransport(server)
    )
    return OAuth2ClientCredentials(
        auth,
        vault or EnvSecretStore({"HR_CLIENT_SECRET": "s3cret-value"}),
        lambda: client,
        clock or Clock(),
    )


async def bearer(credentials: OAuth2ClientCredentials, refresh: bool = False) -> str:
    return (await credentials.authorization(refresh)).headers["Authorization"]


async def test_one_token_serves_many_calls() -> None:
    server = TokenServer()
    credentials = oauth2(server)
    assert [await bearer(credentials) for _ in range(5)] == ["Bearer tok1"] * 5
    assert len(server.requests) == 1
    assert server.requests[0].url == "https://hr.test/api/oauth/token"
    assert server.requests[0].headers["accept"] == "application/json"


async def test_a_new_token_shortly_before_the_announced_expiry() -> None:
    clock, server = Clock(), TokenServer(expires_in=3600)
    credentials = oauth2(server, clock=clock)
    assert await bearer(credentials) == "Bearer tok1"
    clock.now += 3600 - EXPIRY_MARGIN_SECONDS - 0.001
    assert await bearer(credentials) == "Bearer tok1"
    clock.now += 0.001
    assert await bearer(credentials) == "Bearer tok2"
    assert len(server.requests) == 2


async def test_a_short_lived_token_is_used_for_half_its_life() -> None:
    clock, server = Clock(), TokenServer(expires_in=100)  # the margin would leave 40 s
    credentials = oauth2(server, clock=clock)
    await bearer(credentials)
    clock.now += 49.9
    assert await bearer(credentials) == "Bearer tok1"
    clock.now += 0.1
    assert await bearer(credentials) == "Bearer tok2"


@pytest.mark.parametrize("expires_in", [None, "3600", True])
async def test_a_token_without_a_usable_lifetime_is_reused_for_a_while(expires_in: Any) -> None:
    clock, server = Clock(), TokenServer(expires_in=expires_in)
    credentials = oauth2(server, clock=clock)
    await bearer(credentials)
    clock.now += UNANNOUNCED_LIFETIME_SECONDS - EXPIRY_MARGIN_SECONDS - 0.001
    assert await bearer(credentials) == "Bearer tok1"
    clock.now += 0.001
    assert await bearer(credentials) == "Bearer tok2"


async def test_a_refused_token_is_replaced_once_per_refusal() -> None:
    vault = Vault(**{"hr-client-secret": ["first-secret", "second-secret"]})
    server = TokenServer()
    credentials = oauth2(server, vault, clientAuth="body")
    seen = await bearer(credentials)
    assert seen == "Bearer tok1"
    assert await bearer(credentials, refresh=True) == "Bearer tok2"
    # The secret is read again too: a rotated secret is why tokens stop working.
    assert vault.refreshes == ["hr-client-secret"]
    assert server.form()["client_secret"] == ["second-secret"]
    assert await bearer(credentials) == "Bearer tok2"
    assert len(server.requests) == 2


async def test_concurrent_callers_share_one_token_request() -> None:
    server = TokenServer()
    credentials = oauth2(server)
    tokens = await asyncio.gather(*(bearer(credentials) for _ in range(10)))
    assert set(tokens) == {"Bearer tok1"}
    assert len(server.requests) == 1


async def test_concurrent_refusals_of_one_token_share_one_new_token() -> None:
    server = TokenServer()
    credentials = oauth2(server)
    await bearer(credentials)
    tokens = await asyncio.gather(*(bearer(credentials, refresh=True) for _ in range(5)))
    assert set(tokens) == {"Bearer tok2"}
    assert len(server.requests) == 2


async def test_client_secret_basic_form_encodes_id_and_secret() -> None:
    # RFC 6749 §2.3.1: id and secret are application/x-www-form-urlencoded, then Basic-encoded.
    server = TokenServer()
    vault = Vault(**{"hr-client-secret": ["s€cret+/= x"]})
    credentials = oauth2(
        server, vault, clientId="my client:1", scope="users.rw", params={"audience": "hr"}
    )
    await bearer(credentials)
    request = server.requests[0]
    assert basic_pair(request.headers["authorization"]) == "my+client%3A1:s%E2%82%ACcret%2B%2F%3D+x"
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert server.form() == {
        "grant_type": ["client_credentials"],
        "audience": ["hr"],
        "scope": ["users.rw"],
    }


async def test_client_secret_post_puts_id_and_secret_in_the_form() -> None:
    server = TokenServer()
    credentials = oauth2(server, clientAuth="body", clientId="my client:1")
    await bearer(credentials)
    request = server.requests[0]
    assert "authorization" not in request.headers
    assert server.form() == {
        "grant_type": ["client_credentials"],
        "client_id": ["my client:1"],
        "client_secret": ["s3cret-value"],
    }


@pytest.mark.parametrize("status", [400, 401])
async def test_a_refused_client_secret_is_read_again_once(status: int) -> None:
    vault = Vault(**{"hr-client-secret": ["old-secret", "rotated-secret"]})
    server = TokenServer(httpx.Response(status, json={"error": "invalid_client"}))
    credentials = oauth2(server, vault, clientAuth="body")
    assert await bearer(credentials) == "Bearer tok2"
    assert [form["client_secret"] for form in (server.form(0), server.form(1))] == [
        ["old-secret"],
        ["rotated-secret"],
    ]
    assert vault.gets == ["hr-client-secret"]
    assert vault.refreshes == ["hr-client-secret"]


async def test_a_client_secret_refused_twice_says_what_to_fix() -> None:
    vault = Vault(**{"hr-client-secret": ["wrong"]})
    refused = httpx.Response(401, json={"error": "invalid_client"})
    server = TokenServer(refused, httpx.Response(401, json={"error": "invalid_client"}))
    credentials = oauth2(server, vault)
    with pytest.raises(UnavailableError) as caught:
        await bearer(credentials)
    assert caught.value.reason == (
        "the token endpoint /oauth/token refused the client credentials (HTTP 401: "
        "invalid_client); put the right value in the vault secret hr-client-secret (or "
        "HR_CLIENT_SECRET locally) and check the client id 'connector'"
    )
    assert caught.value.retry_after == 300
    assert len(server.requests) == 2
    assert len(vault.refreshes) == 1


async def test_a_scope_refusal_says_so_in_the_issuers_words_without_rereading_the_secret() -> None:
    vault = Vault(**{"hr-client-secret": ["right"]})
    refused = httpx.Response(
        400, json={"error": "invalid_scope", "error_description": "people:write is not granted"}
    )
    server = TokenServer(refused)
    credentials = oauth2(server, vault)
    with pytest.raises(UnavailableError) as caught:
        await bearer(credentials)
    assert caught.value.reason == (
        "the token endpoint /oauth/token refused the token request (HTTP 400: invalid_scope: "
        "people:write is not granted); check auth.scope and the client's permissions in the "
        "application"
    )
    assert vault.refreshes == []
    assert len(server.requests) == 1


async def test_a_token_answer_without_a_token_points_at_the_token_pointer() -> None:
    server = TokenServer(httpx.Response(200, json={"token": "x"}))
    with pytest.raises(UnavailableError, match="without a token at /access_token; check auth"):
        await bearer(oauth2(server))


async def test_token_and_lifetime_where_the_description_says() -> None:
    clock = Clock()
    server = TokenServer(httpx.Response(200, json={"data": {"jwt": "abc", "ttl": 600}}))
    credentials = oauth2(server, clock=clock, tokenPointer="/data/jwt", expiresPointer="/data/ttl")
    assert await bearer(credentials) == "Bearer abc"
    clock.now += 600 - EXPIRY_MARGIN_SECONDS - 1
    assert await bearer(credentials) == "Bearer abc"
    assert len(server.requests) == 1


async def test_an_unreachable_token_endpoint_is_unavailable() -> None:
    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    auth = OAuth2Auth(type="oauth2", token_url="/t", client_id="c", client_secret="hr-s")
    client = httpx.AsyncClient(base_url="https://hr.test/", transport=httpx.MockTransport(down))
    credentials = OAuth2ClientCredentials(auth, EnvSecretStore({"HR_S": "x"}), lambda: client)
    with pytest.raises(UnavailableError) as caught:
        await credentials.authorization(False)
    assert caught.value.reason == "the token endpoint /t is unreachable (ConnectError)"
    assert caught.value.retry_after == 30


# -- through the target: relative token URL, 401 from the API ---------------------------------

SECRETS = {"LEDGERLINE_CLIENT_SECRET": "client-secret-value"}


def tokens() -> Iterator[str]:
    n = 0
    while True:
        n += 1
        yield f"tok{n}"


def token_endpoint() -> Any:
    issued = tokens()

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"access_token": next(issued), "expires_in": 3600})

    return answer


async def test_a_relative_token_url_goes_the_apis_way(tmp_path: Path) -> None:
    app = ScriptedApp()
    app.on("POST", "/oauth/token", token_endpoint())
    app.on("GET", "/accounts/1001", reply(200, {"data": account(1001)}))
    target = rest_target(tmp_path, app, oauth2_auth(), secrets=EnvSecretStore(SECRETS))
    with request_budget(5.0):
        for _ in range(3):
            assert (await target.get("1001")) is not None
    await target.aclose()
    assert app.requests() == [("POST", "/oauth/token")] + [("GET", "/accounts/1001")] * 3
    token_call = app.calls[0]
    assert token_call.host == "ledgerline.corp.example"
    assert basic_pair(token_call.headers["authorization"]) == "connector:client-secret-value"
    assert {c.headers["authorization"] for c in app.calls[1:]} == {"Bearer tok1"}


async def test_an_api_401_gets_one_new_token_and_one_retry(tmp_path: Path) -> None:
    app = ScriptedApp()
    app.on("POST", "/oauth/token", token_endpoint())
    app.on("GET", "/accounts/1001", reply(401), reply(200, {"data": account(1001)}))
    target = rest_target(tmp_path, app, oauth2_auth(), secrets=EnvSecretStore(SECRETS))
    with request_budget(5.0):
        user = await target.get("1001")
    assert user is not None
    assert app.requests() == [
        ("POST", "/oauth/token"),
        ("GET", "/accounts/1001"),
        ("POST", "/oauth/token"),
        ("GET", "/accounts/1001"),
    ]
    assert [c.headers["authorization"] for c in app.calls if c.method == "GET"] == [
        "Bearer tok1",
        "Bearer tok2",
    ]


async def test_an_api_refusing_every_token_says_what_to_fix(tmp_path: Path) -> None:
    app = ScriptedApp()
    app.on("POST", "/oauth/token", token_endpoint())
    app.on("GET", "/accounts/1001", reply(401))
    target = rest_target(tmp_path, app, oauth2_auth(), secrets=EnvSecretStore(SECRETS))
    with request_budget(5.0), pytest.raises(UnavailableError) as caught:
        await target.get("1001")
    assert "Ledgerline HR rejected the connector's credentials (HTTP 401)" in caught.value.reason
    assert "ledgerline-client-secret" in caught.value.reason
    assert "check the client id 'connector'" in caught.value.reason
    assert [m for m, _ in app.requests()] == ["POST", "GET", "POST", "GET"]


async def test_an_api_key_in_the_query_goes_with_the_calls_own_parameters(
    tmp_path: Path,
) -> None:
    def query_key(data: dict[str, Any]) -> None:
        data["auth"] = {"type": "apiKey", "query": "key", "secret": "ledgerline-api-key"}
        data["users"]["get"]["query"] = {"expand": "org"}

    app = ScriptedApp().on("GET", "/accounts/1001", reply(200, {"data": account(1001)}))
    target = rest_target(tmp_path, app, query_key)
    with request_budget(5.0):
        await target.get("1001")
    assert app.calls[0].params == {"expand": "org", "key": "ledgerline-key-for-unit-tests"}
    assert "x-api-key" not in app.calls[0].headers


def refused_port() -> socket.socket:
    """A loopback port nothing listens on (kept bound so that nothing else takes it)."""
    held = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    held.bind(("127.0.0.1", 0))
    return held


async def test_an_absolute_token_url_is_not_sent_the_apis_way(tmp_path: Path) -> None:
    # The API's way may be the relay to a private network: an identity provider's absolute
    # token URL is reached directly (here: a loopback port that refuses the connection).
    with refused_port() as held:
        port = held.getsockname()[1]
        app = ScriptedApp()
        app.on("POST", "/token", token_endpoint())
        app.on("GET", "/accounts/1001", reply(200, {"data": account(1001)}))
        target = rest_target(
            tmp_path,
            app,
            oauth2_auth(f"https://127.0.0.1:{port}/api/v2/token"),
            secrets=EnvSecretStore(SECRETS),
        )
        with request_budget(5.0), pytest.raises(UnavailableError) as caught:
            await target.get("1001")
        await target.aclose()
    assert "is unreachable (ConnectError)" in caught.value.reason
    assert app.calls == []


def test_a_missing_local_secret_is_reported_when_the_target_is_built(tmp_path: Path) -> None:
    settings = Settings.from_env({"TARGET": "rest", "TARGET_DESCRIPTION": str(SAMPLE)})
    with pytest.raises(DescriptionError) as caught:
        build_target(TargetContext(settings, EnvSecretStore({}), None))
    line = line_of(SAMPLE_TEXT, "  secret: ledgerline-api-key")
    assert caught.value.problems == [
        f"{SAMPLE}:{line}:3: auth.secret: the secret 'ledgerline-api-key' is not set; set the "
        "environment variable LEDGERLINE_API_KEY (in Azure: the vault secret ledgerline-api-key)"
    ]
    target = build_target(
        TargetContext(settings, EnvSecretStore({"LEDGERLINE_API_KEY": "k"}), None)
    )
    assert target.users.capabilities.name == "Ledgerline HR"


async def test_the_client_id_may_be_a_named_secret_for_per_environment_clients() -> None:
    server = TokenServer()
    store = EnvSecretStore({"HR_CLIENT_SECRET": "s3cret-value", "HR_CLIENT_ID": "prod-client"})
    credentials = oauth2(
        server, store, clientId=None, clientIdSecret="hr-client-id", clientAuth="body"
    )
    assert await bearer(credentials) == "Bearer tok1"
    assert server.form()["client_id"] == ["prod-client"]


def test_a_client_id_is_given_one_way() -> None:
    for both_or_neither in ({"clientIdSecret": "hr-id"}, {"clientId": None}):
        spec = {"type": "oauth2", "tokenUrl": "/t", "clientSecret": "s", "clientId": "c"}
        with pytest.raises(ValueError, match="give the client id"):
            OAuth2Auth.model_validate({**spec, **both_or_neither})


class TlsTokenServer:
    """A token endpoint over TLS on loopback, with a certificate of its own; counts requests."""

    def __init__(self, cert: TlsFiles) -> None:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert.cert, cert.key)
        self.requests = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                server.requests += 1
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                body = b'{"access_token": "idp-token", "expires_in": 3600}'
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._http.socket = context.wrap_socket(self._http.socket, server_side=True)
        self.url = f"https://127.0.0.1:{self._http.server_address[1]}/oauth2/token"

    def __enter__(self) -> TlsTokenServer:
        threading.Thread(target=self._http.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._http.shutdown()
        self._http.server_close()


def idp_target(
    tmp_path: Path, app: ScriptedApp, token_url: str, settings: dict[str, str], **connection: Any
) -> RestUsers:
    def edit(data: dict[str, Any]) -> None:
        oauth2_auth(token_url)(data)
        data["connection"].update(connection)

    return rest_target(tmp_path, app, edit, secrets=EnvSecretStore(SECRETS), settings=settings)


async def test_an_identity_provider_elsewhere_is_verified_whatever_verify_tls_says(
    tmp_path: Path,
) -> None:
    # verifyTls: false is about the application; the client secret goes to the issuer, which
    # an unverified connection would hand to whoever answers in its name.
    (tmp_path / "idp").mkdir()
    with TlsTokenServer(self_signed_cert(tmp_path / "idp")) as idp:
        app = ScriptedApp().on("GET", "/accounts/1001", reply(200, {"data": account(1001)}))
        target = idp_target(tmp_path, app, idp.url, {}, verifyTls=False)
        with request_budget(5.0), pytest.raises(UnavailableError) as caught:
            await target.get("1001")
        await target.aclose()
    assert "is unreachable (ConnectError)" in caught.value.reason
    assert (idp.requests, app.calls) == (0, [])


async def test_an_identity_provider_elsewhere_keeps_the_usual_trust_beside_the_ca_bundle(
    tmp_path: Path,
) -> None:
    # caBundle names the application's private CA; the issuer is trusted as other services
    # are (here SSL_CERT_FILE names its certificate), and by that CA too.
    (tmp_path / "idp").mkdir()
    (tmp_path / "app").mkdir()
    idp_cert = self_signed_cert(tmp_path / "idp")
    app_cert = self_signed_cert(tmp_path / "app")
    for trusted_by in ({"SSL_CERT_FILE": str(idp_cert.cert)}, {}):
        with TlsTokenServer(idp_cert) as idp:
            app = ScriptedApp().on("GET", "/accounts/1001", reply(200, {"data": account(1001)}))
            bundle = str(app_cert.cert) if trusted_by else str(idp_cert.cert)
            target = idp_target(tmp_path, app, idp.url, trusted_by, caBundle=bundle)
            with request_budget(5.0):
                assert await target.get("1001") is not None
            await target.aclose()
        assert idp.requests == 1
        assert app.calls[0].headers["authorization"] == "Bearer idp-token"


@pytest.mark.parametrize("content", [None, "not a certificate\n"])
def test_a_ca_bundle_that_cannot_be_loaded_stops_the_start_at_its_line(
    tmp_path: Path, content: str | None
) -> None:
    # Found at the first call instead, it made every SCIM request a 500 (and doctor crash).
    bundle = tmp_path / "corp-ca.pem"
    if content is not None:
        bundle.write_text(content, encoding="utf-8")
    path = write_description(tmp_path, lambda data: data["connection"].update(caBundle=str(bundle)))
    settings = Settings.from_env({"TARGET": "rest", "TARGET_DESCRIPTION": str(path)})
    with pytest.raises(DescriptionError) as caught:
        build_target(TargetContext(settings, EnvSecretStore({"LEDGERLINE_API_KEY": "k"}), None))
    [problem] = caught.value.problems
    line = line_of(path.read_text(encoding="utf-8"), "caBundle")
    assert problem.startswith(
        f"{path}:{line}:3: connection.caBundle: '{bundle}' cannot be loaded ("
    )
    assert problem.endswith(
        "; give the path, on the machine the connector runs on, of a PEM file with the CA "
        "certificate(s) that signed the application's certificate"
    )


def test_a_relative_ca_bundle_is_next_to_the_description(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Not the worker's working directory, which the host chooses: the file beside the
    # description it is written in.
    cert = self_signed_cert(tmp_path)
    path = write_description(
        tmp_path, lambda data: data["connection"].update(caBundle=cert.cert.name)
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    settings = Settings.from_env({"TARGET": "rest", "TARGET_DESCRIPTION": str(path)})
    target = build_target(
        TargetContext(settings, EnvSecretStore({"LEDGERLINE_API_KEY": "k"}), None)
    )
    assert target.users.capabilities.name == "Ledgerline HR"


def test_a_ca_bundle_that_loads_is_taken(tmp_path: Path) -> None:
    cert = self_signed_cert(tmp_path)
    path = write_description(
        tmp_path, lambda data: data["connection"].update(caBundle=str(cert.cert))
    )
    settings = Settings.from_env({"TARGET": "rest", "TARGET_DESCRIPTION": str(path)})
    target = build_target(
        TargetContext(settings, EnvSecretStore({"LEDGERLINE_API_KEY": "k"}), None)
    )
    assert target.users.capabilities.name == "Ledgerline HR"


@pytest.mark.parametrize(("budget", "expected"), [(None, 5.0), (30.0, 5.0)])
async def test_a_token_request_takes_the_clients_timeout(
    budget: float | None, expected: float
) -> None:
    server = TokenServer()
    credentials = oauth2(server)  # httpx's default timeout: 5 s
    with request_budget(budget) if budget is not None else contextlib.nullcontext():
        await bearer(credentials)
    assert server.requests[0].extensions["timeout"]["read"] == expected


async def test_a_token_request_never_outlasts_the_scim_requests_budget() -> None:
    # A slow token endpoint must not hold a SCIM request after its budget (and Entra) ran out.
    server = TokenServer()
    credentials = oauth2(server)
    with request_budget(2.0):
        await bearer(credentials)
    timeout = server.requests[0].extensions["timeout"]
    assert 0.5 <= timeout["read"] <= 2.0
    assert len(set(timeout.values())) == 1  # connect, read, write and pool alike
