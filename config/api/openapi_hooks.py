"""drf-spectacular postprocessing: responses every operation of a kind can give, whatever its view declares."""

from config.api.dialects import NETWORK_PREFIX, SERVITLY_PREFIX


def _error_component(path: str) -> str:
    if path.startswith(NETWORK_PREFIX):
        return "NetworkErrorOutput"
    if path.startswith(SERVITLY_PREFIX):
        return "ServitlyErrorOutput"
    return "OrganizationErrorOutput"


def document_payload_too_large(result, generator, request, public):
    """Every operation that reads a body may answer 413 (over DATA_UPLOAD_MAX_MEMORY_SIZE), in its dialect's shape."""
    schemas = result.get("components", {}).get("schemas", {})
    for path, operations in result.get("paths", {}).items():
        component = _error_component(path)
        for operation in operations.values():
            if not isinstance(operation, dict) or "requestBody" not in operation or component not in schemas:
                continue
            operation.setdefault("responses", {}).setdefault(
                "413",
                {
                    "description": "Request body too large",
                    "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{component}"}}},
                },
            )
    return result
