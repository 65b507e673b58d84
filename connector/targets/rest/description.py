"""The description format: how an application's REST API is told, without code.

These pydantic models are the format itself: strict (an unknown key is an error), with the
checks that tie parts together (the anchor has a find, templates name only known placeholders,
pointers are well formed). `loading.py` reads YAML into them and turns every error into
file:line:column and a fix; `description.schema.json` is generated from them for editors.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator
from pydantic.alias_generators import to_camel

from ...json_codec import dumps
from ...url_text import holds_credentials, shown, unsendable
from . import pointer as json_pointer
from .quoting import Escape, quotes

_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
# Names and URLs are checked with fullmatch: a `$`-anchored match also takes a final "\n"
# (`"X-Api-Key\n"`, or a `|` block), which then fails at the first call or names a secret
# nobody can set.
_HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
# What HTTP/1.1 carries in a header value as it is: visible ASCII, spaces and tabs.
_HEADER_TEXT = re.compile(r"[\t\x20-\x7e]*")
_SECRET_NAME = re.compile(r"[0-9A-Za-z-]{1,127}")
_ATTRIBUTE = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
# No space or line break anywhere: a URL carries them percent-encoded.
_BASE_URL = re.compile(r"https?://[^/?#\s]+(/[^?#\s]*)?")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _pointer(value: str) -> str:
    json_pointer.parse(value)  # raises ValueError with the fix
    return value


def _header(value: str) -> str:
    if not _HEADER_NAME.fullmatch(value):
        raise ValueError(f"{value!r} is not an HTTP header name")
    return value


def _header_text(value: str) -> str:
    # Checked here, not at the first call: a line break would start a header of its own in
    # every request, and a character outside ASCII fails every request.
    if not _HEADER_TEXT.fullmatch(value):
        raise ValueError(
            f"{value!r} cannot be sent in an HTTP header: write printable ASCII only, on one line"
        )
    return value


def _secret(value: str) -> str:
    if not _SECRET_NAME.fullmatch(value):
        raise ValueError(
            f"{value!r} is not a secret name: use letters, digits and '-', e.g. hr-api-key "
            "(in Azure the Key Vault secret of that name; locally HR_API_KEY)"
        )
    return value


def _one_line(value: str, what: str) -> None:
    # No URL carries a control character: httpx refuses the request, at every call.
    if _CONTROL.search(value):
        raise ValueError(
            f"{what} {value!r} holds a line break or control character; write it on one line "
            "(a `|` block keeps its last line break)"
        )


def _path_template(value: str) -> str:
    _one_line(value, "the path")
    if not value.startswith("/"):
        raise ValueError(f"a path starts with '/', relative to connection.baseUrl, got {value!r}")
    if "?" in value or "#" in value:
        raise ValueError("put query parameters under `query:`, not in the path")
    return value


Pointer = Annotated[str, AfterValidator(_pointer)]
HeaderName = Annotated[str, AfterValidator(_header)]
HeaderText = Annotated[str, AfterValidator(_header_text)]
SecretName = Annotated[str, AfterValidator(_secret)]
PathTemplate = Annotated[str, AfterValidator(_path_template)]
Method = Literal["GET", "POST", "PUT", "PATCH", "DELETE"]
Scalar = str | int | float | bool


class _Model(BaseModel):
    model_config = ConfigDict(
        extra="forbid", alias_generator=to_camel, populate_by_name=True, frozen=True
    )


class Problem(ValueError):
    """A problem found by a model's check, `at` a part of that model (for file:line:col)."""

    def __init__(self, message: str, *at: str | int) -> None:
        super().__init__(message)
        self.at = at


def placeholders(template: str) -> set[str]:
    return set(_PLACEHOLDER.findall(template))


def _only(template: str, allowed: set[str], where: str, *at: str | int) -> None:
    unknown = placeholders(template) - allowed
    if unknown:
        names = ", ".join("{" + n + "}" for n in sorted(unknown))
        known = ", ".join("{" + n + "}" for n in sorted(allowed)) or "none"
        raise Problem(f"{where} uses {names}; the placeholders here are {known}", *at)


# -- connection, auth, rate limits ----------------------------------------------------------


class Connection(_Model):
    base_url: str = Field(
        description="The API's base URL, e.g. https://hr.example.com/api/v2 "
        "(TARGET_BASE_URL overrides it)."
    )
    verify_tls: bool = Field(True, description="Check the server's TLS certificate.")
    ca_bundle: str | None = Field(None, description="PEM file of the CA that signed it.")
    timeout_seconds: float = Field(10.0, gt=0, le=120, description="Per attempt.")
    max_concurrency: int = Field(10, ge=1, le=100, description="Calls in flight at once.")
    headers: dict[HeaderName, HeaderText] = Field(
        default_factory=dict, description="Sent on every call (never a secret: see auth)."
    )

    @model_validator(mode="after")
    def _url(self) -> Connection:
        if holds_credentials(self.base_url):
            # Not repeated: it would put the password in the error, and the log.
            raise ValueError(
                "baseUrl must not carry a user name or password (user:password@); put "
                "credentials under auth:"
            )
        if not _BASE_URL.fullmatch(self.base_url):
            raise ValueError(
                f"baseUrl must be an http(s) URL without query, e.g. https://hr.example.com/api, "
                f"got {shown(self.base_url)!r}"
            )
        refused = unsendable(self.base_url)
        if refused is not None:
            raise ValueError(
                f"baseUrl is not a URL the connector can call ({refused}); give one such as "
                "https://hr.example.com/api"
            )
        for name in self.headers:
            if name.lower() in {"authorization", "cookie", "proxy-authorization"}:
                raise ValueError(f"put credentials under auth:, not in connection.headers ({name})")
        return self


class NoAuth(_Model):
    type: Literal["none"]


class BasicAuth(_Model):
    type: Literal["basic"]
    username: str = Field(description="The user name (not a secret).")
    password_secret: SecretName = Field(description="Name of the secret holding the password.")


class ApiKeyAuth(_Model):
    type: Literal["apiKey"]
    header: HeaderName | None = Field(None, description="Send the key in this header...")
    query: str | None = Field(None, description="...or in this query parameter.")
    prefix: HeaderText = Field("", description='Written before the key, e.g. "Token ".')
    secret: SecretName = Field(description="Name of the secret holding the key.")

    @model_validator(mode="after")
    def _one_place(self) -> ApiKeyAuth:
        if (self.header is None) == (self.query is None):
            raise ValueError("say where the key goes: either `header: X-Api-Key` or `query: key`")
        return self


class BearerAuth(_Model):
    type: Literal["bearer"]
    secret: SecretName = Field(description="Name of the secret holding the static token.")
    scheme: HeaderText = Field("Bearer", description="The Authorization scheme word.")


class OAuth2Auth(_Model):
    type: Literal["oauth2"]
    token_url: str = Field(
        description="A path on baseUrl (sent the same way as the API, through the relay if "
        "set) or an absolute https URL (sent directly)."
    )
    client_id: str | None = Field(None, description="The client id (not a secret)...")
    client_id_secret: SecretName | None = Field(
        None,
        description="...or the name of a secret holding it, when it differs between "
        "environments (test, production) that share this description.",
    )
    client_secret: SecretName = Field(description="Name of the secret holding the client secret.")
    scope: str | None = None
    client_auth: Literal["basic", "body"] = Field(
        "basic", description="client_secret_basic (HTTP Basic) or client_secret_post (form)."
    )
    params: dict[str, str] = Field(
        default_factory=dict, description="Extra form fields of the token request."
    )
    token_pointer: Pointer = "/access_token"  # noqa: S105 (a pointer, not a secret)
    expires_pointer: Pointer = "/expires_in"

    @model_validator(mode="after")
    def _url(self) -> OAuth2Auth:
        if (self.client_id is None) == (self.client_id_secret is None):
            raise ValueError(
                "give the client id: either `clientId: <id>` or `clientIdSecret: <name>`"
            )
        _one_line(self.token_url, "tokenUrl")
        if not (self.token_url.startswith("/") or self.token_url.startswith("https://")):
            raise ValueError(
                f"tokenUrl must be a path such as /oauth/token or an https:// URL, "
                f"got {self.token_url!r}"
            )
        return self


Auth = Annotated[
    NoAuth | BasicAuth | ApiKeyAuth | BearerAuth | OAuth2Auth, Field(discriminator="type")
]


class RateLimit(_Model):
    limit_header: HeaderName = "X-RateLimit-Limit"
    remaining_header: HeaderName = "X-RateLimit-Remaining"
    reset_header: HeaderName = "X-RateLimit-Reset"
    reset_unit: Literal["epoch-seconds", "epoch-milliseconds", "delta-seconds"] = Field(
        "epoch-seconds",
        description="What the reset header counts: the reset time (epoch) or seconds until it.",
    )


# -- errors ---------------------------------------------------------------------------------

Meaning = Literal["not-found", "conflict", "rejected", "retryable", "already-done"]
Code = str | int


class ErrorEnvelope(_Model):
    """How an answer with a success status (200) says that the call failed, as applications
    that always answer 200 do (`{"success": false, "error": {"code": …}}`)."""

    pointer: Pointer = Field(
        description="Where an answer says whether the call failed, e.g. /success or /status."
    )
    failure: Scalar | list[Scalar] | None = Field(
        None, description="The value(s) there that mean the call failed (e.g. false, error)..."
    )
    success: Scalar | list[Scalar] | None = Field(
        None,
        description="...or the value(s) that mean it succeeded: any other value there is a "
        "failure. An answer without the pointer is never a failure.",
    )
    code: Pointer | None = Field(
        None,
        description="Where the application's error code is (what a rule's `code` matches), "
        "e.g. /error/code.",
    )
    message: list[Pointer] = Field(
        default_factory=list,
        description="Where the application's message is, tried before the usual places when "
        "a rule names none.",
    )

    @property
    def values(self) -> list[Scalar]:
        chosen = self.failure if self.failure is not None else self.success
        return chosen if isinstance(chosen, list) else [] if chosen is None else [chosen]

    @model_validator(mode="after")
    def _one_side(self) -> ErrorEnvelope:
        if (self.failure is None) == (self.success is None):
            raise ValueError(
                "say which values at the pointer mean failure (`failure: false`) or, when every "
                "answer carries it, which mean success (`success: ok`); give one of the two"
            )
        if not self.values:
            side = "failure" if self.failure is not None else "success"
            raise Problem(f"{side} needs at least one value", side)
        return self


class ErrorRule(_Model):
    status: int | list[int] | None = Field(
        None, description="The HTTP status, or statuses, this rule is about."
    )
    code: Code | list[Code] | None = Field(
        None,
        description="The application's error code(s) this rule is about, read at "
        "errorEnvelope.code: in a 200 that says it failed, or in an error status.",
    )
    match: str | None = Field(
        None, description="A regular expression searched in the answer's body."
    )
    means: Meaning
    message: list[Pointer] = Field(
        default_factory=list,
        description="Where the application's own message is in the JSON body (carried into "
        "the SCIM error's detail, which admins read in Entra's provisioning logs).",
    )

    @property
    def statuses(self) -> set[int]:
        if self.status is None:
            return set()
        return set(self.status) if isinstance(self.status, list) else {self.status}

    @property
    def codes(self) -> set[str] | None:
        """The codes as text (1062 and "1062" are one code); None: any answer's."""
        if self.code is None:
            return None
        listed = self.code if isinstance(self.code, list) else [self.code]
        return {c if isinstance(c, str) else str(c) for c in listed}

    @model_validator(mode="after")
    def _valid(self) -> ErrorRule:
        if self.status is None and self.code is None and self.match is None:
            raise ValueError(
                "say which answers this rule is about: `status:` (HTTP statuses 400 to 599), "
                "`code:` (the application's error code, at errorEnvelope.code) or `match:`"
            )
        if any(s < 400 or s > 599 for s in self.statuses):
            raise Problem(
                "error rules are about statuses 400 to 599; for a 200 that says it failed, "
                "describe it in errorEnvelope and match its code with `code:`",
                "status",
            )
        if self.codes is not None and not self.codes:
            raise Problem("code needs at least one code", "code")
        if self.match is not None:
            try:
                re.compile(self.match)
            except re.error as exc:
                raise ValueError(f"match is not a regular expression: {exc}") from None
            if self.means == "retryable":
                raise ValueError("retryable rules go by status or code only; remove `match`")
        handled = sorted(self.statuses & {401, 429})
        if handled:
            # The HTTP client answers these before any rule is read: a rule here would load
            # and never apply.
            listed = " and ".join(str(s) for s in handled)
            raise Problem(
                f"{listed} cannot be given a meaning: 401 and 429 are always handled (a 401 "
                "re-reads the credentials once, then is a 503 naming them; a 429 waits for "
                f"Retry-After or the rate-limit reset); remove {listed} from status",
                "status",
            )
        return self


# -- attributes -----------------------------------------------------------------------------


class Attribute(_Model):
    pointer: Pointer = Field(description="Where the value is in the application's record.")
    type: Literal["string", "integer", "number", "boolean"] = "string"
    map: dict[str, Scalar] | None = Field(
        None, description="Connector value → application value (both ways; one to one)."
    )
    case: Literal["lower", "upper"] | None = Field(
        None, description="Written in this case (send it so from Entra to keep round trips)."
    )
    default: Scalar | None = Field(None, description="Written on create when no value is given.")

    @model_validator(mode="after")
    def _one_to_one(self) -> Attribute:
        if self.map is not None:
            values = [repr(v) for v in self.map.values()]
            if len(set(values)) != len(values):
                raise ValueError("map must be one to one: two values map to the same one")
            if self.case is not None:
                raise ValueError("use either map or case, not both")
        return self


def _attribute(value: Any) -> Any:
    return {"pointer": value} if isinstance(value, str) else value


class State(_Model):
    pointer: Pointer = Field(description="Where the enabled/disabled state is in the record.")
    enabled: Scalar | list[Scalar] = Field(
        description="The value(s) meaning enabled (the first is written)."
    )
    disabled: Scalar | list[Scalar] = Field(
        description="The value(s) meaning disabled (the first is written)."
    )
    enable: Operation | None = Field(None, description="An action that enables (else: written).")
    disable: Operation | None = Field(None, description="An action that disables.")

    @property
    def enabled_values(self) -> list[Scalar]:
        return self.enabled if isinstance(self.enabled, list) else [self.enabled]

    @property
    def disabled_values(self) -> list[Scalar]:
        return self.disabled if isinstance(self.disabled, list) else [self.disabled]

    @model_validator(mode="after")
    def _actions(self) -> State:
        if (self.enable is None) != (self.disable is None):
            raise ValueError("give both enable and disable actions, or neither")
        for action in (self.enable, self.disable):
            if action is not None:
                _only(action.path, {"id"}, "the action's path")
        if not self.enabled_values or not self.disabled_values:
            raise ValueError("enabled and disabled each need at least one value")
        return self


# -- operations -----------------------------------------------------------------------------


class Operation(_Model):
    method: Method = "GET"
    path: PathTemplate
    query: dict[str, str] = Field(default_factory=dict, description="Query parameters.")
    result: Pointer | None = Field(
        None, description="Where the record is in the answer (e.g. /data); unset: the whole body."
    )


class WriteOperation(Operation):
    method: Method = "POST"
    envelope: Pointer | None = Field(
        None, description="Where the record goes in the request body (e.g. /data)."
    )
    fixed: dict[Pointer, Any] = Field(
        default_factory=dict,
        alias="set",
        description="Fixed values placed in every body, by pointer.",
    )
    content_type: str | None = Field(None, description="The body's media type.")

    @model_validator(mode="after")
    def _fixed_json(self) -> WriteOperation:
        # YAML reads `.nan`, `.inf` and `2024-01-01` as values no JSON body carries: refused
        # here, not by every write that sends them.
        for where_to, value in self.fixed.items():
            try:
                dumps(value)
            except (TypeError, ValueError):
                raise ValueError(
                    f"set: {where_to} is not a JSON value ({value!r}): write a number, or quote "
                    "it to send text"
                ) from None
        return self


class UpdateOperation(WriteOperation):
    method: Method = "PATCH"
    style: Literal["merge-patch", "partial", "json-patch", "replace"] = Field(
        "merge-patch",
        description="merge-patch (RFC 7396) and partial send the changed attributes, null "
        "clears; json-patch sends RFC 6902 operations; replace reads the record, changes it and "
        "sends it whole (for PUT-only APIs).",
    )
    omit: list[Pointer] = Field(
        default_factory=list,
        description="replace: parts of the read record not to send back (read-only fields).",
    )


class DeleteOperation(Operation):
    method: Method = "DELETE"
    disable_first: bool = Field(False, description="The application deletes only disabled users.")


class Paging(_Model):
    style: Literal["page", "offset", "cursor", "next-url", "link-header", "none"] = "none"
    page_param: str = "page"
    size_param: str | None = Field(None, description="Page size parameter (limit, per_page).")
    page_size: int = Field(100, ge=1, le=1000)
    first_page: int = Field(1, ge=0)
    offset_param: str = "offset"
    cursor_param: str = "cursor"
    next_cursor: Pointer | None = Field(None, description="cursor: where the next cursor is.")
    next_url: Pointer | None = Field(None, description="next-url: where the next URL is.")
    total: Pointer | None = Field(None, description="Where the total count is, if anywhere.")

    @model_validator(mode="after")
    def _complete(self) -> Paging:
        if self.style == "cursor" and self.next_cursor is None:
            raise ValueError("cursor paging needs nextCursor: the pointer to the next cursor")
        if self.style == "next-url" and self.next_url is None:
            raise ValueError("next-url paging needs nextUrl: the pointer to the next page's URL")
        if self.style in {"page", "offset"} and self.size_param is None:
            raise ValueError(f"{self.style} paging needs sizeParam (e.g. per_page or limit)")
        used = {
            "page": {"pageParam", "firstPage", "total"},
            "offset": {"offsetParam", "total"},
            "cursor": {"cursorParam", "nextCursor"},
            "next-url": {"nextUrl"},
            "link-header": set(),
            "none": set(),
        }[self.style] | {"style", "sizeParam", "pageSize"}
        for name in self.model_fields_set:
            key = type(self).model_fields[name].alias or name
            if key not in used:
                raise ValueError(
                    f"{key} means nothing with {self.style} paging; remove it (the keys of "
                    f"{self.style} paging are {', '.join(sorted(used))})"
                )
        if "page_size" in self.model_fields_set and self.size_param is None:
            raise ValueError("pageSize is sent as sizeParam: give sizeParam too (e.g. limit)")
        return self


class ListOperation(Operation):
    paging: Paging = Field(default_factory=Paging)


class Find(_Model):
    attribute: str = Field(
        description="The connector attribute compared (an attributes key, or `active`)."
    )
    op: Literal["eq", "sw", "co"] = Field("eq", description="The comparison the app makes.")
    query: dict[str, str] = Field(
        default_factory=dict,
        description="Query parameters added to the list request; {value} is the value.",
    )
    path: PathTemplate | None = Field(
        None, description="A lookup endpoint of its own instead, e.g. /users/by-name/{value}."
    )
    result: Pointer | None = None
    escape: Escape = Field(
        "refuse",
        description="For a {value} written between quotes in the application's own filter "
        "language (`filter: 'email eq \"{value}\"'`): how the application escapes inside them. "
        'backslash: \\" and \\\\ (SCIM, Okta, most JSON-minded languages); double: the quote '
        "written twice (OData, SQL); refuse (default): a value holding the quote or a backslash "
        "is not sent, and the SCIM filter is answered 400 invalidFilter.",
    )

    @model_validator(mode="after")
    def _shape(self) -> Find:
        if (self.path is None) == (not self.query):
            raise ValueError(
                "say how the app is asked: either query parameters on the list request "
                '(`query: {username: "{value}"}`) or a lookup `path:`'
            )
        if self.path is not None:
            _only(self.path, {"value"}, "the find path")
        for name, template in self.query.items():
            _only(template, {"value"}, f"query parameter {name}")
        if "escape" in self.model_fields_set and not any(
            quote is not None for template in self.templates() for quote in quotes(template)
        ):
            raise Problem(
                "escape is for a {value} written between quotes in the application's filter "
                "language, e.g. `filter: 'email eq \"{value}\"'`; this find has none (a value "
                "that is the whole parameter or path segment is sent as it is): remove escape",
                "escape",
            )
        return self

    def templates(self) -> list[str]:
        """Where this find writes `{value}`: its lookup path or its query parameters."""
        return [self.path] if self.path is not None else list(self.query.values())


class Users(_Model):
    id: Pointer = Field(description="Where the record's id is (numbers become strings in SCIM).")
    anchor: str = Field(description="The attribute that is the anchor (Schema.xml IsAnchor).")
    created: Pointer | None = Field(None, description="Creation time, for meta.created.")
    last_modified: Pointer | None = Field(None, description="For meta.lastModified.")
    attributes: dict[str, Attribute] = Field(
        description="Connector attribute (mapping.json's names) → where it is in the record: a "
        "pointer, or the attribute's pointer, type and transforms."
    )
    state: State | None = Field(
        None, description="How enabled/disabled is read and changed; unset: always enabled."
    )
    get: Operation
    listing: ListOperation = Field(alias="list")
    find: list[Find] = Field(default_factory=list)
    create: WriteOperation
    update: UpdateOperation
    delete: DeleteOperation

    @model_validator(mode="before")
    @classmethod
    def _short_attributes(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("attributes"), dict):
            data = {
                **data,
                "attributes": {k: _attribute(v) for k, v in data["attributes"].items()},
            }
        return data

    @model_validator(mode="after")
    def _coherent(self) -> Users:
        for name in self.attributes:
            if not _ATTRIBUTE.fullmatch(name):
                raise Problem(
                    f"attribute name {name!r}: letters, digits and _ only", "attributes", name
                )
        if self.anchor not in self.attributes:
            raise Problem(f"the anchor {self.anchor!r} must be one of the attributes", "anchor")
        for op, where in ((self.get, "get"), (self.update, "update"), (self.delete, "delete")):
            _only(op.path, {"id"}, f"{where}.path", where, "path")
            if "id" not in placeholders(op.path):
                raise Problem(
                    f"{where}.path must contain {{id}}, e.g. /users/{{id}}", where, "path"
                )
        _only(self.listing.path, set(), "list.path", "list", "path")
        _only(self.create.path, set(), "create.path", "create", "path")
        names = set(self.attributes) | {"active"}
        for i, find in enumerate(self.find):
            if find.attribute not in names:
                raise Problem(
                    f"find on {find.attribute!r}: not an attribute; use one of {sorted(names)}",
                    "find",
                    i,
                    "attribute",
                )
            if find.attribute == "active" and self.state is None:
                raise Problem("find on active needs a state: section", "find", i, "attribute")
            spec = self.attributes.get(find.attribute)
            textual = spec is not None and spec.type == "string" and not spec.map
            if find.op != "eq" and not textual:
                raise Problem(
                    f"find on {find.attribute!r} with op {find.op}: sw and co only work on "
                    "string attributes without a map",
                    "find",
                    i,
                    "op",
                )
        if not any(f.attribute == self.anchor and f.op == "eq" for f in self.find):
            raise Problem(
                f"add a find with `attribute: {self.anchor}` (op eq): Entra matches users by "
                "their anchor before creating them",
                "find",
            )
        if self.delete.disable_first and self.state is None:
            raise Problem("delete.disableFirst needs a state: section", "delete", "disableFirst")
        if self.update.style == "replace" and self.update.method not in {"PUT", "POST", "PATCH"}:
            raise Problem("a replace update is sent with PUT (or POST/PATCH)", "update", "method")
        return self


class MemberOperation(WriteOperation):
    """Add or remove members: one per call (`{member}` in the path), or in batches (`ids`)."""

    ids: Pointer | None = Field(
        None,
        description="Batches: where the list of user ids goes in the body (e.g. /account_ids "
        "inside the envelope); unset: one member per call, named by {member} in the path.",
    )
    batch: int = Field(1, ge=1, le=1000, description="Batches: at most this many ids per call.")
    id_type: Literal["string", "integer"] = Field(
        "string", description="How the application writes user ids in batch bodies."
    )

    @model_validator(mode="after")
    def _shape(self) -> MemberOperation:
        names = placeholders(self.path)
        if self.ids is None:
            _only(self.path, {"id", "member"}, "a member path")
            if "member" not in names:
                raise ValueError(
                    "one member per call needs {member} in the path, e.g. "
                    "/groups/{id}/members/{member}; or give `ids:` for batches"
                )
            if self.batch != 1:
                raise ValueError("batch needs `ids:`, where the list of ids goes in the body")
        else:
            _only(self.path, {"id"}, "a batch member path")
        if "id" not in names:
            raise ValueError("a member path needs {id}, the group's id")
        return self


class Members(_Model):
    listing: ListOperation = Field(
        alias="list", description="The group's members ({id} is the group's id)."
    )
    member: Pointer = Field(
        "", description="Where the user id is in one listed member (unset: it is the entry)."
    )
    add: MemberOperation
    remove: MemberOperation

    @model_validator(mode="after")
    def _paths(self) -> Members:
        _only(self.listing.path, {"id"}, "members.list.path")
        return self


class Groups(_Model):
    id: Pointer = Field(description="Where the group's id is.")
    name: Pointer = Field(description="Where the group's name (SCIM displayName) is.")
    external_id: Pointer | None = Field(
        None, description="Where SCIM's externalId is kept, if the application has a place."
    )
    created: Pointer | None = None
    last_modified: Pointer | None = None
    get: Operation
    listing: ListOperation = Field(alias="list")
    find: list[Find] = Field(default_factory=list)
    create: WriteOperation
    update: UpdateOperation
    delete: DeleteOperation
    members: Members

    @model_validator(mode="after")
    def _coherent(self) -> Groups:
        for op, where in ((self.get, "get"), (self.update, "update"), (self.delete, "delete")):
            _only(op.path, {"id"}, f"groups.{where}.path")
            if "id" not in placeholders(op.path):
                raise ValueError(f"groups.{where}.path must contain {{id}}, e.g. /groups/{{id}}")
        _only(self.listing.path, set(), "groups.list.path")
        _only(self.create.path, set(), "groups.create.path")
        names = {"name"} | ({"externalId"} if self.external_id else set())
        for find in self.find:
            if find.attribute not in names or find.op != "eq":
                raise ValueError(
                    f"groups are found by {' or '.join(sorted(names))} with op eq, "
                    f"not {find.attribute} {find.op}"
                )
        if not any(f.attribute == "name" for f in self.find):
            raise ValueError(
                "add a find with `attribute: name`: Entra matches groups by displayName"
            )
        if self.delete.disable_first:
            raise ValueError("groups have no disabled state: remove disableFirst")
        return self


class Description(_Model):
    """A REST application as the connector sees it."""

    name: str = Field(description="How messages name the application.")
    connection: Connection
    auth: Auth
    rate_limit: RateLimit = Field(default_factory=RateLimit)
    error_envelope: ErrorEnvelope | None = Field(
        None,
        description="How an answer with a success status says the call failed, for "
        "applications that answer errors with 200; unset: a 2xx answer is a success.",
    )
    errors: list[ErrorRule] = Field(
        default_factory=list, description="Checked in order before the defaults."
    )
    users: Users
    groups: Groups | None = Field(
        None, description="The application's groups, if the connector is to provision them."
    )

    @model_validator(mode="after")
    def _codes_have_a_place(self) -> Description:
        if self.error_envelope is not None and self.error_envelope.code is not None:
            return self
        for i, rule in enumerate(self.errors):
            if rule.code is not None:
                raise Problem(
                    f"errors[{i}] matches a code, but nothing says where the application's "
                    "code is: add `errorEnvelope:` with `code:` (its pointer, e.g. /error/code)",
                    "errors",
                    i,
                    "code",
                )
        return self

    def secrets(self) -> list[tuple[str, tuple[str, ...]]]:
        """(secret name, where it is in the description) for every secret named."""
        auth = self.auth
        if isinstance(auth, BasicAuth):
            return [(auth.password_secret, ("auth", "passwordSecret"))]
        if isinstance(auth, ApiKeyAuth | BearerAuth):
            return [(auth.secret, ("auth", "secret"))]
        if isinstance(auth, OAuth2Auth):
            named: list[tuple[str, tuple[str, ...]]] = [
                (auth.client_secret, ("auth", "clientSecret"))
            ]
            if auth.client_id_secret is not None:
                named.append((auth.client_id_secret, ("auth", "clientIdSecret")))
            return named
        return []


State.model_rebuild()
