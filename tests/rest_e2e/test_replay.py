"""Entra's request sequences against the REST target and the Ledgerline HR sandbox, in both
PATCH dialects, with the application's state checked after each."""

from __future__ import annotations

import httpx
import pytest
from endpoint.harness import BEARER

from .harness import ledgerline_stack
from .sequences import SEQUENCES

MODES = [pytest.param(False, id="default"), pytest.param(True, id="aadOptscim062020")]


@pytest.mark.parametrize("flag", MODES)
@pytest.mark.parametrize("name", list(SEQUENCES))
async def test_sequence_against_ledgerline(name: str, flag: bool) -> None:
    with ledgerline_stack() as rest:
        async with httpx.AsyncClient(
            base_url=rest.tenant_url,
            headers={"Authorization": f"Bearer {BEARER}"},
            params={"aadOptscim062020": ""} if flag else None,
            timeout=60,
        ) as scim:
            await SEQUENCES[name](scim, rest.app, flag)
