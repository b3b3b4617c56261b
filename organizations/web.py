"""Plumbing for the web pages of every app (importable by partners, allocations, ...; it imports no view).

- `organization_required(permission)` / `OrganizationRequiredMixin`: the page needs a signed-in user with a current
  organization (else a friendly page) holding `permission` (else 403).
- `scoped_or_404(queryset, pk)`: one object from a queryset already scoped to the current organization, else 404.
- `DomainErrorForm`: shows a service's domain error next to the field it is about.
- `ServiceFormView`: the one "form → service → message → redirect" view (POST/redirect/GET).
"""

from functools import wraps
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.generic import FormView

from config.errors import DomainError, ObjectNotFound, ValidationFailed
from organizations import selectors
from organizations.models import ROLE_PERMISSIONS, PermissionCode, Role


def _permission_needed(permission: str) -> str:
    roles = [str(role.label).lower() for role in Role if permission in ROLE_PERMISSIONS[role]]
    who = " or ".join([", ".join(roles[:-1]), roles[-1]] if len(roles) > 1 else roles)
    return f"This page needs the “{PermissionCode(permission).label}” permission, which the {who} role has."


def organization_required(permission: str | None = None):
    """The view needs a current organization (else a friendly page), and `permission` in it (else 403)."""

    def decorator(view):
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if request.organization is None:
                status = 200 if permission is None else 403
                return render(request, "organizations/no_organization.html", status=status)
            if permission is not None and permission not in request.membership.permissions:
                raise PermissionDenied(_permission_needed(permission))
            return view(request, *args, **kwargs)

        return login_required(wrapped)

    return decorator


class OrganizationRequiredMixin:
    """`organization_required(organization_permission)` for class-based views. A method the view does not answer
    is refused (405) before anything else, as `require_POST` does for function views."""

    organization_permission: str | None = None

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.method.lower() not in self.http_method_names:
            return self.http_method_not_allowed(request, *args, **kwargs)
        view = organization_required(self.organization_permission)(super().dispatch)
        return view(request, *args, **kwargs)


def scoped_or_404(queryset, pk):
    """One object of `queryset` (already scoped to the current organization) by primary key, else 404."""
    try:
        return selectors.get_or_404(queryset, pk=pk)
    except ObjectNotFound:
        raise Http404("Not found.") from None


def _leaf(item) -> str | None:
    """The name of the field a `ValidationFailed` item is about (the last part of its location)."""
    return item.path[-1] if item.path else None


class DomainErrorForm(forms.Form):
    """A form that shows a service's domain error next to the field it is about.

    A `ValidationFailed` item goes to the field it names (see `_leaf`); other errors go to the field
    `domain_error_fields` maps their class to, or to the top of the form.
    """

    domain_error_fields: dict[type[DomainError], str] = {}

    def add_domain_error(self, error: DomainError) -> None:
        if isinstance(error, ValidationFailed) and error.errors:
            for item in error.errors:
                name = _leaf(item)
                self.add_error(name if name in self.fields else None, item.msg)
            return
        name = next((f for cls, f in self.domain_error_fields.items() if isinstance(error, cls)), None)
        self.add_error(name, error.message)


class ServiceFormView(OrganizationRequiredMixin, FormView):
    """GET shows the page with an empty form. POST: the form checks the input, `perform` makes one service call,
    `get_success_message` is shown and the browser is redirected to `success_url` (POST/redirect/GET). A service's
    `DomainError` is shown on the form (`DomainErrorForm.add_domain_error`) and the page again keeps what was typed.

    Subclasses set `form_class`, `template_name`, `organization_permission` and `success_message` (formatted with
    `object`, the result of `perform(form)`), and write `perform(form)`. The redirect goes back to the page itself
    unless `success_url` (a URL or URL name) says otherwise.
    """

    object: Any = None
    success_message = ""

    def perform(self, form: DomainErrorForm) -> Any:
        raise NotImplementedError

    def get_success_message(self) -> str:
        return self.success_message.format(object=self.object)

    def get_success_url(self) -> str:
        return self.success_url or self.request.path

    def form_valid(self, form: DomainErrorForm) -> HttpResponse:
        try:
            self.object = self.perform(form)
        except DomainError as error:
            form.add_domain_error(error)
            return self.form_invalid(form)
        if message := self.get_success_message():
            messages.success(self.request, message)
        return redirect(self.get_success_url())
