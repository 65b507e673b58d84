"""The committed JSON Schema of the format: current with the models, valid for the sample, and a
refusal of the mistakes an editor can catch."""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest
import yaml

from connector.targets.rest import format_schema

from .helpers import SAMPLE_TEXT, changed


def validator() -> jsonschema.Draft202012Validator:
    schema = format_schema.format_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def test_the_committed_schema_is_the_generated_one() -> None:
    committed = format_schema.SCHEMA_FILE.read_text(encoding="utf-8")
    assert committed == format_schema.render(), (
        "description.schema.json is out of date with the format's models; regenerate it with "
        "`python -m connector.targets.rest.format_schema`"
    )


def test_the_sample_validates() -> None:
    errors = list(validator().iter_errors(yaml.safe_load(SAMPLE_TEXT)))
    assert errors == []


def test_an_attribute_is_a_pointer_or_its_full_form() -> None:
    data: Any = yaml.safe_load(SAMPLE_TEXT)
    data["users"]["attributes"]["title"] = {"pointer": "/title", "case": "upper"}
    assert list(validator().iter_errors(data)) == []
    data["users"]["attributes"]["title"] = 7
    assert list(validator().iter_errors(data)) != []


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("  maxConcurrency: 10", "  maxConcurency: 10"),  # unknown key
        ("  get:\n    path: /accounts/{id}\n    result: /data\n", ""),  # missing operation
        ("  type: apiKey", "  type: apikey"),  # unknown auth type
        ("  resetUnit: delta-seconds", "  resetUnit: seconds"),  # not one of the choices
        ("  timeoutSeconds: 10", "  timeoutSeconds: soon"),  # wrong type
        ("    means: conflict", "    means: duplicate"),  # unknown meaning
    ],
)
def test_broken_descriptions_fail_the_schema_too(old: str, new: str) -> None:
    data = yaml.safe_load(changed(old, new))
    assert list(validator().iter_errors(data)) != []


ENVELOPE = {"pointer": "/success", "failure": False, "code": "/error/code"}


@pytest.mark.parametrize(
    ("envelope", "rule", "valid"),
    [
        (ENVELOPE, {"code": ["DUPLICATE_USER", 1062], "means": "conflict"}, True),
        (ENVELOPE, {"match": "already", "means": "already-done"}, True),
        (ENVELOPE, {"means": "rejected"}, False),  # about no answer
        (
            {"pointer": "/success", "code": "/error/code"},
            {"status": 422, "means": "rejected"},
            False,
        ),
        ({**ENVELOPE, "success": True}, {"status": 422, "means": "rejected"}, False),  # both
        ({**ENVELOPE, "failures": False}, {"status": 422, "means": "rejected"}, False),  # typo
        ({"pointer": "/returnCode", "success": 0}, {"status": 422, "means": "rejected"}, True),
    ],
)
def test_an_error_envelope_and_code_rules(
    envelope: dict[str, Any], rule: dict[str, Any], valid: bool
) -> None:
    data: Any = yaml.safe_load(SAMPLE_TEXT)
    data["errorEnvelope"] = envelope
    data["errors"].append(rule)
    assert (list(validator().iter_errors(data)) == []) is valid
