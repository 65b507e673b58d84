"""docs/deploy-to-azure.md names only outputs, secrets and parameters that the templates have."""

from __future__ import annotations

import re

from connector.settings import SETTINGS

from ._bicep import MAIN_BICEP, REPO_ROOT, declared, parse

DOC = REPO_ROOT / "docs" / "deploy-to-azure.md"


def test_azd_values_in_the_doc_are_template_outputs() -> None:
    text = DOC.read_text()
    outputs = set(parse(MAIN_BICEP)["outputs"])
    used = set(re.findall(r"azd env get-value (\w+)", text))
    used |= set(re.findall(r"`((?:AZURE|SCIM|SERVICE)_[A-Z_]+)`", text))
    used -= {"AZURE_PRINCIPAL_ID", "AZURE_PRINCIPAL_TYPE"}  # inputs, not outputs
    used -= {s.name for s in SETTINGS}  # app settings the doc also names
    assert used, "the doc reads azd outputs"
    assert used <= outputs, used - outputs


def test_doc_sets_the_vault_secrets_by_their_names() -> None:
    text = DOC.read_text()
    for name in ("okta-api-token", "scim-bearer-token", "scim-bearer-token-previous"):
        assert f"--name {name} --value" in text, name
    assert "relay-send-key" in text
    assert "az relay hyco authorization-rule keys list" in text
    assert "azd down --purge" in text


def test_doc_names_the_relay_rules_the_templates_create() -> None:
    text = DOC.read_text()
    variables = parse(MAIN_BICEP)["variables"]
    for variable in ("relaySendRuleName", "relayListenRuleName"):
        assert variables[variable]["value"] in text
    assert len(declared("Microsoft.Relay/namespaces/hybridConnections/authorizationRules")) == 2


def test_doc_parameters_exist() -> None:
    text = DOC.read_text()
    params = parse(MAIN_BICEP)["parameters"]
    for name in re.findall(r'"(\w+)": \{"value"', text):
        assert name in params, name
    for name in ("keyVaultSoftDeleteRetentionInDays", "maximumInstanceCount", "instanceMemoryMB"):
        assert name in params
        assert name in text
    retention = params["keyVaultSoftDeleteRetentionInDays"]["default"]
    assert f"soft-deleted for {retention} days" in text
