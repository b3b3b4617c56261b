"""One budget of sign-in attempts per client address, shared by the web sign-in and the admin's (django-ratelimit)."""

from collections.abc import Callable
from functools import wraps

from django import forms
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django_ratelimit.core import get_usage

from config.net import client_address

GROUP = "web-login"  # one group: the admin login page is not a second budget of password guesses
REFUSED_MESSAGE = "Too many sign-in attempts from your address. Wait a minute and try again."


def sign_in_attempt(request: HttpRequest) -> int | None:
    """Count a POSTed attempt from the client's address. Over LOGIN_ATTEMPTS_PER_MINUTE: the seconds to wait."""
    usage = get_usage(
        request,
        group=GROUP,
        key=lambda _group, req: client_address(req),
        rate=(settings.LOGIN_ATTEMPTS_PER_MINUTE, 60),
        method="POST",
        increment=True,
    )
    if usage is None or not usage["should_limit"]:
        return None
    return max(int(usage["time_left"]), 1)


def limit_sign_in_attempts(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Wrap a sign-in view: over budget, its form (a `RefusingSignInMixin`) refuses without checking the password,
    and the page answers 429 with `Retry-After`."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        retry_after = sign_in_attempt(request) if request.method == "POST" else None
        request.sign_in_refused = retry_after is not None
        response = view(request, *args, **kwargs)
        if retry_after is not None:
            response.status_code = 429
            response["Retry-After"] = str(retry_after)
        return response

    return wrapped


class RefusingSignInMixin:
    """For an AuthenticationForm: refuse without checking the password while the address is over its budget."""

    def clean(self):
        if getattr(self.request, "sign_in_refused", False):
            raise forms.ValidationError(REFUSED_MESSAGE, code="rate_limited")
        return super().clean()
