"""drf-spectacular postprocessing: responses every operation of a kind can give, whatever its view declares."""

from config.api.dialects import NETWORK_PREFIX, SERVITLY_PREFIX


def _error_component(path: str) -> str:
    if path.startswith(NETWORK_PREFIX):
        return "NetworkErrorOutput"
    if path.startswith(SERVITLY_PREFIX):
        return "ServitlyErrorOutput"
    return "OrganizationErrorOutput"


def _document_everywhere(result, status: str, description: str, *, needs_body: bool) -> dict:
    """Adds `status` in the dialect's error shape to every operation (only those reading a body when `needs_body`)
    that does not document it already."""
    schemas = result.get("components", {}).get("schemas", {})
    for path, operations in result.get("paths", {}).items():
        component = _error_component(path)
        for operation in operations.values():
            if not isinstance(operation, dict) or component not in schemas:
                continue
            if needs_body and "requestBody" not in operation:
                continue
            operation.setdefault("responses", {}).setdefault(
                status,
                {
                    "description": description,
                    "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{component}"}}},
                },
            )
    return result


def document_payload_too_large(result, generator, request, public):
    """Every operation that reads a body may answer 413 (over DATA_UPLOAD_MAX_MEMORY_SIZE), in its dialect's shape."""
    return _document_everywhere(result, "413", "Request body too large", needs_body=True)


def document_bad_request(result, generator, request, public):
    """Every operation may answer 400 before its view runs: a request Django refuses outright (an invalid `Host`
    header), answered in the dialect's shape by `config.views.bad_request`."""
    return _document_everywhere(result, "400", "Bad request", needs_body=False)
