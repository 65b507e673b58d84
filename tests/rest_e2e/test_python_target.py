"""TARGET=python:<module>:<factory>: the sample flat-file target (samples/python_target) served
end to end, and the factory errors an admin can make."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from endpoint.harness import ROOT, connector, new_user, patch

from connector.http.runtime import ConfigurationError, build_runtime

SAMPLE = ROOT / "samples" / "python_target"
ENV = {
    "TARGET": "python:flatfile:create_target",
    "SCHEMA_MAPPING_PATH": str(SAMPLE / "mapping.json"),
}


@pytest.fixture
def on_path() -> Iterator[None]:
    sys.path.insert(0, str(SAMPLE))
    try:
        yield
    finally:
        sys.path.remove(str(SAMPLE))
        sys.modules.pop("flatfile", None)


def _file(path: Path) -> dict[str, dict[str, object]]:
    data: dict[str, dict[str, object]] = json.loads(path.read_text())
    return data


@pytest.mark.usefixtures("on_path")
def test_the_sample_target_serves_entra(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    users = tmp_path / "users.json"
    monkeypatch.setenv("FLATFILE_PATH", str(users))
    with connector({**ENV, "FLATFILE_PATH": str(users)}) as server:
        import httpx

        with httpx.Client(
            base_url=f"{server.url}/api/scim/v2",
            headers={"Authorization": "Bearer scim-bearer-token-for-tests"},
        ) as scim:
            created = scim.post("/Users", json=new_user("ada@example.com", title="Countess"))
            assert created.status_code == 201, created.text
            user_id = created.json()["id"]
            assert _file(users)[user_id]["profile"] == {
                "login": "ada@example.com",
                "firstName": "ada",
                "lastName": "Tester",
                "email": "ada@example.com",
                "title": "Countess",
            }
            found = scim.get("/Users", params={"filter": 'userName eq "ADA@example.com"'})
            assert [r["id"] for r in found.json()["Resources"]] == [user_id]
            assert scim.get("/Users", params={"filter": 'title sw "C"'}).status_code == 400
            off = scim.patch(
                f"/Users/{user_id}",
                json=patch({"op": "replace", "path": "active", "value": False}),
            )
            assert off.json()["active"] is False
            assert _file(users)[user_id]["active"] is False
            assert scim.post("/Users", json=new_user("ADA@example.com")).status_code == 409
            assert scim.delete(f"/Users/{user_id}").status_code == 204
            assert _file(users) == {}
            assert scim.get(f"/Users/{user_id}").status_code == 404


@pytest.mark.parametrize(
    ("target", "fragment"),
    [
        ("python:no_such_module_here:create_target", "cannot import no_such_module_here"),
        ("python:flatfile:no_such_factory", "has no function no_such_factory(context)"),
    ],
)
@pytest.mark.usefixtures("on_path")
def test_a_factory_that_cannot_be_found_is_a_configuration_error(
    target: str, fragment: str
) -> None:
    with pytest.raises(ConfigurationError, match=fragment.replace("(", r"\(").replace(")", r"\)")):
        build_runtime({**ENV, "TARGET": target, "SCIM_BEARER_TOKEN": "x" * 20})
