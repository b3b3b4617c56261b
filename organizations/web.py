"""Plumbing for the web pages of every app (importable by partners, allocations, ...; it imports no view).

- `organization_required(permission)` / `OrganizationRequiredMixin`: the page needs a signed-in user with a current
  organization (else a friendly page) holding `permission` (else 403).
- `scoped_or_404(queryset, pk)`: one object from a queryset already scoped to the current organization, else 404.
- `DomainErrorForm`: shows a service's domain error next to the field it is about.
- `ServiceFormView`: the one "form → service → message → redirect" view (POST/redirect/GET).
- `SignedRequestView`: the one two-step signed-request page (fields → the exact payload, signed → service).
"""

from functools import wraps
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.generic import FormView
from django.views.generic.base import ContextMixin, TemplateResponseMixin

from config.errors import DomainError, ObjectNotFound, ValidationFailed
from organizations import selectors
from organizations.errors import InvalidSignature, NonceReused, PayloadMismatch
from organizations.models import ROLE_PERMISSIONS, PermissionCode, Role
from organizations.signing import new_nonce


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

    `user_required` names the fields the person must fill although the form field is `required=False` because the
    service checks them (its message, with the other errors at once): the page does not call them "(optional)"
    (`includes/field.html`) and their inputs say `aria-required="true"`.
    """

    domain_error_fields: dict[type[DomainError], str] = {}
    user_required: frozenset[str] = frozenset()

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name in self.user_required:
            if name in self.fields:
                self.fields[name].widget.attrs.setdefault("aria-required", "true")

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


class SignedRequestView(OrganizationRequiredMixin, TemplateResponseMixin, ContextMixin, View):
    """A signed request made on a page, in two steps on one URL (POST/redirect/GET at the end):

    1. `form_class`, the request's fields (with a hidden `nonce` the form makes); step 2 carries them as hidden
       inputs, and nothing is kept server-side, so an abandoned flow leaves no copy of what was typed behind;
    2. the exact payload (`signing_payload(form)`, recomputed from the posted fields on every step, so what is signed
       is what is requested) and `organizations.forms.SignedRequestForm` to sign it: a pasted signature, or the
       custodial key after re-entering the password. Then `perform(form, payload=..., signature=...)`, one service
       call; its result is `object`, `get_success_message()` is shown and the browser goes to `get_success_url()`.

    The button pressed is the POST's `step`: `payload` (to step 2), `sign` (sign and perform), `edit` (back to 1).
    Where a service's error goes: a signature that does not verify or a payload that does not match shows on the
    signature (step 2); a used nonce goes back to step 1 with a new one (a new payload to look at again); any other
    `DomainError` goes back to step 1, on the field it is about. Every response is `never_cache`: the step pages
    carry what was typed (a connection key, an amount).

    Subclasses set `form_class`, `template_name`, `organization_permission` and `success_message` (or override
    `get_success_message`), and write `signing_payload`, `perform` and `get_success_url`. The template gets `step`
    (1 or 2), `details` (the fields form) and `form` (the signing form, step 2); its step 2 is
    `{% signed_step %}<p>the request in words</p>{% endsigned_step %}` (organizations/templatetags/signed_requests.py).
    """

    form_class: type[DomainErrorForm]
    signature_errors = (InvalidSignature, PayloadMismatch)  # shown on the signature field of step 2
    object: Any = None
    success_message = ""

    @classmethod
    def as_view(cls, **initkwargs):
        return never_cache(super().as_view(**initkwargs))

    def get_form_kwargs(self) -> dict:
        return {}

    def get_form(self, data=None) -> DomainErrorForm:
        return self.form_class(data, **self.get_form_kwargs())

    def signing_payload(self, form: DomainErrorForm) -> str:
        """The exact payload to sign for the valid `form`; a `DomainError` here sends the page back to step 1."""
        raise NotImplementedError

    def perform(self, form: DomainErrorForm, *, payload: str, signature: str) -> Any:
        raise NotImplementedError

    def get_success_url(self) -> str:
        raise NotImplementedError

    def get_success_message(self) -> str:
        return self.success_message.format(object=self.object)

    def add_success_message(self) -> None:
        if message := self.get_success_message():
            messages.success(self.request, message)

    def get(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        return self.render_step(1, self.get_form())

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        details = self.get_form(request.POST)
        step = request.POST.get("step")
        if not details.is_valid() or step == "edit":
            return self.render_step(1, details)
        try:
            payload = self.signing_payload(details)
        except DomainError as error:
            details.add_domain_error(error)
            return self.render_step(1, details)
        signing = self.get_signing_form(
            payload, data=request.POST if step == "sign" else None, secrets=self.payload_secrets(details)
        )
        if step != "sign" or not signing.is_valid():
            return self.render_step(2, details, signing)
        try:
            self.object = self.perform(details, payload=payload, signature=signing.cleaned_data["signature"])
        except self.signature_errors as error:
            signing.add_error("signature", error.message)
            return self.render_step(2, details, signing)
        except NonceReused as error:  # a new nonce makes a new payload: back to step 1 to look at it again
            details = self.get_form({**request.POST.dict(), "nonce": new_nonce()})
            details.is_valid()
            details.add_domain_error(error)
            return self.render_step(1, details)
        except DomainError as error:
            details.add_domain_error(error)
            return self.render_step(1, details)
        self.add_success_message()
        return redirect(self.get_success_url())

    def payload_secrets(self, form: DomainErrorForm) -> list[str]:
        """What step 1 took in password boxes (a connection token, an API secret): step 2 shows the payload with
        them masked until the person asks to see them."""
        return [
            value
            for name, field in form.fields.items()
            if isinstance(field.widget, forms.PasswordInput) and isinstance(value := form.cleaned_data.get(name), str)
        ]

    def get_signing_form(self, payload: str, data=None, secrets=()):
        from organizations.forms import SignedRequestForm  # organizations.forms imports this module (DomainErrorForm)

        request = self.request
        return SignedRequestForm(
            data, request=request, organization=request.organization, payload=payload, secrets=secrets, prefix="sign"
        )

    def render_step(self, step: int, details: DomainErrorForm, signing=None) -> HttpResponse:
        return self.render_to_response(self.get_context_data(step=step, details=details, form=signing))
