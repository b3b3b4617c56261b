"""Request ids, JSON error bodies for API paths that never reach a DRF view, and the lean path of API requests."""

import logging
import re
import time
import uuid

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils.module_loading import import_string

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


# --- The lean path: what API requests skip ------------------------------------------------------------------------

HEALTHZ_PATH = "/healthz"
# Under /api/ but HTML pages (Swagger UI, ReDoc): they keep every page middleware.
_API_PAGES = ("/api/docs/", "/api/redoc/")


def is_api_path(path: str) -> bool:
    """The JSON endpoints: `/healthz` and `/api/...` except the documentation pages."""
    return path == HEALTHZ_PATH or (path.startswith("/api/") and not path.startswith(_API_PAGES))


def pages_only(dotted_path: str) -> type:
    """The middleware at `dotted_path`, run for pages only: on API paths (`is_api_path`) the request goes straight
    past it, hooks included. A subclass of it, so the system checks that look for it (the admin's) still find it.

    For middleware that API requests never need: messages and whitenoise's static files. CurrentOrganizationMiddleware
    skips its query on API paths itself. The CSRF middleware stays everywhere: `check --deploy` looks for it by
    name, on API views (all exempt from it) it costs next to nothing, and DRF's SessionAuthentication makes the
    check itself for session-authenticated API calls.
    """
    middleware_class = import_string(dotted_path)

    class PagesOnly(middleware_class):
        def __init__(self, get_response):
            super().__init__(get_response)
            self._next = get_response
            for hook in ("process_view", "process_exception", "process_template_response"):
                if hasattr(middleware_class, hook):
                    setattr(self, hook, self._skipping_api_paths(getattr(super(), hook)))

        def __call__(self, request):
            if is_api_path(request.path_info):
                return self._next(request)
            return super().__call__(request)

        @staticmethod
        def _skipping_api_paths(hook):
            def skipping(request, *args, **kwargs):
                return None if is_api_path(request.path_info) else hook(request, *args, **kwargs)

            return skipping

    PagesOnly.__name__ = PagesOnly.__qualname__ = f"PagesOnly{middleware_class.__name__}"
    PagesOnly.__module__ = __name__
    return PagesOnly


PagesOnlyWhiteNoiseMiddleware = pages_only("whitenoise.middleware.WhiteNoiseMiddleware")
PagesOnlyMessageMiddleware = pages_only("django.contrib.messages.middleware.MessageMiddleware")


class HealthzMiddleware:
    """Answers `/healthz` before the session, authentication and page middleware and the URL resolver, none of
    which it needs; the middleware before it (request id and access log, size limit, security headers, CSP,
    X-Frame-Options) still applies. The `Host` header is validated, and `Content-Length` set, as CommonMiddleware
    does for every other path."""

    def __init__(self, get_response):
        self.get_response = get_response
        from config.views import healthz

        self.healthz = healthz

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info != HEALTHZ_PATH:
            return self.get_response(request)
        request.get_host()  # DisallowedHost: a 400, as for every other path
        response = self.healthz(request)
        response["Content-Length"] = str(len(response.content))  # as CommonMiddleware gives every other answer
        return response
