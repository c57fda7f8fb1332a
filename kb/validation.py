"""Pydantic's validation errors as this project reports bad input: the field's path, such as
`messages[0].body`, and a message a person can act on."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, StrictInt, StrictStr, ValidationError
from pydantic_core import ErrorDetails

# A character that shows: anything Python's str.isspace() calls a space is not one. Written out,
# so the OpenAPI document's patterns (ECMA regex, where \s differs) say exactly what is checked.
VISIBLE = r"[^\t\n\x0b\x0c\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"
# Text without NUL that shows something: what a query or a ticket's text must be.
SHOWING_TEXT = r"^[^\x00]*" + VISIBLE.replace("[^", "[^\x00", 1) + r"[^\x00]*$"
# Text a store can keep: no NUL (PostgreSQL refuses it). A lone surrogate never gets this far:
# pydantic refuses it as not Unicode (kb.limits.text_problem says the same of other input).
StoredText = Annotated[StrictStr, Field(pattern=r"^[^\x00]*$")]


def _integral(value: Any) -> Any:
    """JSON's 5.0 is the integer 5 (JSON Schema says so too); 5.5 stays a float and fails."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


# A whole number in a JSON body: not "5", not true, but 5 or 5.0.
WholeNumber = Annotated[StrictInt, BeforeValidator(_integral)]


def field_path(location: Iterable[Any]) -> str:
    """("messages", 0, "body") -> "messages[0].body"; a RootModel's "root" is left out."""
    path = ""
    for part in location:
        if part == "root" and not path:
            continue
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path


def describe(error: ErrorDetails) -> str:
    """One pydantic error as a message that names no internals."""
    kind, context, value = error["type"], error.get("ctx") or {}, error.get("input")
    if kind == "missing":
        return "is required"
    if kind == "string_unicode":
        return "must be valid Unicode (it holds a lone surrogate)"
    if kind == "string_pattern_mismatch" and isinstance(value, str) and "\x00" in value:
        return "must not contain a NUL character"
    if kind == "literal_error":
        return f"must be one of {context.get('expected', '')}".replace("'", "")
    if kind in ("string_type", "str_type"):
        return "must be text"
    if kind == "bool_type":
        return "must be true or false"
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return "must be a whole number"
    if kind == "list_type":
        return "must be a list"
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return "must be an object"
    message = str(error["msg"])
    return message[:1].lower() + message[1:]


def first_problem(invalid: ValidationError) -> tuple[str, str]:
    """(field path, message) of the first thing wrong."""
    error = invalid.errors(include_url=False)[0]
    return field_path(error["loc"]), describe(error)
