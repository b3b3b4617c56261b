"""The allocation pages of the Network section (`allocations:<name>`, under /network/ beside partners' pages): the
balances dashboard, the allocation history and detail, the allocate / deallocate pages of a connection and the
partner's confirm / refuse page (signed requests: organizations.web.SignedRequestView).

Thin: allocations.selectors read, allocations.services.allocations decides; a refused request is stored `released`
and its page shows the reason as an error. Ids in URLs are scoped to the current organization (else 404).
"""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.functional import cached_property
from django.views.generic import TemplateView

from allocations.errors import NetworkClientNotFound
from allocations.forms import AllocationFilterForm, AllocationRequestForm, PartnerDecisionForm
from allocations.models import AllocationStatus, AllocationType
from allocations.selectors import allocations as selectors
from allocations.selectors.balances import client_balances
from allocations.services import allocations as services
from organizations.signing import signing_payload
from organizations.web import SignedRequestView, scoped_or_404
from partners import selectors as partner_selectors
from partners.views import WRITE, NetworkPageMixin, _page

BAR_WIDTH = 400  # the chart's bar length in SVG user units, for the largest total
BAR_X = 190  # where the bars start, after the labels (allocations/_chart.html)


def _bars(rows: list[dict]) -> list[dict]:
    """Each row (`available`, `held`) with the widths of its two bar segments, scaled to the largest total."""
    largest = max((row["available"] + row["held"] for row in rows), default=0) or 1
    for row in rows:
        row["available_width"] = round(BAR_WIDTH * row["available"] / largest, 1)
        row["held_width"] = round(BAR_WIDTH * row["held"] / largest, 1)
        row["held_x"] = BAR_X + row["available_width"]
    return rows


class BalancesView(NetworkPageMixin, TemplateView):
    """Per currency: the client's available funds against what it allocated (held and reserved), and per
    connection; bars in server-rendered SVG."""

    template_name = "allocations/balances.html"

    def get_context_data(self, **kwargs):
        enterprise = self.request.organization
        # The page links count the connections; the page itself is read by client_balances (with its accounts).
        page_obj = _page(self.request, partner_selectors.connection_list_for_client(enterprise=enterprise))
        try:
            result = client_balances(
                enterprise=enterprise, page_number=page_obj.number - 1, page_size=page_obj.paginator.per_page
            )
        except NetworkClientNotFound:
            return super().get_context_data(client=None, **kwargs)
        currencies = _bars(
            [{"code": code, "available": b.available, "held": b.held} for code, b in sorted(result.balances.items())]
        )
        connections = [
            {"connection": connection, "code": code, "available": b.available, "held": b.held}
            for connection in result.connections
            for code, b in sorted(connection.balances.items())
        ]
        return super().get_context_data(
            client=result.client,
            currencies=currencies,
            connection_rows=_bars(connections),
            page_obj=page_obj,
            bar_width=BAR_WIDTH,
            **kwargs,
        )


class AllocationListView(NetworkPageMixin, TemplateView):
    """The allocations and deallocations the enterprise made as a client, newest first, filtered, in pages."""

    template_name = "allocations/list.html"

    def get_context_data(self, **kwargs):
        enterprise = self.request.organization
        form = AllocationFilterForm(self.request.GET or None)
        allocations = selectors.allocation_list_for_client(enterprise=enterprise, **form.filters())
        return super().get_context_data(
            filter_form=form,
            page_obj=_page(self.request, allocations.select_related("connection", "partner")),
            connections=partner_selectors.connection_list_for_client(enterprise=enterprise),
            **kwargs,
        )


class AllocationDetailView(NetworkPageMixin, TemplateView):
    template_name = "allocations/detail.html"

    def get_context_data(self, **kwargs):
        allocations = selectors.allocation_list_for_client(enterprise=self.request.organization)
        allocation = scoped_or_404(allocations.select_related("connection", "partner"), self.kwargs["pk"])
        return super().get_context_data(allocation=allocation, **kwargs)


class AllocationCreateView(NetworkPageMixin, SignedRequestView):
    """Allocating to one of the enterprise's connections, a signed request (organizations.web.SignedRequestView):
    step 1 is the amount and notes, with a clientExternalId and a nonce made here (hidden); step 2 signs
    `services.allocation_signing_payload`, then `services.allocation_create`. A refused request is stored `released`
    and its page says why."""

    organization_permission = WRITE
    template_name = "allocations/create.html"
    form_class = AllocationRequestForm
    type_ = AllocationType.ALLOCATION
    service = staticmethod(services.allocation_create)

    @cached_property
    def connection(self):
        connections = partner_selectors.connection_list_for_client(enterprise=self.request.organization)
        return scoped_or_404(connections.select_related("partner__config"), self.kwargs["pk"])

    def get_form_kwargs(self) -> dict:
        return {"connection": self.connection}

    def signing_payload(self, form: AllocationRequestForm) -> str:
        return services.allocation_signing_payload(
            enterprise=self.request.organization, fields=form.allocation_fields()
        )

    def perform(self, form: AllocationRequestForm, *, payload: str, signature: str):
        return self.service(
            enterprise=self.request.organization,
            fields=form.allocation_fields(),
            payload=payload,
            signature=signature,
            initiated_by=self.request.user.get_username(),
        )

    def add_success_message(self) -> None:
        allocation = self.object
        label = allocation.get_type_display()
        if allocation.status == AllocationStatus.RELEASED:
            messages.error(self.request, f"{label} refused: {allocation.reason}")
        elif allocation.status == AllocationStatus.RESERVED:
            messages.info(self.request, f"{label} reserved: {allocation.reason}")
        else:
            messages.success(self.request, f"{label} cleared.")

    def get_success_url(self) -> str:
        return reverse("allocations:allocation", kwargs={"pk": self.object.pk})

    def get_context_data(self, **kwargs):
        return super().get_context_data(connection=self.connection, type=self.type_, **kwargs)


class DeallocationCreateView(AllocationCreateView):
    """Taking funds back from one of the enterprise's connections (inactive ones too), as allocating."""

    type_ = AllocationType.DEALLOCATION
    service = staticmethod(services.deallocation_create)


# --- the partner side ------------------------------------------------------------------------------------------------


class IncomingAllocationListView(NetworkPageMixin, TemplateView):
    """The allocations and deallocations clients made to the enterprise as a partner, newest first; reserved ones
    wait for its answer."""

    template_name = "allocations/incoming.html"

    def get_context_data(self, **kwargs):
        enterprise = self.request.organization
        form = AllocationFilterForm(self.request.GET or None)
        filters = {**form.filters(), "connection_ids": None}
        allocations = selectors.allocation_list_for_partner(enterprise=enterprise, **filters)
        return super().get_context_data(
            filter_form=form,
            partner=partner_selectors.partner_find(enterprise=enterprise),
            page_obj=_page(self.request, allocations.select_related("connection", "client__enterprise")),
            **kwargs,
        )


class PartnerDecisionView(NetworkPageMixin, SignedRequestView):
    """The partner confirms (clears) or refuses (releases, with a reason) a reserved allocation or deallocation: a
    request signed by the partner's enterprise (organizations.web.SignedRequestView), then
    `services.allocation_partner_update` / `deallocation_partner_update`."""

    organization_permission = WRITE
    template_name = "allocations/decide.html"
    form_class = PartnerDecisionForm

    @cached_property
    def allocation(self):
        allocations = selectors.allocation_list_for_partner(enterprise=self.request.organization)
        return scoped_or_404(allocations.select_related("connection", "client__enterprise"), self.kwargs["pk"])

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if self.allocation.status != AllocationStatus.RESERVED:  # answered meanwhile: the page says so
            return self.render_step(1, self.get_form(request.POST))
        return super().post(request, *args, **kwargs)

    def get_form_kwargs(self) -> dict:
        return {"allocation": self.allocation}

    def signing_payload(self, form: PartnerDecisionForm) -> str:
        return signing_payload(form.update_fields().signed(self.allocation.type))

    def perform(self, form: PartnerDecisionForm, *, payload: str, signature: str):
        update = (
            services.allocation_partner_update
            if self.allocation.type == AllocationType.ALLOCATION
            else services.deallocation_partner_update
        )
        return update(
            enterprise=self.request.organization, fields=form.update_fields(), payload=payload, signature=signature
        )

    def get_success_message(self) -> str:
        return f"{self.object.get_type_display()} {self.object.get_status_display().lower()}."

    def get_success_url(self) -> str:
        return reverse("allocations:incoming-allocations")

    def get_context_data(self, **kwargs):
        return super().get_context_data(allocation=self.allocation, **kwargs)
