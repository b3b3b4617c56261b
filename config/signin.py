"""Budgets of password attempts (django-ratelimit's fixed one-minute windows, counted before the password is checked).

- Sign-in: one budget per client address, shared by the web sign-in and the admin's.
- Re-entered passwords of a signed-in user (enabling or signing with the custodial key, the password change page):
  one budget per user and one per client address, shared by these pages, so none is a second oracle for the password.
"""

from collections.abc import Callable
from functools import wraps

from django import forms
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django_ratelimit.core import get_usage

from config.net import client_address

GROUP = "web-login"  # one group: the admin login page is not a second budget of password guesses
REFUSED_MESSAGE = "Too many sign-in attempts from your address. Wait a minute and try again."
REENTERED_GROUP = "password-check"


def attempt(request: HttpRequest, *, group: str, keys: list[str], limit: int) -> int | None:
    """Count one attempt against each key's one-minute window in `group` (every attempt counts, right or wrong, so a
    refused one keeps the lock). Over `limit` on any key: the seconds to wait; else None."""
    wait = None
    for key in keys:
        usage = get_usage(request, group=group, key=lambda _g, _r, k=key: k, rate=(limit, 60), increment=True)
        if usage is not None and usage["should_limit"]:
            wait = max(wait or 0, int(usage["time_left"]), 1)
    return wait


def sign_in_attempt(request: HttpRequest) -> int | None:
    """Count a POSTed attempt from the client's address. Over LOGIN_ATTEMPTS_PER_MINUTE: the seconds to wait."""
    if request.method != "POST":
        return None
    return attempt(request, group=GROUP, keys=[client_address(request)], limit=settings.LOGIN_ATTEMPTS_PER_MINUTE)


def password_attempt(request: HttpRequest, user) -> str | None:
    """Count a signed-in user's re-entered password, per user and per client address (PASSWORD_ATTEMPTS_PER_MINUTE).
    Over the budget: the form error to show instead of checking the password (even a right one); else None."""
    keys = [f"user:{user.pk}", f"address:{client_address(request)}"]
    wait = attempt(request, group=REENTERED_GROUP, keys=keys, limit=settings.PASSWORD_ATTEMPTS_PER_MINUTE)
    if wait is None:
        return None
    return f"Too many password attempts. Try again in {wait} seconds."


def password_attempts_help() -> str:
    """What the password fields under `password_attempt` say about the budget."""
    return (
        f"At most {settings.PASSWORD_ATTEMPTS_PER_MINUTE} password attempts a minute (for you, and from your "
        "address); after that, even the right password is refused until the minute is over."
    )


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
