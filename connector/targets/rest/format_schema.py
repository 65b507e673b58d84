"""The description format as a JSON Schema, for editor completion and checking.

`description.schema.json` next to this module is generated from the format's models; a test
keeps it current. Regenerate with `python -m connector.targets.rest.format_schema`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .description import Description

SCHEMA_FILE = Path(__file__).with_name("description.schema.json")


def format_schema() -> dict[str, Any]:
    schema = Description.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "Entra SCIM connector: REST application description"
    # An attribute may also be written as just its pointer (`login: /username`).
    users = schema["$defs"]["Users"]["properties"]["attributes"]
    users["additionalProperties"] = {
        "anyOf": [users["additionalProperties"], {"type": "string", "pattern": "^(/.*)?$"}]
    }
    # What the models check in code and an editor can check too: a rule says which answers
    # it is about, and an error envelope says which values mean failure, or success.
    defs = schema["$defs"]
    defs["ErrorRule"]["anyOf"] = [{"required": [key]} for key in ("status", "code", "match")]
    defs["ErrorEnvelope"]["oneOf"] = [{"required": ["failure"]}, {"required": ["success"]}]
    return schema


def render() -> str:
    return json.dumps(format_schema(), indent=2, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    SCHEMA_FILE.write_text(render(), encoding="utf-8")
