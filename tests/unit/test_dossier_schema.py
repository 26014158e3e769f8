"""The dossier's JSON Schema as generated from its marshmallow schema, without the HTTP layer."""

import json

from traceability.formats.dossier import FORMAT
from traceability.formats.dossier_schema import SCHEMA_ID, dossier_json_schema


def refs(node: object) -> set[str]:
    if isinstance(node, dict):
        return {node["$ref"]} if "$ref" in node else set().union(*(refs(v) for v in node.values()))
    if isinstance(node, list):
        return set().union(*(refs(v) for v in node))
    return set()


def test_the_schema_names_itself_and_pins_the_format():
    schema = dossier_json_schema()

    assert list(schema)[:4] == ["$schema", "$id", "title", "description"]
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert (schema["$id"], schema["title"]) == (SCHEMA_ID, FORMAT)
    assert schema["properties"]["format"] == {"type": "string", "enum": [FORMAT], "const": FORMAT}
    assert schema["required"] == ["business", "format", "product"]
    assert schema["additionalProperties"] is False


def test_every_reference_points_into_defs_and_every_def_is_named_without_schema():
    schema = dossier_json_schema()

    assert "#/components/schemas/" not in json.dumps(schema)
    assert {ref.removeprefix("#/$defs/") for ref in refs(schema)} == set(schema["$defs"])
    assert not any(name.endswith("Schema") for name in schema["$defs"])


def test_sections_carry_their_item_limit_and_records_their_limits():
    schema = dossier_json_schema()

    assert schema["properties"]["lots"] == {
        "type": "array",
        "maxItems": 20_000,
        "items": {"$ref": "#/$defs/DossierLot"},
    }
    lot = schema["$defs"]["DossierLot"]
    assert lot["required"] == ["id", "lot_code", "material", "received_on", "supplier"]
    assert lot["properties"]["certificate"] == {
        "type": ["string", "null"],
        "default": None,
        "minLength": 1,
        "maxLength": 100,
    }
    assert lot["additionalProperties"] is False


def test_the_schema_is_built_once():
    assert dossier_json_schema() is dossier_json_schema()
