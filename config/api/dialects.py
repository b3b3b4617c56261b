"""The API dialects' error bodies (DESIGN.md §2). Each renders the same normalised `ApiError`.

- network (`/api/network/...`): `{"error", "name", "requestId"}`, validation 400;
- organization (`/api/v1/...`): `{"detail": [{"loc", "msg", "type", "code"}]}`, validation 422;
- servitly (`/api/servitly/...`, seed 001's partner resource): `{"message"}`, validation 400.
"""

import re

from django.http import JsonResponse

from config.errors import ApiError, FieldError

NETWORK_PREFIX = "/api/network/"
SERVITLY_PREFIX = "/api/servitly/"
API_PREFIX = "/api/"

# The network dialect's `name` for errors that have no more specific domain code.
_NETWORK_NAMES = {
    400: "InvalidRequestError",
    401: "AuthenticationError",
    403: "PermissionDeniedError",
    404: "NotFoundError",
    405: "MethodNotAllowedError",
    406: "NotAcceptableError",
    409: "ConflictError",
    413: "PayloadTooLargeError",
    415: "UnsupportedMediaTypeError",
    422: "UnprocessableEntityError",
    429: "RateLimitError",
    500: "InternalServerError",
}

_ORG_TYPES = {
    400: "bad_request",
    401: "not_authenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "unprocessable_entity",
    429: "rate_limited",
    500: "internal_error",
}


class Dialect:
    """How one API dialect renders an `ApiError`: the status of validation errors and the body."""

    name: str
    validation_status: int

    def body(self, error: ApiError, request_id: str) -> dict:
        raise NotImplementedError

    def error_response(self, *, status: int, message: str, request_id: str) -> JsonResponse:
        return self.render(ApiError(status=status, message=message), request_id)

    def render(self, error: ApiError, request_id: str) -> JsonResponse:
        response = JsonResponse(self.body(error, request_id), status=error.status)
        for key, value in error.headers.items():
            response[key] = value
        return response


class NetworkDialect(Dialect):
    """`{"error": "<message>", "name": "<ErrorName>", "requestId": "<id>"}`; a 400 may add `details`."""

    name = "network"
    validation_status = 400

    def body(self, error: ApiError, request_id: str) -> dict:
        body = {
            "error": error.message,
            "name": error.code or _NETWORK_NAMES.get(error.status, "Error"),
            "requestId": request_id,
        }
        if error.errors:
            body["details"] = [{"field": self.field_name(e), "message": e.msg, "code": e.code} for e in error.errors]
        return body

    @staticmethod
    def field_name(e: FieldError) -> str:
        """`clientDisputeWindowMinutes`, `amount.quantity`, `permissions.0`; the source when it is the whole input."""
        path = e.path if e.wire_names else [_camel(p) if isinstance(p, str) else p for p in e.path]
        return ".".join(str(p) for p in path) or e.source


class OrganizationDialect(Dialect):
    """`{"detail": [{"loc": [...], "msg": "...", "type": "...", "code": "..."}]}`; validation is 422."""

    name = "organization"
    validation_status = 422

    def body(self, error: ApiError, request_id: str) -> dict:
        if error.errors:
            return {"detail": [self._item(e) for e in error.errors]}
        kind = _ORG_TYPES.get(error.status, "error")
        code = _snake(error.code) if error.code else kind
        return {"detail": [{"loc": [], "msg": error.message, "type": kind, "code": code}]}

    @staticmethod
    def _item(e: FieldError) -> dict:
        return {"loc": [e.source, *e.path], "msg": e.msg, "type": _pydantic_type(e.code), "code": e.code}


# Organization API clients were written against a pydantic-style API; keep its `type` vocabulary.
_PYDANTIC_TYPES = {
    "required": "missing",
    "null": "missing",
    "blank": "string_too_short",
    "min_length": "string_too_short",
    "max_length": "string_too_long",
    "max_value": "less_than_equal",
    "min_value": "greater_than_equal",
    "invalid_choice": "enum",
    "not_a_list": "list_type",
    "not_a_dict": "dict_type",
    "json_invalid": "json_invalid",
    "invalid_uuid": "uuid_parsing",
    "max_string_length": "int_parsing_size",
}


class ServitlyDialect(Dialect):
    """Seed 001's `{"message": "..."}`. The statuses the seed documents keep its exact messages (typo included: a
    client may match on them); validation is 400 with a message naming each failing field by its wire name
    (`customerCount`, `organization.id`, `properties.foo`)."""

    name = "servitly"
    validation_status = 400
    MESSAGES = {
        401: "User not authenticated",
        403: "User not authorized",
        404: "Resource not found",
        429: "API call rate limit exeeded",
        500: "Internal Server Error",
    }

    def body(self, error: ApiError, request_id: str) -> dict:
        if error.status in self.MESSAGES:
            return {"message": self.MESSAGES[error.status]}
        if error.errors:
            return {"message": " ".join(self._describe(e) for e in error.errors)}
        return {"message": error.message}

    @classmethod
    def _describe(cls, e: FieldError) -> str:
        name = NetworkDialect.field_name(e) if e.path else ""
        msg = e.msg if e.msg.endswith((".", "!", "?")) else f"{e.msg}."
        return f"{name}: {msg}" if name else msg


def _camel(name: str) -> str:
    """client_dispute_window_minutes → clientDisputeWindowMinutes (names already in camelCase stay as they are)."""
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _pydantic_type(code: str) -> str:
    return _PYDANTIC_TYPES.get(code, "value_error")


NETWORK = NetworkDialect()
ORGANIZATION = OrganizationDialect()
SERVITLY = ServitlyDialect()


def dialect_for_path(path: str) -> Dialect | None:
    """The dialect that owns a URL path, or None for non-API paths (pages, admin)."""
    if path.startswith(NETWORK_PREFIX):
        return NETWORK
    if path.startswith(SERVITLY_PREFIX):
        return SERVITLY
    if path.startswith(API_PREFIX):
        return ORGANIZATION
    return None
