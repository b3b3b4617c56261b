"""One DRF exception handler for every dialect: normalise any exception to an `ApiError`, render it in the dialect of
the view that answered (`view.dialect`)."""

import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation, TooManyFieldsSent
from django.http import Http404
from rest_framework import exceptions as drf
from rest_framework.response import Response

from config.api.dialects import ORGANIZATION, dialect_for_path
from config.errors import ApiError, DomainError, FieldError, ValidationFailed
from config.logging import current_request_id

logger = logging.getLogger("config.api")
# The challenge every 401 carries (RFC 6750); the API's only scheme is Bearer.
WWW_AUTHENTICATE = 'Bearer realm="api"'


def exception_handler(exc: Exception, context: dict) -> Response:
    view, request = context.get("view"), context.get("request")
    dialect = getattr(view, "dialect", None) or dialect_for_path(request.path if request is not None else "")
    dialect = dialect or ORGANIZATION
    error = to_api_error(exc, validation_status=dialect.validation_status)
    names = getattr(view, "wire_field_names", None)
    if names and error.errors:
        error.errors = [wire_named(e, names) for e in error.errors]
    if error.status == 401:  # RFC 6750: tell the client which scheme to use
        error.headers.setdefault("WWW-Authenticate", WWW_AUTHENTICATE)
    if error.status >= 500:
        logger.error("Unhandled exception in %s", view.__class__.__name__, exc_info=exc)
    return Response(dialect.body(error, current_request_id()), status=error.status, headers=error.headers)


def to_api_error(exc: Exception, *, validation_status: int) -> ApiError:
    if isinstance(exc, ValidationFailed):
        return ApiError(status=validation_status, code=exc.code, message=exc.message, errors=exc.errors)
    if isinstance(exc, DomainError):
        return ApiError(status=exc.status, code=exc.code, message=exc.message)
    if isinstance(exc, drf.ParseError):
        errors = [FieldError((), f"Malformed request body: {exc.detail}", "json_invalid")]
        return ApiError(status=validation_status, message=errors[0].msg, errors=errors)
    if isinstance(exc, drf.ValidationError):
        errors = flatten_validation_detail(exc.detail)
        message = errors[0].msg if len(errors) == 1 else "The request is invalid."
        return ApiError(status=validation_status, message=message, errors=errors)
    if isinstance(exc, drf.Throttled):
        wait = max(1, int(exc.wait or 1))
        return ApiError(status=429, message="Too many requests.", headers={"Retry-After": str(wait)})
    if isinstance(exc, drf.APIException):
        headers = {}
        if getattr(exc, "auth_header", None):
            headers["WWW-Authenticate"] = exc.auth_header
        return ApiError(status=exc.status_code, message=_text(exc.detail), headers=headers)
    if isinstance(exc, Http404):
        return ApiError(status=404, message="Not found.")
    if isinstance(exc, DjangoPermissionDenied):
        return ApiError(status=403, message="You do not have permission to perform this action.")
    if isinstance(exc, RequestDataTooBig):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        return ApiError(status=413, message=f"The request body is larger than the {limit} bytes this API accepts.")
    if isinstance(exc, TooManyFieldsSent):
        limit = settings.DATA_UPLOAD_MAX_NUMBER_FIELDS
        return ApiError(status=validation_status, message=f"The request has more than {limit} fields.")
    if isinstance(exc, SuspiciousOperation):  # Django answers these 400 outside the API too
        return ApiError(status=400, message="Bad request.")
    return ApiError(status=500, message="Internal server error.")


def wire_named(e: FieldError, names: dict[str, tuple[str, ...]]) -> FieldError:
    """A domain error on a field whose wire name is not the dialect's usual mapping of its domain name (the view's
    `wire_field_names`, e.g. parent_organization → ("organization", "id")), renamed to its wire path."""
    if e.wire_names or not e.path or e.path[0] not in names:
        return e
    return FieldError((*names[e.path[0]], *e.path[1:]), e.msg, e.code, source=e.source, wire_names=True)


def flatten_validation_detail(detail, prefix: tuple = (), *, source: str = "body") -> list[FieldError]:
    """DRF's nested error dict/list → flat `FieldError`s with a path (("amount", "quantity")).

    The names are the serializer's, i.e. already the dialect's wire names (`wire_names=True`).
    """
    if isinstance(detail, dict):
        out: list[FieldError] = []
        for key, value in detail.items():
            path = prefix if key in ("non_field_errors", "__all__") else (*prefix, key)
            out.extend(flatten_validation_detail(value, path, source=source))
        return out
    if isinstance(detail, list):
        if all(isinstance(item, str) for item in detail):
            return [_wire_error(prefix, item, source) for item in detail]
        out = []
        for index, item in enumerate(detail):
            if item:  # DRF puts {} for list items that were fine
                out.extend(flatten_validation_detail(item, (*prefix, index), source=source))
        return out
    return [_wire_error(prefix, detail, source)]


def _wire_error(path: tuple, detail, source: str) -> FieldError:
    return FieldError(path, str(detail), getattr(detail, "code", "invalid"), source=source, wire_names=True)


def _text(detail) -> str:
    if isinstance(detail, list | tuple):
        return " ".join(str(d) for d in detail)
    if isinstance(detail, dict):
        return " ".join(f"{k}: {v}" for k, v in detail.items())
    return str(detail)
