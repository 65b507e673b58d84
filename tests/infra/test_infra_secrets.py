"""No secret leaves the deployment: outputs, parameter defaults and app settings stay clean, and
the only key read from a resource (the Relay Send key) goes straight into Key Vault."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ._bicep import bicep_files, looks_secret, parse, relative, top_level_declarations

BICEP_FILES = bicep_files()

# list*() functions return keys or connection strings (listKeys, listSecrets, ...).
LIST_CALL = re.compile(r"\blist[A-Za-z]*\s*\(")
CREDENTIAL_TEXT = re.compile(
    r"connectionstring|primarykey|secondarykey|SharedAccessSignature|AccountKey=|SSWS |BEGIN ",
    re.IGNORECASE,
)
VAULT_SECRET = re.compile(r"^resource\s+\w+\s+'Microsoft\.KeyVault/vaults/secrets@", re.IGNORECASE)


@pytest.mark.parametrize(
    ("name", "secret"),
    [
        ("AZURE_KEY_VAULT_NAME", False),
        ("keyVaultName", False),
        ("SCIM_TENANT_URL", False),
        ("relaySendKey", True),
        ("okta_api_token", True),
        ("APPLICATIONINSIGHTS_CONNECTION_STRING", True),
        ("applicationInsightsConnectionString", True),
        ("relaySendKeySecretName", False),
        ("AZURE_RELAY_LISTEN_RULE_NAME", False),
        ("listenKey", True),
        ("adminPassword", True),
        ("storageSecret", True),
        ("secretsCacheTtlSeconds", False),
        ("SECRETS_MAX_STALE_SECONDS", False),
    ],
)
def test_secret_name_detection(name: str, secret: bool) -> None:
    assert looks_secret(name) == secret


@pytest.mark.parametrize("path", BICEP_FILES, ids=relative)
def test_no_output_carries_a_secret(path: Path) -> None:
    for name in parse(path).get("outputs", {}):
        assert not looks_secret(name), f"{relative(path)}: output {name}"
    for text in top_level_declarations(path, "output_declaration"):
        assert not LIST_CALL.search(text), f"{relative(path)}: {text}"
        assert not CREDENTIAL_TEXT.search(text), f"{relative(path)}: {text}"


@pytest.mark.parametrize("path", BICEP_FILES, ids=relative)
def test_no_parameter_default_carries_a_secret(path: Path) -> None:
    for name, param in parse(path).get("parameters", {}).items():
        default = param["default"]
        secure = any(d["type"] == "secure" for d in param["decorators"])
        if looks_secret(name) or secure:
            assert default is None, f"{relative(path)}: parameter {name} has a default"
        if isinstance(default, str):
            assert not CREDENTIAL_TEXT.search(default), f"{relative(path)}: {name}"


@pytest.mark.parametrize("path", BICEP_FILES, ids=relative)
def test_keys_are_only_read_into_key_vault_secrets(path: Path) -> None:
    for kind in ("resource_declaration", "module_declaration", "variable_declaration"):
        for text in top_level_declarations(path, kind):
            if LIST_CALL.search(text):
                assert VAULT_SECRET.match(text), (
                    f"{relative(path)}: key read outside the vault:\n{text}"
                )


def test_the_vault_secret_is_not_written_from_a_parameter() -> None:
    # Secret values are never parameters: the only template-written secret comes from listKeys.
    for path in BICEP_FILES:
        for text in top_level_declarations(path, "resource_declaration"):
            if VAULT_SECRET.match(text):
                assert LIST_CALL.search(text), text
