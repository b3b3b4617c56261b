"""The Network section of the web pages: the enterprise's place in the network, the partner directory, connecting
to a partner (a signed request) and the connections either side.

Thin, POST/redirect/GET, as organizations.views: forms check the shape of the input, partners.services decide and
their domain errors show next to the field concerned. READ_NETWORK to see, WRITE_NETWORK to act. Every page but the
overview needs the network license; without one it says so and what to do instead of failing. Ids in URLs are
looked up in querysets scoped to the current organization, so another organization's ids answer 404.
"""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.functional import cached_property
from django.views import View
from django.views.generic import TemplateView

from organizations.models import PermissionCode
from organizations.selectors import license_current
from organizations.web import (
    OrganizationRequiredMixin,
    ServiceFormView,
    SignedRequestView,
    organization_required,
    scoped_or_404,
)
from partners import selectors, services
from partners.forms import (
    ConnectionActiveFilterForm,
    ConnectionDetailsForm,
    PartnerDirectoryFilterForm,
    PartnerRegisterForm,
)

READ, WRITE = PermissionCode.READ_NETWORK, PermissionCode.WRITE_NETWORK
PAGE_SIZE = 25


class NetworkPageMixin(OrganizationRequiredMixin):
    """A Network page: a current organization and `organization_permission` (403) first, then, when
    `license_required`, the network license — without it the page explains what to do (`partners/no_license.html`;
    200 for a GET, 403 for an action)."""

    organization_permission = READ
    license_required = True

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.method.lower() not in self.http_method_names:
            return self.http_method_not_allowed(request, *args, **kwargs)
        return organization_required(self.organization_permission)(self._licensed)(request, *args, **kwargs)

    def _licensed(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        self.license = license_current(organization=request.organization)
        if self.license_required and self.license is None:
            status = 200 if request.method in ("GET", "HEAD") else 403
            return render(request, "partners/no_license.html", status=status)
        return super(OrganizationRequiredMixin, self).dispatch(request, *args, **kwargs)

    @property
    def can_write(self) -> bool:
        return WRITE in self.request.membership.permissions

    @cached_property
    def is_network_partner(self) -> bool:
        """Whether the enterprise is a network partner: the section's partner tabs show only then."""
        return selectors.partner_find(enterprise=self.request.organization) is not None

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            can_write_network=self.can_write, is_network_partner=self.is_network_partner, **kwargs
        )


def _page(request: HttpRequest, queryset):
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


# --- overview and network client ------------------------------------------------------------------------------


class OverviewView(NetworkPageMixin, TemplateView):
    """The enterprise's network client and partner status; without a license, what to do about it."""

    license_required = False
    template_name = "partners/overview.html"

    def get_context_data(self, **kwargs):
        enterprise = self.request.organization
        return super().get_context_data(
            license=self.license,
            client=selectors.network_client_find(enterprise=enterprise),
            config=selectors.partner_config_find(enterprise=enterprise),
            partner=selectors.partner_find(enterprise=enterprise),
            connection_count=selectors.connection_list_for_client(enterprise=enterprise).count(),
            **kwargs,
        )


class NetworkClientCreateView(NetworkPageMixin, View):
    http_method_names = ["post"]
    organization_permission = WRITE

    def post(self, request: HttpRequest) -> HttpResponse:
        client = services.network_client_create(enterprise=request.organization)
        messages.success(request, f"{request.organization.name} has its network client ({client.trust_org}).")
        return redirect("network:overview")


# --- partner registration and directory -----------------------------------------------------------------------


class PartnerRegisterView(NetworkPageMixin, ServiceFormView):
    """Registering as a partner (seed 000). Without a partner config the page says to ask staff; once registered
    it shows the partner."""

    organization_permission = WRITE
    form_class = PartnerRegisterForm
    template_name = "partners/register.html"
    success_message = "{object.name} is now a network partner."

    def perform(self, form):
        return services.partner_create(enterprise=self.request.organization, **form.cleaned_data)

    def get_context_data(self, **kwargs):
        enterprise = self.request.organization
        return super().get_context_data(
            config=selectors.partner_config_find(enterprise=enterprise),
            partner=selectors.partner_find(enterprise=enterprise),
            **kwargs,
        )


class PartnerDirectoryView(NetworkPageMixin, TemplateView):
    template_name = "partners/directory.html"

    def get_context_data(self, **kwargs):
        form = PartnerDirectoryFilterForm(self.request.GET or None)
        filters = form.filters() if form.is_valid() else {}
        partners = selectors.partner_directory(enterprise=self.request.organization, **filters)
        return super().get_context_data(filter_form=form, page_obj=_page(self.request, partners), **kwargs)


# --- connections (client side) --------------------------------------------------------------------------------


class ConnectionListView(NetworkPageMixin, TemplateView):
    template_name = "partners/connections.html"

    def get_context_data(self, **kwargs):
        enterprise = self.request.organization
        form = ConnectionActiveFilterForm(self.request.GET or None)
        active = form.cleaned_data["active"] if form.is_valid() else None
        connections = selectors.connection_list_for_client(enterprise=enterprise, active=active)
        return super().get_context_data(
            filter_form=form,
            page_obj=_page(self.request, connections),
            client=selectors.network_client_find(enterprise=enterprise),
            **kwargs,
        )


class ConnectionMixin:
    @cached_property
    def connection(self):
        connections = selectors.connection_list_for_client(enterprise=self.request.organization)
        return scoped_or_404(connections.select_related("signing_key"), self.kwargs["pk"])


class ConnectionDetailView(ConnectionMixin, NetworkPageMixin, TemplateView):
    template_name = "partners/connection_detail.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(connection=self.connection, **kwargs)


class ConnectionActiveView(ConnectionMixin, NetworkPageMixin, View):
    """Deactivates (no new allocations) or reactivates one of the enterprise's connections."""

    http_method_names = ["post"]
    organization_permission = WRITE

    def post(self, request: HttpRequest, pk) -> HttpResponse:
        active = request.POST.get("active") == "true"
        connection = services.connection_update(connection=self.connection, active=active)
        state = "active again" if active else "deactivated: it takes no new allocations"
        messages.success(request, f"Connection “{connection.name}” is {state}.")
        return redirect("network:connection", pk=connection.pk)


class ConnectionCreateView(NetworkPageMixin, SignedRequestView):
    """Connecting to a partner, a signed request (organizations.web.SignedRequestView) on one URL (`?partner=<id>`):
    step 1 is the name and the connection key fields of that partner's schema, step 2 signs
    `services.connection_signing_payload`, then `services.connection_create`.

    The connection key typed in step 1 travels to step 2 as hidden inputs of the step 2 form, and nowhere else: the
    only places it appears are the POST bodies the browser sends and the form it submits (never cached).

    Without `?partner=` the page offers the partners one can connect to (active, same trust organization).
    """

    organization_permission = WRITE
    template_name = "partners/connect.html"
    form_class = ConnectionDetailsForm
    success_message = "Connected to {object.partner.name} as “{object.name}”."

    @cached_property
    def partner(self):
        partner_id = self.request.GET.get("partner")
        if not partner_id:
            return None
        return scoped_or_404(selectors.partner_directory(enterprise=self.request.organization), partner_id)

    def get(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if self.partner is None:
            return self._choose_partner()
        return super().get(request, *args, **kwargs)

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if self.partner is None:
            raise Http404("Choose a partner.")
        return super().post(request, *args, **kwargs)

    def get_form_kwargs(self) -> dict:
        return {"partner": self.partner}

    def signing_payload(self, form: ConnectionDetailsForm) -> str:
        return services.connection_signing_payload(enterprise=self.request.organization, **form.connection_request())

    def perform(self, form: ConnectionDetailsForm, *, payload: str, signature: str):
        return services.connection_create(
            enterprise=self.request.organization, payload=payload, signature=signature, **form.connection_request()
        )

    def get_success_url(self) -> str:
        return reverse("network:connection", kwargs={"pk": self.object.pk})

    def get_context_data(self, **kwargs):
        if kwargs.get("step") == 1:  # step 1 says so when there is no network client to connect
            kwargs["client"] = selectors.network_client_find(enterprise=self.request.organization)
        return super().get_context_data(partner=self.partner, **kwargs)

    def _choose_partner(self) -> HttpResponse:
        enterprise = self.request.organization
        partners = selectors.partner_directory(enterprise=enterprise, active=True, filter_by_trust_org=True)
        partners = partners.exclude(enterprise=enterprise)  # not oneself
        return self.render_to_response(self.get_context_data(step=0, partners=partners))


# --- connections (partner side) -------------------------------------------------------------------------------


class IncomingConnectionListView(NetworkPageMixin, TemplateView):
    """The connections clients made to the enterprise as a partner."""

    template_name = "partners/incoming.html"

    def get_context_data(self, **kwargs):
        enterprise = self.request.organization
        form = ConnectionActiveFilterForm(self.request.GET or None)
        active = form.cleaned_data["active"] if form.is_valid() else None
        connections = selectors.connection_list_for_partner(enterprise=enterprise, active=active)
        return super().get_context_data(
            filter_form=form,
            partner=selectors.partner_find(enterprise=enterprise),
            page_obj=_page(self.request, connections.select_related("client__enterprise")),
            **kwargs,
        )
