"""docs/deploy-to-azure.md names only outputs, secrets and parameters that the templates have."""

from __future__ import annotations

import json
import re

from ._bicep import AZD_PLACEHOLDER, MAIN_BICEP, MAIN_PARAMETERS, REPO_ROOT, declared, parse
from ._settings import SETTINGS, admin_settings

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


# Set by azd itself (azd env new, the location prompt, the signed-in user).
AZD_OWN = {"AZURE_ENV_NAME", "AZURE_LOCATION", "AZURE_PRINCIPAL_ID"}


def test_doc_lists_every_value_that_survives_azd_provision() -> None:
    text = DOC.read_text()
    document = json.loads(MAIN_PARAMETERS.read_text())
    variables = set()
    for entry in document["parameters"].values():
        match = AZD_PLACEHOLDER.match(str(entry["value"]))
        if match:
            variables.add(match.group("name"))
    assert set(admin_settings()) <= variables
    for name in sorted(variables - AZD_OWN):
        assert f"| `{name}` |" in text, f"{name} is not in the doc's settings table"
    assert "azd env set" in text
    assert "lost at the next `azd provision`" in " ".join(text.split())


def test_doc_shows_the_scale_arithmetic_of_the_defaults() -> None:
    params = parse(MAIN_BICEP)["parameters"]
    on_demand = params["maximumInstanceCount"]["default"]
    always_ready = params["alwaysReadyInstanceCount"]["default"]
    per_instance = params["oktaMaxConcurrency"]["default"]
    product = (on_demand + always_ready) * per_instance
    line = f"({on_demand} + {always_ready}) × {per_instance} = {product} ≤ 75"
    assert line in DOC.read_text()


def test_doc_describes_the_postprovision_hook_and_the_secret_order() -> None:
    text = DOC.read_text()
    assert "infra/hooks/postprovision.sh" in text
    assert "azd hooks run postprovision" in text
    steps = [text.index(f"**`{name}`**") for name in ("scim-bearer-token", "okta-api-token")]
    steps.append(text.index("**`relay-send-key`**"))
    assert steps == sorted(steps), "the secrets are described in the order to set them"
    assert "read -rs OKTA_TOKEN" in text
