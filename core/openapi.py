"""The API schema's shared corrections (drf-spectacular post-processing hooks)."""

from typing import Any

ERROR_SCHEMA = {
    "type": "object",
    "description": (
        'An error: {"detail": "..."} or, for invalid input, the messages by field '
        '({"field": ["..."]}).'
    ),
    "additionalProperties": {},
}
ERRORS = {
    "400": "Invalid input.",
    "401": "Not signed in (no valid token or session).",
    "403": "Signed in, but this role or person may not do this.",
    "404": "No such object at this council (or not visible to you).",
    "429": "Too many requests: try again later.",
}
METHODS = {"get", "post", "put", "patch", "delete"}
# Object ids are PostgreSQL integers, never negative.
ID_RANGE = {"minimum": 0, "maximum": 2**31 - 1}


def add_error_responses(result: dict[str, Any], generator, request, public) -> dict[str, Any]:
    """Every operation documents the errors every view can answer with (the core exception
    handler's 400, 403 and 429, authentication's 401, and 404 where the path names an object),
    so a client, or a fuzzer checking conformance, knows them; ids in paths get their range."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            if method not in METHODS:
                continue
            for parameter in operation.get("parameters", []):
                schema = parameter.get("schema", {})
                if parameter.get("in") == "path" and schema.get("type") == "integer":
                    schema.update(ID_RANGE)
            responses = operation.setdefault("responses", {})
            for code, description in ERRORS.items():
                if code == "404" and "{" not in path:
                    continue
                responses.setdefault(
                    code,
                    {
                        "description": description,
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}
                        },
                    },
                )
    return result
