"""The allocation pages of the Network section: the balances dashboard, the allocation history and detail, and the
allocate / deallocate forms of a connection (a signed request in two steps, as connecting to a partner).

Thin: allocations.balances / selectors read, allocations.allocating decides; a refused request is stored `released`
and its page shows the reason as an error. Ids in URLs are scoped to the current organization (else 404).
"""

import json

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.decorators import method_decorator
from django.utils.functional import cached_property
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.generic import TemplateView

from allocations import allocating, balances, selectors
from allocations.forms import AllocationFilterForm, AllocationRequestForm, PartnerDecisionForm
from allocations.models import AllocationStatus, AllocationType
from config.errors import DomainError
from organizations.errors import NonceReused
from organizations.forms import SignedRequestForm
from organizations.web import scoped_or_404
from partners import selectors as partner_selectors
from partners.forms import SIGNATURE_ERRORS, new_nonce
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
            result = balances.client_balances(
                enterprise=enterprise, page_number=page_obj.number - 1, page_size=page_obj.paginator.per_page
            )
        except balances.NetworkClientNotFound:
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


@method_decorator(never_cache, name="dispatch")
class AllocationCreateView(NetworkPageMixin, View):
    """Allocating to (or deallocating from) one of the enterprise's connections, in two steps on one URL:

    1. the amount and notes, with a clientExternalId and a nonce made here (hidden);
    2. the exact payload (`allocating.allocation_signing_payload`) and `SignedRequestForm` — then the service.

    The server recomputes the payload from the posted fields each step, so what is signed is what is requested.
    """

    organization_permission = WRITE
    template_name = "allocations/create.html"
    type_ = AllocationType.ALLOCATION

    @cached_property
    def connection(self):
        connections = partner_selectors.connection_list_for_client(enterprise=self.request.organization)
        return scoped_or_404(connections.select_related("partner__config"), self.kwargs["pk"])

    def get(self, request: HttpRequest, pk) -> HttpResponse:
        return self._details(AllocationRequestForm(connection=self.connection))

    def post(self, request: HttpRequest, pk) -> HttpResponse:
        details = AllocationRequestForm(request.POST, connection=self.connection)
        step = request.POST.get("step")
        if not details.is_valid() or step == "edit":
            return self._details(details)
        request_fields = {"connection_id": self.connection.pk, **details.request()}
        try:
            payload = allocating.allocation_signing_payload(enterprise=request.organization, **request_fields)
        except DomainError as error:
            details.add_domain_error(error)
            return self._details(details)
        signing = SignedRequestForm(
            request.POST if step == "sign" else None,
            organization=request.organization,
            user=request.user,
            payload=payload,
            prefix="sign",
        )
        if step != "sign" or not signing.is_valid():
            return self._sign(details, signing)
        create = (
            allocating.allocation_create if self.type_ == AllocationType.ALLOCATION else allocating.deallocation_create
        )
        try:
            allocation = create(
                enterprise=request.organization,
                payload=payload,
                signature=signing.cleaned_data["signature"],
                initiated_by=request.user.get_username(),
                **request_fields,
            )
        except SIGNATURE_ERRORS as error:
            signing.add_error("signature", error.message)
            return self._sign(details, signing)
        except NonceReused as error:  # a new nonce is a new payload: back to step 1
            details = AllocationRequestForm({**request.POST.dict(), "nonce": new_nonce()}, connection=self.connection)
            details.is_valid()
            details.add_domain_error(error)
            return self._details(details)
        except DomainError as error:
            details.add_domain_error(error)
            return self._details(details)
        label = allocation.get_type_display()
        if allocation.status == AllocationStatus.RELEASED:
            messages.error(request, f"{label} refused: {allocation.reason}")
        elif allocation.status == AllocationStatus.RESERVED:
            messages.info(request, f"{label} reserved: {allocation.reason}")
        else:
            messages.success(request, f"{label} cleared.")
        return redirect("network:allocation", pk=allocation.pk)

    def _render(self, context: dict) -> HttpResponse:
        context = {"connection": self.connection, "type": self.type_, **context}
        return render(self.request, self.template_name, context)

    def _details(self, details: AllocationRequestForm) -> HttpResponse:
        return self._render({"step": 1, "details": details})

    def _sign(self, details: AllocationRequestForm, signing: SignedRequestForm) -> HttpResponse:
        return self._render({"step": 2, "details": details, "form": signing})


class DeallocationCreateView(AllocationCreateView):
    type_ = AllocationType.DEALLOCATION


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
            partner=partner_selectors.partner_get(enterprise=enterprise),
            page_obj=_page(self.request, allocations.select_related("connection", "client__enterprise")),
            **kwargs,
        )


@method_decorator(never_cache, name="dispatch")
class PartnerDecisionView(NetworkPageMixin, View):
    """The partner confirms (clears) or refuses (releases, with a reason) a reserved allocation or deallocation: a
    request signed by the partner's enterprise (`allocating.partner_update_signed_fields`), in two steps as the
    client's forms, then `allocating.allocation_partner_update` / `deallocation_partner_update`."""

    organization_permission = WRITE
    template_name = "allocations/decide.html"

    @cached_property
    def allocation(self):
        allocations = selectors.allocation_list_for_partner(enterprise=self.request.organization)
        return scoped_or_404(allocations.select_related("connection", "client__enterprise"), self.kwargs["pk"])

    def _fields(self, details: PartnerDecisionForm) -> dict:
        allocation, data = self.allocation, details.cleaned_data
        return {
            "allocation_id": allocation.pk,
            "currency": allocation.currency.code,
            "quantity": int(allocation.quantity),
            "client_id": allocation.client_id,
            "connection_id": allocation.connection_id,
            "partners_client_id": allocation.connection.partners_client_id,
            "partners_connection_id": allocation.connection.partners_connection_id,
            "partners_allocation_id": data["partners_allocation_id"],
            "status": data["status"],
            "nonce": data["nonce"],
            "reject_reason": data["reject_reason"],
        }

    def get(self, request: HttpRequest, pk) -> HttpResponse:
        return self._render(1, PartnerDecisionForm(initial={"partners_allocation_id": str(self.allocation.pk)}))

    def post(self, request: HttpRequest, pk) -> HttpResponse:
        details = PartnerDecisionForm(request.POST)
        step = request.POST.get("step")
        if self.allocation.status != AllocationStatus.RESERVED or not details.is_valid() or step == "edit":
            return self._render(1, details)
        fields = self._fields(details)
        signed = allocating.partner_update_signed_fields(type_=self.allocation.type, **fields)
        payload = json.dumps(signed, separators=(",", ":"), ensure_ascii=False)
        signing = SignedRequestForm(
            request.POST if step == "sign" else None,
            organization=request.organization,
            user=request.user,
            payload=payload,
            prefix="sign",
        )
        if step != "sign" or not signing.is_valid():
            return self._render(2, details, signing)
        update = (
            allocating.allocation_partner_update
            if self.allocation.type == AllocationType.ALLOCATION
            else allocating.deallocation_partner_update
        )
        try:
            allocation = update(
                enterprise=request.organization,
                payload=payload,
                signature=signing.cleaned_data["signature"],
                **fields,
            )
        except SIGNATURE_ERRORS as error:
            signing.add_error("signature", error.message)
            return self._render(2, details, signing)
        except DomainError as error:
            details.add_domain_error(error)
            return self._render(1, details)
        messages.success(request, f"{allocation.get_type_display()} {allocation.get_status_display().lower()}.")
        return redirect("network:incoming-allocations")

    def _render(self, step: int, details: PartnerDecisionForm, form: SignedRequestForm | None = None) -> HttpResponse:
        context = {"allocation": self.allocation, "step": step, "details": details, "form": form}
        return render(self.request, self.template_name, context)
