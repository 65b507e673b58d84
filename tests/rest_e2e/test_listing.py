"""A full listing against the sandbox with a page size above Ledgerline's largest: Ledgerline
lowers per_page to 100, and the connector still reads every account, by the total."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import yaml

from legacyapp import SandboxOptions

from .harness import API_KEY, SAMPLE, ledgerline_stack


def test_every_account_is_listed_when_the_application_lowers_the_page_size(
    tmp_path: Path,
) -> None:
    description = yaml.safe_load((SAMPLE / "description.yaml").read_text(encoding="utf-8"))
    description["users"]["list"]["paging"]["pageSize"] = 250
    copy = tmp_path / "description.yaml"
    copy.write_text(yaml.safe_dump(description, sort_keys=False), encoding="utf-8")
    options = SandboxOptions(api_key=API_KEY, accounts=230)
    listed: list[dict[str, Any]] = []
    with ledgerline_stack(options, TARGET_DESCRIPTION=str(copy)) as rest, rest.client() as scim:
        calls = rest.calls_during(lambda: listed.append(scim.get("/Users").json()))
    [body] = listed
    assert body["totalResults"] == 230
    # SCIM's own page holds 200 of them; the listing read all 230 to count them.
    assert [r["userName"] for r in body["Resources"]] == rest.app.logins()[:200]
    pages = [dict(parse_qsl(urlsplit(target).query)) for _, target, _ in calls]
    assert [(p["page"], p["per_page"]) for p in pages] == [("1", "250"), ("2", "250"), ("3", "250")]
