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


# What schemathesis found (make test-api-contract), each kept as a test of its own.


def test_a_method_not_allowed_names_the_allowed_ones(client) -> None:
    response = client.delete("/api/v1/search?q=refund")
    assert response.status_code == 405 and response.is_json
    assert set(response.headers["Allow"].replace(" ", "").split(",")) >= {"GET"}


def test_an_analytics_answer_keeps_the_names_its_schema_gives(client) -> None:
    from tests.helpers import ADMIN_KEY, auth  # noqa: PLC0415

    body = client.get("/api/v1/analytics/summary", headers=auth(ADMIN_KEY)).get_json()
    assert {"from", "to", "summary"} <= set(body)


def test_json_whole_numbers_may_be_written_as_5_point_0_but_not_as_text(client) -> None:
    from tests.helpers import AGENT_KEY, auth  # noqa: PLC0415

    ticket = {"subject": "Refund", "body": "I want my money back"}
    for limit, status in ((3.0, 200), (3.5, 400), ("3", 400), (True, 400)):
        response = client.post(
            "/api/v1/suggest", json={**ticket, "limit": limit}, headers=auth(AGENT_KEY)
        )
        assert response.status_code == status, limit
    numbered = {"id": 42.0, "messages": [{"author": "customer", "body": "help"}]}
    stored = client.post("/api/v1/tickets", json=numbered, headers=auth(AGENT_KEY))
    assert stored.status_code == 200
    negative = client.post("/api/v1/tickets", json={**numbered, "id": -1}, headers=auth(AGENT_KEY))
    assert negative.status_code == 400 and negative.get_json()["error"]["field"] == "id"


def test_text_that_shows_nothing_is_refused_as_the_schema_says(client) -> None:
    from tests.helpers import AGENT_KEY, auth  # noqa: PLC0415

    for nothing in ("\x1c\x1d", "\u3000 ", "\t"):
        response = client.get("/api/v1/search", query_string={"q": nothing})
        assert response.status_code == 400 and response.get_json()["error"]["field"] == "q"
        empty = client.post("/api/v1/suggest", json={"body": nothing}, headers=auth(AGENT_KEY))
        assert empty.status_code == 400
