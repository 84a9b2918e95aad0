"""OpenAPI post-processing: every operation documents the error responses it can give, in one shape."""

ERRORS_COMPONENT = {
    "type": "object",
    "description": "What was wrong, one entry per field (field is empty for a problem with the whole request).",
    "properties": {
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"field": {"type": "string"}, "problem": {"type": "string"}},
                "required": ["field", "problem"],
            },
        }
    },
    "required": ["errors"],
}

COMMON_ERRORS = {
    "401": "Not signed in, or the token is unknown, expired or revoked.",
    "403": "Signed in, but not as a member of an agency in a role.",
    "404": "Not found, or not visible to you (joinedup never confirms that a record exists).",
    "414": "The address (path and query string) is longer than 4,096 characters; nothing was looked up.",
    "429": "Too many requests from this API token in the current window: the problem names the limit, and the "
           "Retry-After header the seconds until the next window.",
}
INPUT_ERRORS = {"422": "The request body or a query parameter broke the rules: each field's problem is named."}
BODY_ERRORS = {"413": "The request body is larger than joinedup reads in one request (2.5 MiB)."}


def add_error_responses(result, generator, request, public):
    """drf-spectacular hook: add the shared Errors schema and the error responses to every operation."""
    result.setdefault("components", {}).setdefault("schemas", {})["Errors"] = ERRORS_COMPONENT
    ref = {"application/json": {"schema": {"$ref": "#/components/schemas/Errors"}}}
    for methods in result.get("paths", {}).values():
        for operation in methods.values():
            responses = operation.setdefault("responses", {})
            codes = dict(COMMON_ERRORS)
            takes_input = "requestBody" in operation or any(
                p.get("in") == "query" for p in operation.get("parameters", [])
            )
            if takes_input:
                codes.update(INPUT_ERRORS)
            if "requestBody" in operation:
                codes.update(BODY_ERRORS)
            for code, description in codes.items():
                responses.setdefault(code, {"description": description, "content": ref})
    return result
