"""The published documents: the OpenAPI description and the dossier JSON Schema."""

import re

import jsonschema
import pytest

from tests.helpers import EXAMPLE_NAMES, example


def test_openapi_documents_every_api_route_with_problem_json_errors(client, app):
    spec = client.get("/api/v1/openapi.json").json

    documented = {path for path in spec["paths"]}
    routed = {
        re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1/") and rule.rule != "/api/v1/openapi.json"
    }
    assert routed <= documented
    assert spec["openapi"].startswith("3.1")
    problem = spec["components"]["responses"]["UNPROCESSABLE_ENTITY"]["content"]
    assert list(problem) == ["application/problem+json"]


def test_dossier_schema_is_valid_json_schema_and_accepts_the_examples(client):
    schema = client.get("/api/v1/schemas/dossier.json").json

    jsonschema.Draft202012Validator.check_schema(schema)
    for name in EXAMPLE_NAMES:
        jsonschema.validate(example(name), schema)


@pytest.mark.parametrize(
    "change",
    [
        lambda d: d["suppliers"][0].update(colour="red"),
        lambda d: d["materials"][0].update(origin="moon"),
        lambda d: d.update(format="something/else"),
        lambda d: d.pop("product"),
    ],
)
def test_dossier_schema_refuses_what_the_importer_refuses(client, change):
    schema = client.get("/api/v1/schemas/dossier.json").json
    document = example("rendang-ok")
    change(document)

    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(document, schema)


def test_created_records_link_to_reading_and_changing_them(client):
    """Every declared link resolves to a documented operation whose path takes the parameter it fills."""
    spec = client.get("/api/v1/openapi.json").get_json()
    links = [
        (path, link)
        for path, item in spec["paths"].items()
        for op in item.values()
        if isinstance(op, dict)
        for response in op.get("responses", {}).values()
        for link in response.get("links", {}).values()
    ]
    assert {path for path, _ in links} >= {
        "/api/v1/suppliers",
        "/api/v1/lots",
        "/api/v1/steps",
        "/api/v1/batches",
        "/api/v1/businesses",
    }
    for _, link in links:
        target_path, method = link["operationRef"].removeprefix("#/paths/").rsplit("/", 1)
        target = target_path.replace("~1", "/").replace("~0", "~")
        assert method in spec["paths"][target]
        (parameter,) = link["parameters"]
        assert "{" + parameter + "}" in target
        assert link["parameters"][parameter] == "$response.body#/id"


def test_every_ref_resolves_once_the_document_is_saved_elsewhere(client):
    """A ``$ref`` is local to the document or an absolute URL under the public address that answers a schema."""
    spec = client.get("/api/v1/openapi.json").get_json()

    def refs(node):
        if isinstance(node, dict):
            if isinstance(node.get("$ref"), str):
                yield node["$ref"]
            for value in node.values():
                yield from refs(value)
        elif isinstance(node, list):
            for value in node:
                yield from refs(value)

    found = set(refs(spec))
    external = {ref for ref in found if not ref.startswith("#/")}
    assert external == {"https://trace.test/api/v1/schemas/dossier.json"}
    for ref in external:
        answer = client.get(ref.removeprefix("https://trace.test"))
        assert answer.status_code == 200
        jsonschema.Draft202012Validator.check_schema(answer.get_json())
    for ref in found - external:
        target = spec
        for part in ref.removeprefix("#/").split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        assert isinstance(target, dict)
