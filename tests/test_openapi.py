"""The OpenAPI document is built from the models the code validates with: every /api/v1 route
is in it, it is a valid OpenAPI 3.1 document, and its browsable page shows every operation."""

from __future__ import annotations

import re

import schemathesis

from web.openapi import OPERATIONS, schema_type


def api_routes(app) -> set[tuple[str, str]]:
    return {
        (method, re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule.rule))
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1/") and rule.rule != "/api/v1/openapi.json"
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }


def test_every_api_route_is_in_the_document(app, client) -> None:
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    documented = {(method.upper(), path) for path, ops in paths.items() for method in ops}
    assert documented == api_routes(app)


def test_the_document_is_openapi_3_1_that_schemathesis_reads(client) -> None:
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["openapi"] == "3.1.0"
    schema = schemathesis.openapi.from_dict(document)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == len(OPERATIONS) >= 13


def test_secured_operations_say_so_and_document_401_and_403(client) -> None:
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    suggest = paths["/api/v1/suggest"]["post"]
    assert suggest["security"] == [{"bearerAuth": []}]
    assert {"400", "401", "403", "413", "429"} <= set(suggest["responses"])
    search = paths["/api/v1/search"]["get"]
    assert "security" not in search
    q = next(p for p in search["parameters"] if p["name"] == "q")
    assert q["required"] and q["schema"]["maxLength"] == 1000


def test_the_browsable_reference_shows_every_operation(client) -> None:
    page = client.get("/api-docs").get_data(as_text=True)
    for op in OPERATIONS:
        assert f"<code>{op.path}</code>" in page
    assert 'href="#schema-SearchResponse"' in page


def test_schema_types_read_as_words() -> None:
    assert schema_type({"type": "integer", "minimum": 1, "maximum": 50}) == ("integer from 1 to 50")
    assert str(schema_type({"type": "array", "items": {"$ref": "#/components/schemas/X"}})) == (
        'array of <a href="#schema-X">X</a>'
    )
    assert "&lt;" in str(schema_type({"const": "<b>"}))  # text from a schema is escaped
