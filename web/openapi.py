"""The JSON API declared once. Each operation names its query, body and response models
(pydantic); the same models validate the request, shape the answer and build the OpenAPI 3.1
document served at /api/v1/openapi.json, so the document cannot drift from the code.

    @operation(blueprint, "GET", "/api/v1/search", summary="Search", tag="Search",
               query=SearchParams, response=SearchResponse)
    def search(query: SearchParams) -> SearchResponse: ...
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Callable, Iterable
from typing import Any

from flask import Blueprint, g, request
from markupsafe import Markup
from pydantic import BaseModel, ValidationError
from pydantic.json_schema import models_json_schema

from kb.errors import BadRequest
from kb.validation import first_problem
from web.auth import authorise
from web.inputs import json_body
from web.schemas import ErrorResponse

REF = "#/components/schemas/{model}"
_PATH_PARAMETER = re.compile(r"<(?:[a-z]+:)?([a-z_]+)>")
# What any operation may answer besides its own errors (README, "Limits" and "Rate limits").
COMMON_ERRORS = {
    414: "The query string is over 8,000 bytes.",
    429: "Too many requests from this client; `Retry-After` says when to try again.",
    503: "No index can be served yet (`/healthz` says why).",
}
ERROR_TEXT = {
    400: "A parameter or the body is invalid; `field` names it.",
    401: "No valid API key: send `Authorization: Bearer <key>`.",
    403: "The key's role may not do this.",
    404: "No such resource.",
    409: "The resource changed meanwhile.",
    413: "The body is too large.",
}


@dataclasses.dataclass(frozen=True)
class Operation:
    """One method on one path, as the code runs it and the document describes it."""

    method: str
    rule: str  # Flask's rule, /api/v1/articles/<slug>
    summary: str
    tag: str
    response: type[BaseModel] | None  # None: an empty answer
    status: int = 200
    query: type[BaseModel] | None = None
    body: type[BaseModel] | None = None
    role: str | None = None  # the key's role it needs; None: public
    errors: tuple[int, ...] = ()
    description: str = ""
    path_schemas: tuple[tuple[str, dict[str, Any]], ...] = ()
    # Checked before the body is read, e.g. a webhook's signature (raises a KBError).
    guard: Callable[[], None] | None = None

    @property
    def path(self) -> str:
        return _PATH_PARAMETER.sub(r"{\1}", self.rule)

    @property
    def path_parameters(self) -> list[str]:
        return _PATH_PARAMETER.findall(self.rule)

    @property
    def error_statuses(self) -> list[int]:
        statuses = set(self.errors) | set(COMMON_ERRORS)
        if self.query is not None or self.body is not None:
            statuses.add(400)
        if self.body is not None:
            statuses.add(413)
        if self.role:
            statuses |= {401, 403}
        if self.path_parameters:
            statuses.add(404)
        return sorted(statuses)


OPERATIONS: list[Operation] = []
VIEWS: list[Callable] = []  # their views, which take JSON, not forms (exempt from form CSRF)


def operation(
    blueprint: Blueprint,
    method: str,
    rule: str,
    *,
    summary: str,
    tag: str,
    response: type[BaseModel] | None,
    **details: Any,
) -> Callable[[Callable], Callable]:
    """Register a view for `method rule` that receives its validated `query` and `body` models
    and returns its response model (or a (model, status) pair, or None for an empty answer)."""
    described = Operation(method, rule, summary, tag, response, **details)
    OPERATIONS.append(described)

    def decorator(view: Callable) -> Callable:
        @functools.wraps(view)
        def run(**path_values: Any):
            if described.role:
                g.principal = authorise(described.role)
            if described.guard is not None:
                described.guard()
            arguments = dict(path_values)
            if described.query is not None:
                arguments["query"] = validate(described.query, request.args.to_dict())
            if described.body is not None:
                arguments["body"] = validate(described.body, json_body())
            return answer(view(**arguments), described)

        blueprint.add_url_rule(rule, view_func=run, methods=[method])
        VIEWS.append(run)
        return run

    return decorator


def validate(model: type[BaseModel], data: Any) -> Any:
    """The data as the model (through its `parse_body` when it has one), or a 400 naming the
    first wrong field."""
    try:
        return getattr(model, "parse_body", model.model_validate)(data)
    except ValidationError as invalid:
        field, message = first_problem(invalid)
        raise BadRequest(f"{field or 'the body'} {message}", field=field or None) from None


def answer(result: Any, described: Operation):
    if result is None:
        return "", described.status if described.status != 200 else 204
    status = described.status
    if isinstance(result, tuple):
        result, status = result
    if described.response is not None and not isinstance(result, described.response):
        result = described.response.model_validate(result)
    return result.model_dump(mode="json", by_alias=True), status


def document(title: str, version: str, operations: Iterable[Operation] = ()) -> dict[str, Any]:
    """The OpenAPI 3.1 document for the registered operations."""
    operations = list(operations or OPERATIONS)
    models: set[type[BaseModel]] = {ErrorResponse}
    for op in operations:
        models |= {m for m in (op.query, op.body, op.response) if m is not None}
    ordered = sorted(models, key=lambda m: m.__name__)
    refs, definitions = models_json_schema(
        [(model, "validation") for model in ordered], ref_template=REF
    )
    schemas = dict(definitions.get("$defs", {}))
    paths: dict[str, dict[str, Any]] = {}
    for op in operations:
        paths.setdefault(op.path, {})[op.method.lower()] = _describe(op, refs)
    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": version},
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}},
        },
    }


def _describe(op: Operation, refs: dict) -> dict[str, Any]:
    path_schemas = dict(op.path_schemas)
    parameters = [
        {
            "name": name,
            "in": "path",
            "required": True,
            "schema": path_schemas.get(name, {"type": "string"}),
        }
        for name in op.path_parameters
    ]
    if op.query is not None:
        schema = op.query.model_json_schema(ref_template=REF)
        required = set(schema.get("required", []))
        for name, prop in schema.get("properties", {}).items():
            description = prop.pop("description", "")
            prop.pop("title", None)
            parameters.append(
                {"name": name, "in": "query", "required": name in required, "schema": prop}
                | ({"description": description} if description else {})
            )
    described: dict[str, Any] = {
        "operationId": op.summary.lower().replace(" ", "_").replace(",", ""),
        "summary": op.summary,
        "tags": [op.tag],
        "parameters": parameters,
        "responses": {},
    }
    if op.description:
        described["description"] = op.description
    if op.body is not None:
        described["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": refs[(op.body, "validation")]}},
        }
    if op.role:
        described["security"] = [{"bearerAuth": []}]
        described["description"] = (
            described.get("description", "") + f"\n\nNeeds a key with the {op.role} role "
            "(an admin key may do everything)."
        ).strip()
    success = str(op.status if op.response is not None or op.status != 200 else 204)
    described["responses"][success] = {"description": "Success"}
    if op.response is not None:
        described["responses"][success]["content"] = {
            "application/json": {"schema": refs[(op.response, "validation")]}
        }
    for status in op.error_statuses:
        described["responses"][str(status)] = {
            "description": ERROR_TEXT.get(status) or COMMON_ERRORS[status],
            "content": {"application/json": {"schema": refs[(ErrorResponse, "validation")]}},
        }
    return described


def schema_type(schema: dict[str, Any]) -> Markup:
    """A schema as a reader says it: "SearchHit", "array of string", "integer from 1 to 50"."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return Markup('<a href="#schema-{0}">{0}</a>').format(name)
    if "anyOf" in schema:
        return Markup(" or ").join(schema_type(option) for option in schema["anyOf"])
    if "enum" in schema:
        return Markup("one of ") + ", ".join(str(value) for value in schema["enum"])
    if "const" in schema:
        return Markup("{}").format(schema["const"])
    kind = schema.get("type", "any")
    if kind == "array":
        return Markup("array of ") + schema_type(schema.get("items", {}))
    bounds = [
        f"{word} {schema[key]}"
        for key, word in (
            ("minimum", "from"), ("maximum", "to"), ("minLength", "at least"),
            ("maxLength", "at most"),
        )
        if key in schema
    ]  # fmt: skip
    if schema.get("format"):
        bounds.insert(0, schema["format"])
    return Markup("{}").format(" ".join([str(kind), *bounds]))
