"""Web pages of the current organization (set by `organizations.middleware.CurrentOrganizationMiddleware`).

Thin, POST/redirect/GET: a form checks the input, one service call does the work, a message says it happened.
A service's domain error is shown next to the field it is about and the form keeps what was typed. Every id in a
URL is looked up in a queryset scoped to the current organization, so another organization's ids answer 404.
"""

from functools import wraps

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from config.errors import DomainError, ObjectNotFound
from config.signin import limit_sign_in_attempts
from organizations import selectors, services
from organizations.forms import (
    ApiClientCreateForm,
    MemberInviteForm,
    MembershipRoleForm,
    OrganizationSwitchForm,
    SignInForm,
    SigningKeyCreateForm,
)
from organizations.middleware import SESSION_KEY
from organizations.models import ROLE_PERMISSIONS, PermissionCode, Role

MANAGE = PermissionCode.MANAGE_ORGANIZATION
# The new client's secret waits here between the POST and the redirected GET that shows it, then is popped.
NEW_CLIENT_SESSION_KEY = "new_api_client"


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


def scoped_or_404(queryset, pk):
    try:
        return selectors.get_or_404(queryset, pk=pk)
    except ObjectNotFound:
        raise Http404("Not found.") from None


# --- sign in ---------------------------------------------------------------------------------------------------


class LoginView(auth_views.LoginView):
    """Django's sign-in page, with a per-address budget of attempts against password guessing."""

    authentication_form = SignInForm
    redirect_authenticated_user = True

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        return limit_sign_in_attempts(super().post)(request, *args, **kwargs)


# --- home and switcher ----------------------------------------------------------------------------------------


@organization_required()
def home(request: HttpRequest) -> HttpResponse:
    organization = request.organization
    counts = {
        "members": selectors.membership_list(organization=organization).count(),
        "api_clients": selectors.api_client_list(organization=organization).filter(active=True).count(),
        "signing_keys": selectors.signing_key_active_list(organization=organization).count(),
    }
    return render(request, "organizations/home.html", {"counts": counts})


@require_POST
@login_required
def organization_switch(request: HttpRequest) -> HttpResponse:
    form = OrganizationSwitchForm(request.POST)
    chosen = form.cleaned_data["organization_id"] if form.is_valid() else None
    # Only the user's own organizations (from the middleware) can be chosen; any other id changes nothing.
    target = next((o for o in request.user_organizations if o.pk == chosen), None)
    if target is None:
        messages.error(request, "You are not a member of that organization.")
        return redirect("home")
    request.session[SESSION_KEY] = str(target.pk)
    messages.success(request, f"You are now working in {target.name}.")
    next_url = form.cleaned_data["next"]
    if next_url and url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(next_url)
    return redirect("home")


# --- API clients ----------------------------------------------------------------------------------------------


@never_cache  # the page may carry a new secret: no copy of it in any cache or the back button
@organization_required(MANAGE)
def api_client_list(request: HttpRequest) -> HttpResponse:
    form = ApiClientCreateForm()
    if request.method == "POST":
        form = ApiClientCreateForm(request.POST)
        if form.is_valid():
            try:
                api_client, secret = services.api_client_create(
                    organization=request.organization,
                    name=form.cleaned_data["name"],
                    permissions=form.cleaned_data["permissions"],
                    grantor_permissions=request.membership.permissions,
                    rate_limit_per_minute=form.cleaned_data["rate_limit_per_minute"],
                    created_by=request.user,
                )
            except DomainError as error:
                form.add_domain_error(error)
            else:
                request.session[NEW_CLIENT_SESSION_KEY] = {
                    "organization_id": str(request.organization.pk),
                    "name": api_client.name,
                    "client_id": api_client.client_id,
                    "secret": secret,
                }
                messages.success(request, f"API client “{api_client.name}” created.")
                return redirect("org-api-clients")
    new_client = request.session.pop(NEW_CLIENT_SESSION_KEY, None) if request.method == "GET" else None
    if new_client and new_client.get("organization_id") != str(request.organization.pk):
        new_client = None
    context = {
        "form": form,
        "api_clients": selectors.api_client_list(organization=request.organization),
        "new_client": new_client,
    }
    return render(request, "organizations/api_clients.html", context)


@require_POST
@organization_required(MANAGE)
def api_client_revoke(request: HttpRequest, pk) -> HttpResponse:
    api_client = scoped_or_404(selectors.api_client_list(organization=request.organization), pk)
    services.api_client_revoke(api_client=api_client)
    messages.success(request, f"API client “{api_client.name}” revoked. Its tokens no longer work.")
    return redirect("org-api-clients")


# --- signing keys ---------------------------------------------------------------------------------------------


@organization_required(MANAGE)
def signing_key_list(request: HttpRequest) -> HttpResponse:
    form = SigningKeyCreateForm()
    if request.method == "POST":
        form = SigningKeyCreateForm(request.POST)
        if form.is_valid():
            try:
                signing_key = services.signing_key_create(
                    organization=request.organization,
                    label=form.cleaned_data["label"],
                    public_key=form.cleaned_data["public_key"],
                    created_by=request.user,
                )
            except DomainError as error:
                form.add_domain_error(error)
            else:
                messages.success(request, f"Signing key “{signing_key.label}” added.")
                return redirect("org-signing-keys")
    context = {"form": form, "signing_keys": selectors.signing_key_list(organization=request.organization)}
    return render(request, "organizations/signing_keys.html", context)


@require_POST
@organization_required(MANAGE)
def signing_key_deactivate(request: HttpRequest, pk) -> HttpResponse:
    signing_key = scoped_or_404(selectors.signing_key_list(organization=request.organization), pk)
    services.signing_key_deactivate(signing_key=signing_key)
    messages.success(request, f"Signing key “{signing_key.label}” deactivated.")
    return redirect("org-signing-keys")


# --- members --------------------------------------------------------------------------------------------------


def _members_page(request: HttpRequest, *, invite_form=None, row_form=None, row_id=None) -> HttpResponse:
    """The members page; `row_form` (bound, with errors) replaces the role form of membership `row_id`."""
    memberships = list(selectors.membership_list(organization=request.organization))
    rows = [
        (
            membership,
            row_form
            if membership.pk == row_id
            else MembershipRoleForm(initial={"role": membership.role}, auto_id=f"id_{membership.pk}_%s"),
        )
        for membership in memberships
    ]
    context = {"invite_form": invite_form or MemberInviteForm(), "rows": rows}
    return render(request, "organizations/members.html", context)


@organization_required(MANAGE)
def member_list(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _members_page(request)
    form = MemberInviteForm(request.POST)
    if form.is_valid():
        try:
            membership = services.member_add(
                organization=request.organization,
                identifier=form.cleaned_data["identifier"],
                role=form.cleaned_data["role"],
                actor_role=request.membership.role,
            )
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, f"{membership.user.get_username()} is now a member ({membership.role}).")
            return redirect("org-members")
    return _members_page(request, invite_form=form)


def _after_own_membership_change(request: HttpRequest, membership) -> HttpResponse:
    # Changing or removing your own membership may take away your right to see this page.
    return redirect("home" if membership.user_id == request.user.pk else "org-members")


@require_POST
@organization_required(MANAGE)
def member_change_role(request: HttpRequest, pk) -> HttpResponse:
    membership = scoped_or_404(selectors.membership_list(organization=request.organization), pk)
    form = MembershipRoleForm(request.POST, auto_id=f"id_{membership.pk}_%s")
    if form.is_valid():
        try:
            membership = services.membership_change_role(
                membership=membership, role=form.cleaned_data["role"], actor_role=request.membership.role
            )
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, f"{membership.user.get_username()} is now {membership.get_role_display()}.")
            return _after_own_membership_change(request, membership)
    return _members_page(request, row_form=form, row_id=membership.pk)


@require_POST
@organization_required(MANAGE)
def member_remove(request: HttpRequest, pk) -> HttpResponse:
    membership = scoped_or_404(selectors.membership_list(organization=request.organization), pk)
    try:
        services.membership_delete(membership=membership, actor_role=request.membership.role)
    except DomainError as error:
        # The role form of the row carries the error, so it shows where the Remove button was pressed.
        form = MembershipRoleForm({"role": membership.role}, auto_id=f"id_{membership.pk}_%s")
        form.full_clean()
        form.add_error(None, error.message)
        return _members_page(request, row_form=form, row_id=membership.pk)
    messages.success(request, f"{membership.user.get_username()} was removed from {request.organization.name}.")
    return _after_own_membership_change(request, membership)
