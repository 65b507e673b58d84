"""connector/settings.py: the app's own files named by a relative path are found inside the
package, whatever directory the worker was started in (on Azure that is the host's choice)."""

from __future__ import annotations

from pathlib import Path

import pytest

from connector.settings import APP_ROOT, Settings

FILES = {
    "TARGET_DESCRIPTION": ("target_description", "samples/legacyapp/description.yaml"),
    "SCHEMA_XML_PATH": ("schema_xml_path", "samples/legacyapp/Schema.xml"),
    "SCHEMA_MAPPING_PATH": ("schema_mapping_path", "samples/legacyapp/mapping.json"),
}

# Settings that take every one of FILES.
REST = {"TARGET": "rest", "TARGET_DESCRIPTION": FILES["TARGET_DESCRIPTION"][1]}


def test_the_app_root_holds_the_function_app() -> None:
    assert (APP_ROOT / "function_app.py").is_file()


@pytest.mark.parametrize("name", list(FILES))
def test_a_relative_path_is_inside_the_package_from_any_working_directory(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    field, relative = FILES[name]
    monkeypatch.chdir(tmp_path)
    found = getattr(Settings.from_env({**REST, name: relative}), field)
    assert found == APP_ROOT / relative
    assert found.is_file()


@pytest.mark.parametrize("name", list(FILES))
def test_an_absolute_path_is_kept(name: str, tmp_path: Path) -> None:
    field, _ = FILES[name]
    settings = Settings.from_env({**REST, name: str(tmp_path / "x")})
    assert getattr(settings, field) == tmp_path / "x"
