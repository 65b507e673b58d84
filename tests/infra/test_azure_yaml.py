"""azure.yaml carries what azd needs to provision infra/ and deploy the function app.

The schema below is written for this project from azd's documented rules (project name pattern,
a service's project/language/host); it is not azd's published schema.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from ._bicep import REPO_ROOT, all_resources

AZURE_YAML = REPO_ROOT / "azure.yaml"

SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["name", "services"],
    "properties": {
        "name": {"type": "string", "minLength": 2, "pattern": "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"},
        "infra": {
            "type": "object",
            "properties": {
                "provider": {"enum": ["bicep", "terraform"]},
                "path": {"type": "string", "minLength": 1},
                "module": {"type": "string", "minLength": 1},
            },
        },
        "services": {
            "type": "object",
            "minProperties": 1,
            "additionalProperties": {
                "type": "object",
                "required": ["project", "host"],
                "properties": {
                    "project": {"type": "string", "minLength": 1},
                    "language": {
                        "enum": ["dotnet", "csharp", "fsharp", "py", "python", "js", "ts", "java"]
                    },
                    "host": {"type": "string", "minLength": 1},
                    "remoteBuild": {"type": "boolean"},
                },
            },
        },
        # azd hooks: a hook name -> {shell, run} or per-OS {posix: {...}, windows: {...}}.
        "hooks": {
            "type": "object",
            "propertyNames": {"pattern": "^(pre|post)(provision|deploy|up|down|package|restore)$"},
            "additionalProperties": {
                "type": "object",
                "properties": {
                    "posix": {"$ref": "#/$defs/hook"},
                    "windows": {"$ref": "#/$defs/hook"},
                    "shell": {"enum": ["sh", "pwsh"]},
                    "run": {"type": "string", "minLength": 1},
                },
            },
        },
    },
    "$defs": {
        "hook": {
            "type": "object",
            "required": ["shell", "run"],
            "properties": {
                "shell": {"enum": ["sh", "pwsh"]},
                "run": {"type": "string", "minLength": 1},
            },
        }
    },
}


def errors(document: Any) -> list[str]:
    validator = jsonschema.Draft202012Validator(SCHEMA)
    return sorted(e.message for e in validator.iter_errors(document))


@pytest.fixture(scope="module")
def project() -> dict[str, Any]:
    document = yaml.safe_load(AZURE_YAML.read_text())
    assert isinstance(document, dict)
    return document


def test_azure_yaml_is_valid(project: dict[str, Any]) -> None:
    assert errors(project) == []


def test_api_service_is_a_python_function_app(project: dict[str, Any]) -> None:
    assert list(project["services"]) == ["api"]
    api = project["services"]["api"]
    assert api["project"] == "."
    assert api["language"] == "python"
    assert api["host"] == "function"
    project_dir = (AZURE_YAML.parent / api["project"]).resolve()
    assert project_dir == REPO_ROOT
    # The remote build installs the runtime requirements from the project folder.
    assert (project_dir / "requirements.txt").is_file()


def test_infra_points_at_main_bicep(project: dict[str, Any]) -> None:
    infra = project.get("infra", {})
    folder = REPO_ROOT / infra.get("path", "infra")
    module = infra.get("module", "main")
    assert infra.get("provider", "bicep") == "bicep"
    assert (folder / f"{module}.bicep").is_file()
    assert (folder / f"{module}.parameters.json").is_file()


def test_service_name_matches_the_tagged_function_app(project: dict[str, Any]) -> None:
    tagged = [
        r.tags["azd-service-name"]
        for r in all_resources()
        if "tags" in r.config and "azd-service-name" in r.tags
    ]
    assert tagged == list(project["services"])


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({"name": "Entra_SCIM", "services": {}}, "does not match"),
        ({"name": "scim-", "services": {"api": {"project": "."}}}, "does not match"),
        ({"name": "scim", "services": {"api": {"project": "."}}}, "'host' is a required property"),
        ({"services": {"api": {"project": ".", "host": "function"}}}, "'name' is a required"),
        (
            {"name": "scim", "services": {"api": {"project": ".", "host": "x", "language": "go"}}},
            "is not one of",
        ),
        (
            {
                "name": "scim",
                "services": {"api": {"project": ".", "host": "function"}},
                "hooks": {"postprovision": {"posix": {"shell": "bash", "run": "x.sh"}}},
            },
            "'bash' is not one of ['sh', 'pwsh']",
        ),
        (
            {
                "name": "scim",
                "services": {"api": {"project": ".", "host": "function"}},
                "hooks": {"afterprovision": {"shell": "sh", "run": "x.sh"}},
            },
            "does not match",
        ),
    ],
)
def test_schema_rejects_broken_projects(document: dict[str, Any], message: str) -> None:
    problems = errors(document)
    assert any(message in p for p in problems), problems


def test_project_file_path_is_the_repository_root() -> None:
    assert Path(AZURE_YAML).parent == REPO_ROOT
