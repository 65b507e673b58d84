"""Every resource declaration in infra/ type-checks against Bicep's own type definitions.

The real templates must have no problem at all; mutated copies of them (in a temporary folder)
must each be reported with the file, the line and the path of the broken property. The rules
themselves are described in ``_bicep_types``; the data's source in ``bicep_types/README.md``.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from ._bicep import INFRA_DIR, REPO_ROOT, bicep_files
from ._bicep_ast import declarations
from ._bicep_types import DATA_DIR, Problem, check_files, type_data, type_references
from .bicep_types.regenerate import Source, build, extract


def test_the_real_templates_have_no_type_problem() -> None:
    problems = check_files(bicep_files())
    assert problems == [], "\n" + "\n".join(str(p) for p in problems)


def test_type_data_holds_exactly_the_types_the_templates_use() -> None:
    used = type_references(bicep_files())
    held = set(type_data().references)
    assert used - held == set(), "run tests/infra/bicep_types/regenerate.py (see its README)"
    assert held - used == set(), "stale type data: regenerate to drop what is no longer used"


def test_every_declaration_is_found_including_children() -> None:
    found = {(d.symbol, d.type) for path in bicep_files() for d in declarations(path)}
    assert ("functionApp", "Microsoft.Web/sites") in found
    assert ("appSettings", "Microsoft.Web/sites/config") in found
    assert ("deploymentContainer", "Microsoft.Storage/storageAccounts/blobServices/containers") in (
        found
    )
    assert ("sendKeySecret", "Microsoft.KeyVault/vaults/secrets") in found
    assert len(found) >= 17


def test_readme_names_the_source_commit_and_every_path() -> None:
    readme = (DATA_DIR / "README.md").read_text(encoding="utf-8")
    data = type_data()
    assert data.source["repository"] == "https://github.com/Azure/bicep-types-az"
    assert data.source["commit"] in readme
    for reference in data.references:
        entry = data.resource(*reference.split("@"))
        assert entry is not None
        assert f"| `{reference}` | `{entry.path}` |" in readme


# --- Mutations of the real templates -----------------------------------------------------------


@dataclass(frozen=True)
class Mutation:
    file: str  # under infra/
    old: str
    new: str
    marker: str  # text on the line the problem must point at
    path: str  # property path the problem must name
    message: str  # part of the message


MUTATIONS = {
    "misspelt-instanceMemoryMB": Mutation(
        "app/api.bicep",
        "instanceMemoryMB: instanceMemoryMB",
        "instanceMemoryMb: instanceMemoryMB",
        "instanceMemoryMb:",
        "properties.functionAppConfig.scaleAndConcurrency.instanceMemoryMb",
        "unknown property (did you mean 'instanceMemoryMB'?)",
    ),
    "plural-instanceMemoryMBs": Mutation(
        "app/api.bicep",
        "instanceMemoryMB: instanceMemoryMB",
        "instanceMemoryMBs: instanceMemoryMB",
        "instanceMemoryMBs:",
        "properties.functionAppConfig.scaleAndConcurrency.instanceMemoryMBs",
        "unknown property",
    ),
    "api-version-that-does-not-exist": Mutation(
        "app/api.bicep",
        "'Microsoft.Web/sites@2024-04-01' = {",
        "'Microsoft.Web/sites@2024-04-02' = {",
        "Microsoft.Web/sites@2024-04-02",
        "",
        "API version '2024-04-02' does not exist for Microsoft.Web/sites",
    ),
    "storage-sku-not-a-sku": Mutation(
        "core/storage.bicep",
        "name: 'Standard_LRS'",
        "name: 'Standard_XYZ'",
        "Standard_XYZ",
        "sku.name",
        "'Standard_XYZ' is not one of 'Standard_LRS'",
    ),
    "storage-sku-without-name": Mutation(
        "core/storage.bicep",
        "sku: {\n    name: 'Standard_LRS'\n  }",
        "sku: {}",
        "sku: {}",
        "sku",
        "required property 'name' is missing",
    ),
    "read-only-property-set": Mutation(
        "core/storage.bicep",
        "accessTier: 'Hot'",
        "accessTier: 'Hot'\n    provisioningState: 'Succeeded'",
        "provisioningState:",
        "properties.provisioningState",
        "read-only property is set",
    ),
    "bool-written-as-string": Mutation(
        "core/storage.bicep",
        "allowSharedKeyAccess: false",
        "allowSharedKeyAccess: 'false'",
        "allowSharedKeyAccess:",
        "properties.allowSharedKeyAccess",
        "expected bool, got string 'false'",
    ),
    "closed-enum-broken": Mutation(
        "core/storage.bicep",
        "publicAccess: 'None'",
        "publicAccess: 'Private'",
        "publicAccess:",
        "properties.publicAccess",
        "'Private' is not one of 'Container', 'Blob', 'None'",
    ),
    "unknown-property-in-an-array-item": Mutation(
        "app/api.bicep",
        "name: 'http'",
        "nam: 'http'",
        "nam: 'http'",
        "properties.functionAppConfig.scaleAndConcurrency.alwaysReady[0].nam",
        "unknown property (did you mean 'name'?)",
    ),
    "unknown-property-in-siteConfig": Mutation(
        "app/api.bicep",
        "http20Enabled: true",
        "http2Enabled: true",
        "http2Enabled:",
        "properties.siteConfig.http2Enabled",
        "unknown property (did you mean 'http20Enabled'?)",
    ),
    "int-parameter-into-a-string": Mutation(
        "app/api.bicep",
        "minTlsVersion: '1.2'",
        "minTlsVersion: maximumInstanceCount",
        "minTlsVersion:",
        "properties.siteConfig.minTlsVersion",
        "expected string, got int",
    ),
    "app-setting-through-a-variable": Mutation(
        "app/api.bicep",
        "AzureWebJobsStorage__credential: 'managedidentity'",
        "AzureWebJobsStorage__credential: 5",
        "AzureWebJobsStorage__credential:",
        "properties.AzureWebJobsStorage__credential",
        "expected string, got int 5",
    ),
    "child-config-that-does-not-exist": Mutation(
        "app/api.bicep",
        "name: 'appsettings'",
        "name: 'appsetting'",
        "name: 'appsetting'",
        "name",
        "'appsetting' is not one of 'appsettings'",
    ),
    "role-assignment-without-principal": Mutation(
        "core/keyvault.bicep",
        "  properties: {\n    principalId: appPrincipalId\n    principalType: 'ServicePrincipal'\n"
        "    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', "
        "keyVaultSecretsUser)",
        "  properties: { // no principal\n    principalType: 'ServicePrincipal'\n"
        "    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', "
        "keyVaultSecretsUser)",
        "// no principal",
        "properties",
        "required property 'principalId' is missing",
    ),
    "log-alert-field-read-through-the-loop": Mutation(
        "core/alerts.bicep",
        "    severity: 2\n",
        "    severity: '2'\n",
        "severity: '2'",
        "properties.severity",
        "expected int, got string '2'",
    ),
    "metric-alert-criteria-variant": Mutation(
        "core/alerts.bicep",
        "'odata.type': 'Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria'",
        "'odata.type': 'Microsoft.Azure.Monitor.SingleResource'",
        "'odata.type'",
        "properties.criteria.odata.type",
        "'Microsoft.Azure.Monitor.SingleResource' is not one of",
    ),
    "diagnostic-setting-without-workspace-id": Mutation(
        "core/keyvault.bicep",
        "workspaceId: logAnalyticsWorkspaceId",
        "workspace: logAnalyticsWorkspaceId",
        "workspace: logAnalyticsWorkspaceId",
        "properties.workspace",
        "unknown property (did you mean 'workspaceId'?)",
    ),
    "existing-resource-with-a-body": Mutation(
        "core/relay.bicep",
        "name: keyVaultName\n}",
        "name: keyVaultName\n  location: 'westeurope'\n}",
        "location: 'westeurope'",
        "location",
        "an existing resource takes only name, scope and parent",
    ),
    "child-with-the-wrong-parent": Mutation(
        "core/relay.bicep",
        "  parent: hybridConnection\n  name: sendRuleName",
        "  parent: namespace\n  name: sendRuleName",
        "resource sendRule",
        "parent",
        "parent namespace is Microsoft.Relay/namespaces, not "
        "Microsoft.Relay/namespaces/hybridConnections",
    ),
}


def _mutate(tmp_path: Path, mutation: Mutation) -> tuple[list[Problem], int]:
    copy = tmp_path / "infra"
    shutil.copytree(INFRA_DIR, copy)
    target = copy / mutation.file
    text = target.read_text(encoding="utf-8")
    assert text.count(mutation.old) >= 1, f"{mutation.file} no longer contains {mutation.old!r}"
    text = text.replace(mutation.old, mutation.new, 1)
    target.write_text(text, encoding="utf-8")
    line = next(i for i, row in enumerate(text.splitlines(), 1) if mutation.marker in row)
    return check_files(sorted(copy.rglob("*.bicep")), root=tmp_path), line


@pytest.mark.parametrize("name", list(MUTATIONS))
def test_a_broken_template_is_reported_with_file_line_and_path(tmp_path: Path, name: str) -> None:
    mutation = MUTATIONS[name]
    problems, line = _mutate(tmp_path, mutation)
    expected_file = f"infra/{mutation.file}"
    matching = [
        p
        for p in problems
        if p.file == expected_file
        and p.line == line
        and p.path == mutation.path
        and mutation.message in p.message
    ]
    assert matching, f"expected {expected_file}:{line} {mutation.path}: {mutation.message}\n" + (
        "\n".join(str(p) for p in problems)
    )
    assert str(matching[0]).startswith(f"{expected_file}:{line}: ")


def test_a_resource_at_the_wrong_scope_is_reported(tmp_path: Path) -> None:
    mutation = Mutation(
        "main.bicep",
        "resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {",
        "resource stray 'Microsoft.Storage/storageAccounts@2023-05-01' = {\n"
        "  name: 'stray${resourceToken}'\n  location: location\n  kind: 'StorageV2'\n"
        "  sku: {\n    name: 'Standard_LRS'\n  }\n}\n\n"
        "resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {",
        "resource stray",
        "",
        "cannot be deployed at subscription scope",
    )
    problems, line = _mutate(tmp_path, mutation)
    assert [str(p) for p in problems] == [
        f"infra/main.bicep:{line}: stray (Microsoft.Storage/storageAccounts@2023-05-01): "
        "cannot be deployed at subscription scope"
    ]


# --- The check on small templates of its own ---------------------------------------------------


def _check_snippet(tmp_path: Path, source: str) -> list[str]:
    path = tmp_path / "snippet.bicep"
    path.write_text(source, encoding="utf-8")
    return [f"{p.line}: {p.path}: {p.message}" for p in check_files([path], root=tmp_path)]


STORAGE = "resource st 'Microsoft.Storage/storageAccounts@2023-05-01' = {\n"


def test_both_branches_of_a_ternary_are_checked(tmp_path: Path) -> None:
    problems = _check_snippet(
        tmp_path,
        "param big bool\n"
        f"{STORAGE}  name: 'st1'\n  location: 'westeurope'\n  kind: 'StorageV2'\n"
        "  sku: {\n    name: big ? 'Premium_LRS' : 'Standard_LSR'\n  }\n}\n",
    )
    assert problems == [
        "7: sku.name: 'Standard_LSR' is not one of 'Standard_LRS', 'Standard_GRS', "
        "'Standard_RAGRS', 'Standard_ZRS', 'Premium_LRS', 'Premium_ZRS', 'Standard_GZRS', "
        "'Standard_RAGZRS' (Bicep accepts any string here; ARM checks the documented list)"
    ]


def test_allowed_values_of_a_parameter_are_checked(tmp_path: Path) -> None:
    problems = _check_snippet(
        tmp_path,
        "@allowed([\n  'Standard_LRS'\n  'Standard_LSR'\n])\nparam skuName string\n"
        f"{STORAGE}  name: 'st1'\n  location: 'westeurope'\n  kind: 'StorageV2'\n"
        "  sku: {\n    name: skuName\n  }\n}\n",
    )
    assert len(problems) == 1
    assert problems[0].startswith("11: sku.name: 'Standard_LSR' is not one of")


def test_union_of_object_variables_is_checked_entry_by_entry(tmp_path: Path) -> None:
    problems = _check_snippet(
        tmp_path,
        "param on bool\nvar base = {\n  allowBlobPublicAccess: false\n}\n"
        "var extra = on ? {} : {\n  allowSharedKeyAccess: 'no'\n}\n"
        f"{STORAGE}  name: 'st1'\n  location: 'westeurope'\n  kind: 'StorageV2'\n"
        "  sku: {\n    name: 'Standard_LRS'\n  }\n  properties: union(base, extra)\n}\n",
    )
    assert problems == ["6: properties.allowSharedKeyAccess: expected bool, got string 'no'"]


def test_expressions_of_unknown_type_are_skipped_not_guessed(tmp_path: Path) -> None:
    problems = _check_snippet(
        tmp_path,
        "param settings object\nparam names array\n"
        f"{STORAGE}  name: names[0]\n  location: settings.where\n  kind: 'StorageV2'\n"
        "  sku: settings.sku\n  properties: settings.properties ?? {}\n}\n",
    )
    assert problems == []


def test_evident_kinds_of_functions_and_resource_reads(tmp_path: Path) -> None:
    problems = _check_snippet(
        tmp_path,
        "resource id 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {\n"
        "  name: 'id1'\n  location: 'westeurope'\n}\n"
        f"{STORAGE}  name: toLower('ST1')\n  location: 'westeurope'\n  kind: 'StorageV2'\n"
        "  sku: {\n    name: 'Standard_LRS'\n  }\n  properties: {\n"
        "    allowSharedKeyAccess: empty(id.properties.clientId)\n"
        "    isHnsEnabled: id.properties.clientId\n    accessTier: length('Hot')\n  }\n}\n",
    )
    assert problems == [
        "14: properties.isHnsEnabled: expected bool, got string",
        "15: properties.accessTier: expected string, got int",
    ]


def test_nested_child_resources_get_their_full_type(tmp_path: Path) -> None:
    problems = _check_snippet(
        tmp_path,
        f"{STORAGE}  name: 'st1'\n  location: 'westeurope'\n  kind: 'StorageV2'\n"
        "  sku: {\n    name: 'Standard_LRS'\n  }\n"
        "  resource blobs 'blobServices' = {\n    name: 'default'\n"
        "    properties: {\n      isVersioningEnable: true\n    }\n  }\n}\n",
    )
    assert problems == [
        "11: properties.isVersioningEnable: unknown property (did you mean 'isVersioningEnabled'?)"
    ]


def test_an_unknown_resource_type_is_reported(tmp_path: Path) -> None:
    problems = _check_snippet(
        tmp_path, "resource x 'Microsoft.Nothing/things@2024-01-01' = {\n  name: 'x'\n}\n"
    )
    assert len(problems) == 1
    assert problems[0].startswith("1: : no type data for Microsoft.Nothing/things")


# --- The extraction script ---------------------------------------------------------------------


def test_extract_keeps_the_reachable_types_and_renumbers_them() -> None:
    types: list[dict[str, Any]] = [
        {"$type": "StringType"},
        {"$type": "BooleanType"},  # unreachable from the resource: dropped
        {
            "$type": "ObjectType",
            "name": "Body",
            "properties": {
                "name": {"type": {"$ref": "#/0"}, "flags": 1, "description": "x"},
                "description": {"type": {"$ref": "#/0"}, "flags": 0, "description": "y"},
            },
        },
        {"$type": "ResourceType", "name": "A/b@1", "body": {"$ref": "#/2"}},
    ]
    extracted = extract(types, [3])
    assert extracted["resources"] == [0]
    assert extracted["types"] == [
        {"$type": "ResourceType", "name": "A/b@1", "body": {"$ref": "#/1"}},
        {
            "$type": "ObjectType",
            "name": "Body",
            "properties": {
                "name": {"type": {"$ref": "#/2"}, "flags": 1},
                # A property called "description" stays; only description texts go.
                "description": {"type": {"$ref": "#/2"}, "flags": 0},
            },
        },
        {"$type": "StringType"},
    ]


def test_the_data_file_is_small_and_sits_next_to_its_readme() -> None:
    data_file = DATA_DIR / "types.json.gz"
    assert data_file.is_file()
    assert data_file.stat().st_size < 512 * 1024
    assert (DATA_DIR / "README.md").is_file()
    assert REPO_ROOT in data_file.parents


def test_build_finds_each_type_and_every_version_it_has(tmp_path: Path) -> None:
    # A miniature bicep-types-az checkout: two versions of one type, one of them wanted.
    def types_file(version: str) -> list[dict[str, Any]]:
        return [
            {"$type": "StringType"},
            {"$type": "ObjectType", "name": "Thing", "properties": {}},
            {
                "$type": "ResourceType",
                "name": f"Microsoft.Test/things@{version}",
                "body": {"$ref": "#/1"},
                "readableScopes": 8,
                "writableScopes": 8,
            },
        ]

    for version in ("2023-01-01", "2024-01-01"):
        folder = tmp_path / "generated" / "test" / "microsoft.test" / version
        folder.mkdir(parents=True)
        (folder / "types.json").write_text(json.dumps(types_file(version)))
    git = shutil.which("git") or "git"
    for args in (["init", "-q"], ["add", "."], ["commit", "-qm", "types"]):
        subprocess.run(  # noqa: S603 - git on a temporary folder
            [git, "-c", "user.name=t", "-c", "user.email=t@example.invalid", *args],
            cwd=tmp_path,
            check=True,
            capture_output=True,
            timeout=30,
        )
    source = Source(work_tree=tmp_path, git_dir=None, commit="HEAD")
    document = build(source, {"Microsoft.Test/things@2024-01-01"})
    assert document["source"]["commit"] == source.commit
    assert len(source.commit) == 40
    assert document["apiVersions"] == {"microsoft.test/things": ["2023-01-01", "2024-01-01"]}
    entry = document["resources"]["Microsoft.Test/things@2024-01-01"]
    assert entry["path"] == "generated/test/microsoft.test/2024-01-01/types.json"
    assert [t["$type"] for t in entry["types"]] == ["ResourceType", "ObjectType"]
    with pytest.raises(SystemExit, match="not found"):
        build(source, {"Microsoft.Test/things@2025-01-01"})
