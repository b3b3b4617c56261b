"""Web pages of the current organization (set by `organizations.middleware.CurrentOrganizationMiddleware`).

Thin, POST/redirect/GET: a form checks the input, one service call does the work, a message says it happened.
A service's domain error is shown next to the field it is about and the form keeps what was typed. Every id in a
URL is looked up in a queryset scoped to the current organization, so another organization's ids answer 404.
"""

from functools import cache

from django.apps import apps
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.functional import cached_property
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.module_loading import import_string
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django.views.generic import TemplateView

from config.errors import DomainError
from config.signin import limit_sign_in_attempts
from organizations import selectors, services
from organizations.forms import (
    ApiClientCreateForm,
    BudgetedPasswordChangeForm,
    CustodialKeyEnableForm,
    MembershipRoleForm,
    OrganizationSwitchForm,
    SignInForm,
    SigningKeyCreateForm,
)
from organizations.home import HomeStep, home_sections
from organizations.middleware import SESSION_KEY
from organizations.models import PermissionCode, Role
from organizations.web import OrganizationRequiredMixin, ServiceFormView, organization_required, scoped_or_404

MANAGE = PermissionCode.MANAGE_ORGANIZATION
# The new client's secret waits here between the POST and the redirected GET that shows it, then is popped.
NEW_CLIENT_SESSION_KEY = "new_api_client"


# --- sign in ---------------------------------------------------------------------------------------------------


class LoginView(auth_views.LoginView):
    """Django's sign-in page, with a per-address budget of attempts against password guessing."""

    authentication_form = SignInForm
    redirect_authenticated_user = True

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        return limit_sign_in_attempts(super().post)(request, *args, **kwargs)


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's password change page, with the old password under the re-entered password budget."""

    form_class = BudgetedPasswordChangeForm

    def get_form_kwargs(self) -> dict:
        return {**super().get_form_kwargs(), "request": self.request}


# --- home and switcher ----------------------------------------------------------------------------------------


@organization_required()
def home(request: HttpRequest) -> HttpResponse:
    """The organization's figures and what to do next: its own (members, API clients, signing keys) and those the
    apps above it contribute (organizations.home: partner records, invitations, the network, balances)."""
    organization = request.organization
    counts = {
        "members": selectors.membership_list(organization=organization).count(),
        "api_clients": selectors.api_client_list(organization=organization).filter(active=True).count(),
        "signing_keys": selectors.signing_key_active_list(organization=organization).count(),
    }
    steps = []
    if MANAGE in request.membership.permissions:
        if not counts["signing_keys"]:
            steps.append(
                HomeStep(
                    "Add a signing key: connections, allocations and settlements are requests signed by one.",
                    reverse("org-signing-keys"),
                    "Add a signing key",
                )
            )
        if not counts["api_clients"]:
            steps.append(
                HomeStep("Create an API client to call the API.", reverse("org-api-clients"), "Create an API client")
            )
    sections = home_sections(request)
    steps += [step for section in sections for step in section.steps]
    return render(request, "organizations/home.html", {"counts": counts, "sections": sections, "next_steps": steps})


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


@method_decorator(never_cache, name="dispatch")  # the page may carry a new secret: no copy in any cache or history
class ApiClientListView(ServiceFormView):
    organization_permission = MANAGE
    form_class = ApiClientCreateForm
    template_name = "organizations/api_clients.html"
    success_message = "API client “{object.name}” created."

    def perform(self, form):
        api_client, secret = services.api_client_create(
            organization=self.request.organization,
            grantor_permissions=self.request.membership.permissions,
            created_by=self.request.user,
            **form.cleaned_data,
        )
        self.request.session[NEW_CLIENT_SESSION_KEY] = {
            "organization_id": str(self.request.organization.pk),
            "name": api_client.name,
            "client_id": api_client.client_id,
            "secret": secret,
        }
        return api_client

    def get_context_data(self, **kwargs):
        request = self.request
        new_client = request.session.pop(NEW_CLIENT_SESSION_KEY, None) if request.method == "GET" else None
        if new_client and new_client.get("organization_id") != str(request.organization.pk):
            new_client = None
        return super().get_context_data(
            api_clients=selectors.api_client_list_with_creators(organization=request.organization),
            new_client=new_client,
            **kwargs,
        )


@require_POST
@organization_required(MANAGE)
def api_client_revoke(request: HttpRequest, pk) -> HttpResponse:
    api_client = scoped_or_404(selectors.api_client_list(organization=request.organization), pk)
    services.api_client_revoke(api_client=api_client)
    messages.success(request, f"API client “{api_client.name}” revoked. Its tokens no longer work.")
    return redirect("org-api-clients")


# --- signing keys ---------------------------------------------------------------------------------------------


def _signing_keys_context(request: HttpRequest, *, form=None, custodial_form=None) -> dict:
    """The signing keys page; the custodial key's state is shown to everyone, its switch to owners only."""
    organization = request.organization
    return {
        "form": form or SigningKeyCreateForm(organization=organization),
        "signing_keys": selectors.signing_key_list(organization=organization).select_related("custodial"),
        "custodial_key": selectors.custodial_key_active(organization=organization),
        "custodial_form": custodial_form or CustodialKeyEnableForm(request=request, auto_id="id_custodial_%s"),
        "can_manage_custodial": request.membership.role == Role.OWNER,
    }


class SigningKeyListView(ServiceFormView):
    organization_permission = MANAGE
    form_class = SigningKeyCreateForm
    template_name = "organizations/signing_keys.html"
    success_message = "Signing key “{object.label}” added."

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "organization": self.request.organization}

    def perform(self, form):
        return services.signing_key_create(
            organization=self.request.organization, created_by=self.request.user, **form.cleaned_data
        )

    def get_context_data(self, form=None, **kwargs):
        if form is not None:
            form.renew_challenge()
        return _signing_keys_context(self.request, form=form)


class CustodialKeyEnableView(ServiceFormView):
    """Enables the custodial key (owner, after re-entering the password); errors show on the signing keys page."""

    http_method_names = ["post"]
    organization_permission = MANAGE
    form_class = CustodialKeyEnableForm
    template_name = "organizations/signing_keys.html"
    success_url = "org-signing-keys"
    success_message = "Custodial signing enabled: the server now holds a signing key for this organization."

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "request": self.request, "auto_id": "id_custodial_%s"}

    def perform(self, form):
        return services.custodial_key_enable(
            organization=self.request.organization,
            user=self.request.user,
            actor_role=self.request.membership.role,
            **form.cleaned_data,
        )

    def get_context_data(self, form=None, **kwargs):
        return _signing_keys_context(self.request, custodial_form=form)


@require_POST
@organization_required(MANAGE)
def custodial_key_disable(request: HttpRequest) -> HttpResponse:
    try:
        services.custodial_key_disable(organization=request.organization, actor_role=request.membership.role)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "Custodial signing disabled: its signing key is deactivated, its private key erased.")
    return redirect("org-signing-keys")


@require_POST
@organization_required(MANAGE)
def signing_key_deactivate(request: HttpRequest, pk) -> HttpResponse:
    signing_key = scoped_or_404(selectors.signing_key_list(organization=request.organization), pk)
    try:
        services.signing_key_deactivate(signing_key=signing_key, actor_role=request.membership.role)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"Signing key “{signing_key.label}” deactivated.")
    return redirect("org-signing-keys")


# --- members --------------------------------------------------------------------------------------------------


def members_context(request: HttpRequest, *, row_form=None, row_id=None, **extra) -> dict:
    """The members page; `row_form` (bound, with errors) replaces the role form of membership `row_id`. `extra`:
    what the invite form of an app above adds (its slot "members_invite", see MemberListView)."""
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
    return {"rows": rows, **extra}


def _after_own_membership_change(request: HttpRequest, membership) -> str:
    # Changing or removing your own membership may take away your right to see this page.
    return "home" if membership.user_id == request.user.pk else "org-members"


@cache
def _member_invite_view():
    """The view that invites a new member from the members page: invitations sit above organizations, so the app
    that offers them names it on its AppConfig (`member_invite_view`), as apps name their slot templates."""
    for config in apps.get_app_configs():
        if view := getattr(config, "member_invite_view", None):
            return import_string(view).as_view()
    return None


class MemberListView(OrganizationRequiredMixin, TemplateView):
    """The members page. Its form invites someone by email (they become a member when they accept): the POST goes
    to the view the invitations app declares (`_member_invite_view`), which renders this page again on an error."""

    organization_permission = MANAGE
    template_name = "organizations/members.html"

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        invite = _member_invite_view()
        return invite(request, *args, **kwargs) if invite else self.http_method_not_allowed(request)

    def get_context_data(self, **kwargs):
        return members_context(self.request)


class MemberRoleView(ServiceFormView):
    """Changes one member's role; on an error the members page shows it under that member's role select."""

    http_method_names = ["post"]
    organization_permission = MANAGE
    form_class = MembershipRoleForm
    template_name = "organizations/members.html"

    @cached_property
    def membership(self):
        return scoped_or_404(selectors.membership_list(organization=self.request.organization), self.kwargs["pk"])

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "auto_id": f"id_{self.membership.pk}_%s"}

    def perform(self, form):
        return services.membership_change_role(
            membership=self.membership, role=form.cleaned_data["role"], actor_role=self.request.membership.role
        )

    def get_success_message(self) -> str:
        return f"{self.object.user.get_username()} is now {self.object.get_role_display()}."

    def get_success_url(self) -> str:
        return _after_own_membership_change(self.request, self.object)

    def get_context_data(self, form=None, **kwargs):
        return members_context(self.request, row_form=form, row_id=self.membership.pk)


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
        context = members_context(request, row_form=form, row_id=membership.pk)
        return render(request, "organizations/members.html", context)
    messages.success(request, f"{membership.user.get_username()} was removed from {request.organization.name}.")
    return redirect(_after_own_membership_change(request, membership))
