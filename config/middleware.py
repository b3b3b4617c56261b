"""Request ids, and JSON error bodies for API paths that never reach a DRF view."""

import logging
import re
import time
import uuid

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

from config.api.dialects import dialect_for_path
from config.api.exceptions import to_api_error
from config.logging import request_id_var

logger = logging.getLogger(__name__)
access_logger = logging.getLogger("config.access")

# A caller-supplied id is kept only when it is short and plain, so it cannot inject into logs or headers.
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:\-]{1,128}$")
REQUEST_ID_HEADER = "X-Request-ID"


class RequestIdMiddleware:
    """Takes `X-Request-ID` from the request (or makes one), exposes it to logs and echoes it on the response."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get(REQUEST_ID_HEADER, "")
        request_id = incoming if _VALID_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response[REQUEST_ID_HEADER] = request_id
            # One structured line per request; the path only (query strings may carry personal data).
            access_logger.info(
                "%s %s %s",
                request.method,
                request.path,
                response.status_code,
                extra={
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                    "principal": _principal(request),
                },
            )
        finally:
            request_id_var.reset(token)
        return response


def _principal(request: HttpRequest) -> str:
    user = getattr(request, "user", None)  # DRF sets the token's principal here too
    return str(user) if user is not None and user.is_authenticated else "anonymous"


class RequestSizeLimitMiddleware:
    """Refuses a request whose declared body is over REQUEST_MAX_BYTES (413) before anything reads it: Django's
    own limit (DATA_UPLOAD_MAX_MEMORY_SIZE) leaves out uploaded files, which it would spool to disk whole, and the
    CSRF check reads a form's body before any view could look at its size. API paths answer in their dialect."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        limit = settings.REQUEST_MAX_BYTES
        if length <= limit:
            return self.get_response(request)
        message = f"The request is larger than the {limit // 1_000_000} MB this site accepts."
        dialect = dialect_for_path(request.path)
        if dialect is not None:
            response = dialect.error_response(status=413, message=message, request_id=request.request_id)
        else:
            response = HttpResponse(
                render_to_string("413.html", {"message": message}), status=413, content_type="text/html"
            )
        return response


class ApiErrorFallbackMiddleware:
    """Django answers unknown URLs and crashes outside DRF with HTML; on API paths answer in the dialect's shape."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        dialect = dialect_for_path(request.path)
        if dialect is None or response.status_code < 400:
            return response
        if response.get("Content-Type", "").startswith("application/json"):
            return response
        return dialect.error_response(
            status=response.status_code,
            message=_FALLBACK_MESSAGES.get(response.status_code, "Request failed."),
            request_id=getattr(request, "request_id", "-"),
        )

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        dialect = dialect_for_path(request.path)
        if dialect is None:
            return None
        # What a DRF view's handler would answer (e.g. 413 for a body raised over the limit while rendering).
        error = to_api_error(exception, validation_status=dialect.validation_status)
        if error.status >= 500:
            logger.exception("Unhandled exception on %s %s", request.method, request.path)
            error.message = _FALLBACK_MESSAGES[500]
        return dialect.render(error, getattr(request, "request_id", "-"))


_FALLBACK_MESSAGES = {
    400: "Bad request.",
    403: "Forbidden.",
    404: "Not found.",
    405: "Method not allowed.",
    500: "Internal server error.",
}
