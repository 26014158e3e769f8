"""The dossier's JSON Schema (draft 2020-12), generated from the marshmallow schema that validates it,
so the published schema and the validator cannot disagree."""

from __future__ import annotations

import functools
import json
from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin

from traceability.formats.dossier import FORMAT, DossierSchema

__all__ = ["SCHEMA_ID", "dossier_json_schema"]

SCHEMA_ID = "https://halal-trace.example/schemas/dossier.json"


@functools.cache
def dossier_json_schema() -> dict[str, Any]:
    """Return the JSON Schema of ``halal-trace/dossier@1``."""
    plugin = MarshmallowPlugin(schema_name_resolver=lambda schema: _name(schema))
    spec = APISpec(title="dossier", version="1", openapi_version="3.1.0", plugins=[plugin])
    spec.components.schema("Dossier", schema=DossierSchema)
    components = spec.to_dict()["components"]["schemas"]
    text = json.dumps(components).replace("#/components/schemas/", "#/$defs/")
    defs = json.loads(text)
    root = defs.pop("Dossier")
    root["properties"]["format"]["const"] = FORMAT
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": FORMAT,
        "description": "One product and everything needed to assess it (halal-trace DESIGN section 6).",
        **root,
        "$defs": defs,
    }


def _name(schema: Any) -> str:
    cls = schema if isinstance(schema, type) else type(schema)
    return cls.__name__.removesuffix("Schema")
