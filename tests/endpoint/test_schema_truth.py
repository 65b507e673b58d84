"""What `/Schemas` advertises is true of every answer: the server's own schemas validate the
users it returns, and a value they would refuse is refused on every write path (core and
ECMA2Host alike), changing nothing."""

from __future__ import annotations

from typing import Any, Union

import httpx
import pytest
from scim2_models import Context, Extension, Resource, Schema

from .harness import CORE, ECMA, Stack, new_user, patch


def _model(scim: httpx.Client) -> type[Resource[Any]]:
    documents = scim.get("/Schemas").json()["Resources"]
    schemas = {d["id"]: Schema.model_validate(d) for d in documents}
    core = Resource.from_schema(schemas[CORE])
    extensions = tuple(
        Extension.from_schema(s) for urn, s in schemas.items() if ":extension:" in urn
    )
    model: type[Resource[Any]] = core[Union[extensions]]  # type: ignore[index]  # noqa: UP007
    return model


def _valid(model: type[Resource[Any]], answer: httpx.Response) -> dict[str, Any]:
    assert answer.status_code in {200, 201}, answer.text
    body: dict[str, Any] = answer.json()
    model.model_validate(body, scim_ctx=Context.RESOURCE_QUERY_RESPONSE)
    return body


def test_answers_validate_against_the_servers_own_schemas(okta_stack: Stack) -> None:
    with okta_stack.client() as scim:
        model = _model(scim)
        core = new_user("core.url@example.com", profileUrl="https://example.com/people/core")
        created = _valid(model, scim.post("/Users", json=core))
        via_ecma = new_user("ecma.url@example.com", **{ECMA: {"profileUrl": "mailto:e@x.test"}})
        other = _valid(model, scim.post("/Users", json=via_ecma))
        assert other["profileUrl"] == "mailto:e@x.test"
        _valid(model, scim.get(f"/Users/{created['id']}"))
        listed = scim.get("/Users").json()["Resources"]
        for user in listed:
            model.model_validate(user, scim_ctx=Context.RESOURCE_QUERY_RESPONSE)


@pytest.mark.parametrize(
    "value", ["not a url", "example.com/people/ada", "https://exa mple.com", "https://x.test/%zz"]
)
def test_a_profile_url_that_is_no_url_is_refused_on_every_path(
    okta_stack: Stack, value: str
) -> None:
    with okta_stack.client() as scim:
        refused = [
            scim.post("/Users", json=new_user("a@example.com", profileUrl=value)),
            scim.post("/Users", json=new_user("b@example.com", **{ECMA: {"profileUrl": value}})),
        ]
        kept = scim.post("/Users", json=new_user("c@example.com", profileUrl="https://x.test/c"))
        user_id = kept.json()["id"]
        body = scim.get(f"/Users/{user_id}").json()
        body["profileUrl"] = value
        refused += [
            scim.patch(
                f"/Users/{user_id}",
                json=patch({"op": "replace", "path": "profileUrl", "value": value}),
            ),
            scim.patch(
                f"/Users/{user_id}",
                json=patch({"op": "replace", "path": f"{ECMA}:profileUrl", "value": value}),
            ),
            scim.patch(
                f"/Users/{user_id}",
                json=patch({"op": "replace", "value": {ECMA: {"profileUrl": value}}}),
            ),
            scim.put(f"/Users/{user_id}", json=body),
        ]
        for answer in refused:
            assert answer.status_code == 400, answer.text
            assert answer.json()["scimType"] == "invalidValue"
            assert "profileUrl must be an absolute URL" in answer.json()["detail"]
    assert [u["profile"]["login"] for u in okta_stack.okta_users()] == ["c@example.com"]
    assert okta_stack.okta_user("c@example.com")["profile"]["profileUrl"] == "https://x.test/c"
