"""The allocation pages of the Network section (`allocations:<name>`, under /network/ beside partners' pages): the
balances dashboard, the allocation history and detail, the allocate / deallocate pages of a connection and the
partner's confirm / refuse page (signed requests: organizations.web.SignedRequestView).

Thin: allocations.selectors read, allocations.services.allocations decides; a refused request is stored `released`
and its page shows the reason as an error. Ids in URLs are scoped to the current organization (else 404).
"""

import json

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.functional import cached_property
from django.views.generic import TemplateView

from allocations.errors import NetworkClientNotFound, in_whole_units
from allocations.forms import AllocationFilterForm, AllocationRequestForm, PartnerDecisionForm
from allocations.models import AllocationStatus, AllocationType
from allocations.selectors import allocations as selectors
from allocations.selectors.balances import client_balances, connection_funds
from allocations.services import allocations as services
from organizations.signing import signing_payload
from organizations.web import SignedRequestView, scoped_or_404
from partners import selectors as partner_selectors
from partners.models import Currency
from partners.views import WRITE, NetworkPageMixin, _page


def _share(part: int, total: int) -> str:
    """`part` of `total` as a percentage with one decimal ("37.5"), exact integer arithmetic (no float)."""
    if total <= 0 or part <= 0:
        return "0"
    per_mille = (part * 1000 + total // 2) // total
    return f"{per_mille // 10}.{per_mille % 10}"


def _bar_width(part: int, total: int) -> str:
    """The width of a bar segment, in percent of its bar: its share, but never invisible when it is not 0."""
    share = _share(part, total)
    return "0.5" if part > 0 and share in ("0", "0.0") else share


def _currency_rows(balances: dict, currencies: dict[str, Currency]) -> list[dict]:
    """Per currency: the client's available and allocated funds, each a share of that currency's own total."""
    rows = []
    for code, balance in sorted(balances.items()):
        total = balance.available + balance.held
        rows.append(
            {
                "code": code,
                "currency": currencies[code],
                "available": balance.available,
                "held": balance.held,
                "total": total,
                "available_share": _share(balance.available, total),
                "held_share": _share(balance.held, total),
                "available_width": _bar_width(balance.available, total),
                "held_width": _bar_width(balance.held, total),
            }
        )
    return rows


class BalancesView(NetworkPageMixin, TemplateView):
    """Per currency: the client's available funds against what it allocated (held and reserved), each bar scaled
    to that currency's own total; per connection, its share of what the client allocated in the currency. The
    exact figures are beside each bar (allocations/_chart.html)."""

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
        codes = set(result.balances) | {code for c in result.connections for code in c.balances}
        currency_objects = {c.code: c for c in Currency.objects.filter(code__in=codes)}
        currencies = _currency_rows(result.balances, currency_objects)
        allocated = {row["code"]: row["held"] for row in currencies}  # all connections', whatever the page
        connection_rows = []
        for connection in result.connections:
            for code, b in sorted(connection.balances.items()):
                total = allocated.get(code, 0)
                connection_rows.append(
                    {
                        "connection": connection,
                        "code": code,
                        "currency": currency_objects[code],
                        "available": b.available,
                        "held": b.held,
                        "share": _share(b.available + b.held, total),
                        "available_width": _bar_width(b.available, total),
                        "held_width": _bar_width(b.held, total),
                    }
                )
        return super().get_context_data(
            client=result.client,
            currencies=currencies,
            connection_rows=connection_rows,
            page_obj=page_obj,
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

    @cached_property
    def funds(self) -> dict:
        """Per currency code the request may name, what is available and allocated: the partner's supported
        currencies, and for a deallocation also any other one the connection holds (funds can always come back)."""
        supported = list(self.connection.partner.config.supported_currencies.order_by("code"))
        funds = connection_funds(connection=self.connection, currencies=supported)
        codes = {currency.code for currency in supported}
        if self.type_ == AllocationType.DEALLOCATION:
            codes |= {code for code, row in funds.items() if row.held or row.reserved}
        return {code: row for code, row in funds.items() if code in codes}

    def get_form_kwargs(self) -> dict:
        # What the request may move, as far as the page knows: step 1 refuses more before a signature is asked for.
        field = "available" if self.type_ == AllocationType.ALLOCATION else "held"
        return {
            "connection": self.connection,
            "type_": self.type_,
            "currencies": [row.currency for row in self.funds.values()],
            "limits": {code: getattr(row, field) for code, row in self.funds.items()},
        }

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
            reason = in_whole_units(allocation.reason, decimals=allocation.currency.decimals)
            messages.error(self.request, f"{label} refused: {reason}")
        elif allocation.status == AllocationStatus.RESERVED:
            messages.info(self.request, f"{label} reserved: {allocation.reason}")
        else:
            messages.success(self.request, f"{label} cleared.")

    def get_success_url(self) -> str:
        return reverse("allocations:allocation", kwargs={"pk": self.object.pk})

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            connection=self.connection,
            type=self.type_,
            funds=list(self.funds.values()),
            # for the live conversion of the amount (static/js/app.js): the page works without it
            decimals_json=json.dumps({code: row.currency.decimals for code, row in self.funds.items()}),
            **kwargs,
        )


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
