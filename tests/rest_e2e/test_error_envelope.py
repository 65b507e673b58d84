"""Ledgerline in its legacy answer style (every refusal a 200 with `"success": false`), served
by the sample description with an `errorEnvelope` and its rules said by code: Entra's user and
group sequences pass exactly as against the documented statuses, application state checked.
Without the envelope described, the same answers are taken for successes: a duplicate create
is answered 201 with the other user, which is what `errorEnvelope` is for."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from endpoint.harness import BEARER, new_user

from legacyapp import SandboxOptions

from .group_sequences import GROUP_SEQUENCES
from .harness import API_KEY, SAMPLE, ledgerline_stack
from .sequences import SEQUENCES
from .test_groups import teams

LEGACY = SandboxOptions(api_key=API_KEY, errors_with_200=True)

# The sample's rules (by status, and a pattern in the body) said by Ledgerline's codes.
ENVELOPED = """errorEnvelope:
  pointer: /success
  failure: false
  code: /error/code
  message: [/error/message, /error/fields]

errors:
  - code: invalid_state
    match: already
    means: already-done
  - code: conflict
    means: conflict
  - code: validation_failed
    means: rejected
  - code: not_found
    means: not-found
  - code: not_a_member
    means: already-done

users:"""


def enveloped(tmp_path: Path) -> Path:
    text = (SAMPLE / "description.yaml").read_text(encoding="utf-8")
    start, end = text.index("\nerrors:\n") + 1, text.index("\nusers:\n") + len("\nusers:")
    path = tmp_path / "description.yaml"
    path.write_text(text[:start] + ENVELOPED + text[end:], encoding="utf-8")
    return path


def scim(tenant_url: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        base_url=tenant_url, headers={"Authorization": f"Bearer {BEARER}"}, timeout=60
    )


@pytest.mark.parametrize("name", list(SEQUENCES))
async def test_user_sequence_against_legacy_answers(name: str, tmp_path: Path) -> None:
    with ledgerline_stack(LEGACY, TARGET_DESCRIPTION=str(enveloped(tmp_path))) as rest:
        async with scim(rest.tenant_url) as client:
            await SEQUENCES[name](client, rest.app, False)


@pytest.mark.parametrize("name", list(GROUP_SEQUENCES))
async def test_group_sequence_against_legacy_answers(name: str, tmp_path: Path) -> None:
    with ledgerline_stack(LEGACY, TARGET_DESCRIPTION=str(enveloped(tmp_path))) as rest:
        assert rest.sandbox is not None
        async with scim(rest.tenant_url) as client:
            await GROUP_SEQUENCES[name](client, teams(rest.sandbox), False)


async def test_a_refusal_reaches_entra_in_the_applications_words(tmp_path: Path) -> None:
    with ledgerline_stack(LEGACY, TARGET_DESCRIPTION=str(enveloped(tmp_path))) as rest:
        async with scim(rest.tenant_url) as client:
            first = await client.post("/Users", json=new_user("kim@example.com"))
            assert first.status_code == 201, first.text
            user_id = first.json()["id"]
            taken = await client.post("/Users", json=new_user("KIM@example.com"))
            assert taken.status_code == 409
            assert taken.json()["scimType"] == "uniqueness"
            assert "username 'KIM@example.com' is already taken" in taken.json()["detail"]
            bad = await client.patch(
                f"/Users/{user_id}",
                json={
                    "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                    "Operations": [
                        {
                            "op": "replace",
                            "path": 'emails[type eq "work"].value',
                            "value": "not-an-email",
                        }
                    ],
                },
            )
            assert bad.status_code == 400, bad.text
            assert "email: must be an email address" in bad.json()["detail"]
    assert rest.app.user("kim@example.com").record["email"] == "kim@example.com"


async def test_without_the_envelope_described_a_refused_create_looks_done() -> None:
    # The sample, which knows only statuses, against the legacy answers: the duplicate's 200 is
    # a success with no record, so the connector reads back by the anchor and finds the other.
    with ledgerline_stack(LEGACY) as rest:
        async with scim(rest.tenant_url) as client:
            first = await client.post("/Users", json=new_user("lee@example.com"))
            again = await client.post("/Users", json=new_user("LEE@example.com"))
            assert (first.status_code, again.status_code) == (201, 201)
            assert again.json()["id"] == first.json()["id"]
    assert rest.app.logins() == ["lee@example.com"]
