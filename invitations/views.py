"""Web pages of invitations and connected organizations, and the accept page an invitation's email links to.

Thin, POST/redirect/GET: a form checks the input, one call to invitations.services does the work. The accept
page is the one page here anyone may open: it answers every bad link (unknown, used, expired, someone else's) with
a page that says so, never an error.
"""

from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.http import urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST
from django.views.generic import FormView

from config.errors import DomainError, ObjectNotFound
from invitations import selectors, services
from invitations.errors import (
    InvitationAlreadyAccepted,
    InvitationExpired,
    InvitationForSomeoneElse,
    InvitationNotFound,
)
from invitations.forms import GuestAcceptForm, GuestInvitationForm, InvitationSignUpForm, MemberInviteForm
from invitations.models import InvitationKind
from organization_partners.selectors import organization_partner_list
from organizations.middleware import SESSION_KEY
from organizations.models import PermissionCode
from organizations.selectors import get_or_404
from organizations.views import members_context
from organizations.web import ServiceFormView, organization_required, scoped_or_404

READ = PermissionCode.READ_INVITATION
WRITE = PermissionCode.WRITE_INVITATION
MANAGE = PermissionCode.MANAGE_ORGANIZATION
LIST_SIZE = 50  # the newest ones; the API pages through them all


# --- members and partner records (pages of the apps below, which hand these actions here) ----------------------


class MemberInviteView(ServiceFormView):
    """Invites someone by email to become a member (they become one when they accept), from the members page
    (organizations.views.MemberListView hands its POST here: `member_invite_view` on InvitationsConfig). The page
    answers the same whether or not the address has an account (nothing tells who has one)."""

    organization_permission = MANAGE
    form_class = MemberInviteForm
    template_name = "organizations/members.html"

    def perform(self, form):
        return services.member_invitation_create(
            organization=self.request.organization,
            email=form.cleaned_data["email"],
            role=form.cleaned_data["role"],
            actor_role=self.request.membership.role,
            invited_by=self.request.user,
        )

    def get_success_message(self) -> str:
        role = self.object.get_role_display()
        return f"Invitation sent to {self.object.email}: they join as {role} once they accept."

    def get_context_data(self, form=None, **kwargs):
        return members_context(self.request, member_invite_form=form)


@require_POST
@organization_required(WRITE)
def partner_invite_view(request: HttpRequest, pk) -> HttpResponse:
    """Invites the partner record's email to connect (again, if it was invited: a new link), as the API's
    `POST /api/v1/partners/{id}/invite`; a refusal (no email, already connected) shows as a message. The button is
    on the partner list (organization_partners), through its slot "organization_partner_actions"."""
    partner = scoped_or_404(organization_partner_list(organization=request.organization), pk)
    try:
        invitation = services.partner_invite(partner=partner, invited_by=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"Invitation sent to {invitation.email} for “{partner.company_name}”.")
    return redirect("partners")


# --- the organization's invitations -----------------------------------------------------------------------------


class InvitationListView(ServiceFormView):
    """Guest invitations (and, for those who manage members, member invitations) with their status and sent times,
    resend buttons, and the new guest invitation form (sending needs WRITE_INVITATION)."""

    organization_permission = READ
    form_class = GuestInvitationForm
    template_name = "invitations/list.html"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "organization": self.request.organization}

    def post(self, request, *args, **kwargs):
        if WRITE not in request.membership.permissions:
            raise PermissionDenied("Sending invitations needs the “Send invitations” permission.")
        return super().post(request, *args, **kwargs)

    def perform(self, form):
        return services.guest_invitation_create(
            organization=self.request.organization,
            email=form.cleaned_data["email"],
            expired_at=form.cleaned_data["expired_at"],
            parent_organization=form.cleaned_data.get("parent_organization") or None,
            invited_by=self.request.user,
        )

    def get_success_message(self) -> str:
        return f"Invitation sent to {self.object.email}."

    def get_context_data(self, **kwargs):
        organization, permissions = self.request.organization, self.request.membership.permissions
        guests = selectors.invitation_list(organization=organization, kind=InvitationKind.GUEST)
        members = (
            selectors.invitation_list(organization=organization, kind=InvitationKind.MEMBER)
            if MANAGE in permissions
            else None
        )
        return super().get_context_data(
            guest_invitations=guests[:LIST_SIZE],
            guest_total=guests.count(),
            member_invitations=members[:LIST_SIZE] if members is not None else None,
            can_invite=WRITE in permissions,
            can_manage=MANAGE in permissions,
            **kwargs,
        )


@require_POST
@organization_required(READ)
def invitation_resend(request: HttpRequest, pk) -> HttpResponse:
    """Resends a guest (WRITE_INVITATION) or member (MANAGE_ORGANIZATION) invitation of the current organization."""
    invitation = scoped_or_404(selectors.invitation_scope(organization=request.organization), pk)
    needs = MANAGE if invitation.kind == InvitationKind.MEMBER else WRITE
    if needs not in request.membership.permissions:
        raise PermissionDenied(f"Resending this invitation needs the {needs} permission.")
    try:
        services.invitation_resend(invitation=invitation)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"Invitation sent again to {invitation.email}, with a new link.")
    return redirect("org-invitations")


# --- connected organizations ------------------------------------------------------------------------------------


@organization_required(READ)
def connection_list(request: HttpRequest) -> HttpResponse:
    organization = request.organization
    return render(
        request,
        "invitations/connections.html",
        {
            "guests": selectors.guest_connection_list(organization=organization),
            "hosts": selectors.host_connection_list(organization=organization),
            "can_archive": WRITE in request.membership.permissions,
        },
    )


@require_POST
@organization_required(WRITE)
def connection_archive(request: HttpRequest, guest_org_id) -> HttpResponse:
    """Archives (archived=true) or restores a connection to one of the current organization's guests."""
    connections = selectors.guest_connection_list(organization=request.organization)
    try:
        connection = get_or_404(connections, guest_id=guest_org_id)
    except ObjectNotFound:
        raise Http404("Not found.") from None
    archived = request.POST.get("archived") == "true"
    services.organization_connection_archive(connection=connection, archived=archived)
    verb = "archived" if archived else "restored"
    messages.success(request, f"The connection to {connection.guest.name} is {verb}.")
    return redirect("org-connections")


# --- accepting --------------------------------------------------------------------------------------------------

_PROBLEM_STATUS = {
    InvitationNotFound: 404,
    InvitationAlreadyAccepted: 410,
    InvitationExpired: 410,
    InvitationForSomeoneElse: 403,
}


def _problem_page(request: HttpRequest, problem: DomainError, invitation=None) -> HttpResponse:
    status = next((code for cls, code in _PROBLEM_STATUS.items() if isinstance(problem, cls)), 400)
    context = {"problem": problem, "code": problem.code, "invitation": invitation}
    return render(request, "invitations/problem.html", context, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    """The page an invitation's email links to. Anonymous: sign in or sign up (then back here). Signed in: choose
    or create the organization (guest invitations) and accept; a bad link gets a page that says what is wrong."""
    invitation = selectors.invitation_for_token(token)
    user = request.user if request.user.is_authenticated else None
    problem = selectors.invitation_problem(invitation, user)
    if problem is not None:
        return _problem_page(request, problem, invitation)
    if user is None:
        here = request.get_full_path()
        return render(
            request,
            "invitations/accept.html",
            {
                "invitation": invitation,
                "login_url": f"{reverse('login')}?{urlencode({'next': here})}",
                "sign_up_url": reverse("invitation-sign-up", args=[token]),
            },
        )
    form = None
    if invitation.kind == InvitationKind.GUEST:
        organizations = list(selectors.organizations_for_guest_accept(user=user))
        form = GuestAcceptForm(request.POST or None, organizations=organizations)
    if request.method == "POST" and (form is None or form.is_valid()):
        arguments = form.service_arguments() if form is not None else {}
        try:
            result = services.invitation_accept(token=token, user=user, **arguments)
        except (InvitationNotFound, InvitationAlreadyAccepted, InvitationExpired, InvitationForSomeoneElse) as error:
            return _problem_page(request, error, invitation)
        except DomainError as error:
            if form is None:
                raise
            form.add_domain_error(error)
        else:
            return _accepted(request, result)
    return render(request, "invitations/accept.html", {"invitation": invitation, "form": form})


def _accepted(request: HttpRequest, result: services.AcceptResult) -> HttpResponse:
    request.session[SESSION_KEY] = str(result.organization.pk)
    invitation = result.invitation
    if invitation.kind == InvitationKind.MEMBER:
        if result.already_member:
            messages.info(request, f"You are already a member of {result.organization.name}: nothing changed.")
        else:
            messages.success(
                request, f"You joined {result.organization.name} as {result.membership.get_role_display()}."
            )
        return redirect("home")
    host = invitation.parent_organization or invitation.organization
    messages.success(request, f"{result.organization.name} is now connected to {host.name}.")
    return redirect("org-connections")


@method_decorator(never_cache, name="dispatch")
class InvitationSignUpView(ServiceFormView):
    """A new account for the invited address (the email is the invitation's, fixed), then back to the accept page.
    Not an organization page: anyone holding a valid link may open it; a signed-in user goes straight back."""

    form_class = InvitationSignUpForm
    template_name = "invitations/sign_up.html"

    def dispatch(self, request, *args, **kwargs):
        if request.method.lower() not in self.http_method_names:
            return self.http_method_not_allowed(request, *args, **kwargs)
        token = kwargs["token"]
        if request.user.is_authenticated:
            return redirect("invitation-accept", token=token)
        self.invitation = selectors.invitation_for_token(token)
        problem = selectors.invitation_problem(self.invitation)
        if problem is not None:
            return _problem_page(request, problem, self.invitation)
        # FormView's dispatch, without OrganizationRequiredMixin's: signing up needs no organization.
        return FormView.dispatch(self, request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "email": self.invitation.email}

    def perform(self, form):
        user = services.invitation_sign_up(
            token=self.kwargs["token"],
            username=form.cleaned_data["username"],
            password=form.cleaned_data["password1"],
        )
        login(self.request, user, backend="django.contrib.auth.backends.ModelBackend")
        return user

    def get_success_message(self) -> str:
        return f"Welcome, {self.object.get_username()}. Your account is ready."

    def get_success_url(self) -> str:
        return reverse("invitation-accept", args=[self.kwargs["token"]])

    def get_context_data(self, **kwargs):
        return super().get_context_data(invitation=self.invitation, **kwargs)
