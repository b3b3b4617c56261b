"""The settlement pages of the Network section (`settlements:<name>`, under /network/ beside partners' and
allocations' pages).

Client side: the settlements on the enterprise's connections, one settlement with its transfers and disputes, and
the signed requests on it: dispute (`disputes.dispute_create`), retract / un-retract (`disputes.dispute_update`) and
close (`disputes.dispute_close`). Partner side: its settlements, one settlement, and the settlement form (a signed
request, `settlements.settlement_create`: v2 for partners with disputes enabled, else v1).

Thin: settlements.selectors read, settlements.services decide; their refusals show on the form. Ids in URLs are
scoped to the current organization (else 404). Amounts show in whole units of the currency, from the reader's side.
"""

import uuid
from collections import defaultdict

from django.db.models import Count, Prefetch, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.views.generic import TemplateView

from allocations.selectors.balances import partner_balances
from organizations.signing import signing_payload
from organizations.web import SignedRequestView, scoped_or_404
from partners import selectors as partner_selectors
from partners.amounts import format_units
from partners.views import WRITE, NetworkPageMixin, _page
from settlements import selectors
from settlements.errors import DisputeWindowClosed, SettlementFinal, SettlementNotFound
from settlements.forms import DisputeCloseForm, DisputeForm, DisputeUpdateForm, SettlementForm
from settlements.models import SettlementStatus, SettlementVersion, TransferStatus
from settlements.services import disputes as dispute_services
from settlements.services import settlements as settlement_services
from settlements.templatetags.settlement_units import side_quantity

# Transfers that do not (or will not) move anything: left out of the net amounts.
NOT_MOVING = {TransferStatus.FAILED, TransferStatus.REJECTED, TransferStatus.DISPUTED}
HELD_PAGE_SIZE = 1000  # the connections whose held balances the settlement form shows


def _nets(transfers, client=None) -> list[dict]:
    """Per currency, the sum of the transfers that move (or will), from `client`'s side (the connections' when
    None), in whole units."""
    totals: dict[str, int] = defaultdict(int)
    currencies = {}
    for transfer in transfers:
        if transfer.status in NOT_MOVING:
            continue
        currencies[transfer.currency.code] = transfer.currency
        totals[transfer.currency.code] += side_quantity(transfer, client)
    return [
        {
            "code": code,
            "units": format_units(total, currencies[code].decimals, code, signed=True),
            "negative": total < 0,
        }
        for code, total in sorted(totals.items())
    ]


def _mine(transfer, client):
    """The client's own connection in a transfer (it may be the counterparty)."""
    if transfer.counterparty_client_id == client.pk and transfer.client_id != client.pk:
        return transfer.counterparty_connection
    return transfer.connection


def _dispute_rows(disputes, currencies_by_code=None) -> list[dict]:
    """Each dispute with its expected and adjusted amounts in whole units."""
    rows = []
    for dispute in disputes:
        closure = dispute.closure
        transfers = list(closure.adjusted_settlement_transfers.all()) if closure else []
        decimals = {t.currency.code: t.currency.decimals for t in transfers}
        decimals.update(currencies_by_code or {})
        rows.append(
            {
                "dispute": dispute,
                "expected": [
                    format_units(int(q), decimals.get(code, 0), code, signed=True)
                    for code, q in sorted(dispute.expected_transfers.items())
                ],
                "adjusted": [
                    format_units(int(q), decimals.get(code, 0), code, signed=True)
                    for code, q in sorted((closure.adjusted_transfers if closure else {}).items())
                ],
                "state": "closed" if closure else ("retracted" if dispute.retracted else "open"),
            }
        )
    return rows


def _currency_decimals():
    return {c.code: c.decimals for c in partner_selectors.currency_list()}


# --- client side -----------------------------------------------------------------------------------------------------


class ClientSettlementMixin:
    @cached_property
    def client(self):
        return partner_selectors.network_client_find(enterprise=self.request.organization)

    def client_settlement(self, settlement_id: uuid.UUID):
        try:
            return selectors.settlement_get_for_client(
                enterprise=self.request.organization, settlement_id=settlement_id
            )
        except SettlementNotFound:
            raise Http404("Not found.") from None


class ClientSettlementListView(ClientSettlementMixin, NetworkPageMixin, TemplateView):
    """The settlements that move something on the enterprise's connections, newest first, with the net amount per
    currency from its side and, for pending ones, the time left to dispute."""

    template_name = "settlements/client_list.html"

    def get_context_data(self, **kwargs):
        client = self.client
        settlements = selectors.settlement_list_for_client(enterprise=self.request.organization)
        if client is not None:
            mine = selectors.transfer_queryset().filter(Q(client=client) | Q(counterparty_client=client))
            settlements = settlements.select_related("partner").prefetch_related(
                Prefetch("transfers", queryset=mine.order_by("created_at", "id"), to_attr="my_transfers")
            )
        page_obj = _page(self.request, settlements.order_by("-created_at", "-id"))
        rows = [{"settlement": s, "nets": _nets(s.my_transfers, client)} for s in page_obj]
        return super().get_context_data(client=client, page_obj=page_obj, rows=rows, now=timezone.now(), **kwargs)


class ClientSettlementDetailView(ClientSettlementMixin, NetworkPageMixin, TemplateView):
    """One settlement as the client sees it: its transfers per connection and currency, the windows, its
    disputes."""

    template_name = "settlements/client_detail.html"

    def get_context_data(self, **kwargs):
        client = self.client
        settlement = self.client_settlement(self.kwargs["pk"])
        transfers = list(selectors.settlement_transfers_of(settlement=settlement, client=client))
        rows = sorted(
            (
                {
                    "transfer": t,
                    "connection": _mine(t, client),
                    "amount": format_units(side_quantity(t, client), t.currency.decimals, t.currency.code, signed=True),
                    "negative": side_quantity(t, client) < 0,
                }
                for t in transfers
            ),
            key=lambda row: (row["connection"].name, row["transfer"].currency.code, row["transfer"].created_at),
        )
        disputes = selectors.settlement_disputes(settlement=settlement, client=client)
        decimals = _currency_decimals()
        now = timezone.now()
        return super().get_context_data(
            settlement=settlement,
            rows=rows,
            nets=_nets(transfers, client),
            disputes=_dispute_rows(disputes["settlement_disputes"], decimals),
            settling=_dispute_rows(disputes["settling_disputes"], decimals),
            can_dispute=settlement.status == SettlementStatus.PENDING
            and settlement.dispute_deadline is not None
            and settlement.dispute_deadline > now,
            disputable_connections={row["connection"].pk for row in rows}
            - {d.connection_id for d in disputes["settlement_disputes"] if d.closure_id is None},
            now=now,
            **kwargs,
        )


def _check_disputable(settlement) -> None:
    """The refusals the service would make after the signature, made before it is asked for."""
    if settlement.status != SettlementStatus.PENDING:
        raise SettlementFinal()
    if settlement.dispute_deadline is None or settlement.dispute_deadline <= timezone.now():
        raise DisputeWindowClosed()


class DisputeCreateView(ClientSettlementMixin, NetworkPageMixin, SignedRequestView):
    """Disputing a settlement's transfers on one of the client's connections in it (a signed request): step 1 is
    the connection, the expected amounts per currency and the reason; step 2 signs, then `dispute_create`."""

    organization_permission = WRITE
    template_name = "settlements/dispute.html"
    form_class = DisputeForm
    success_message = "Dispute raised: the transfers on {object.connection.name} are held back unless you retract it."

    @cached_property
    def settlement(self):
        return self.client_settlement(self.kwargs["pk"])

    @cached_property
    def transfers(self):
        return list(selectors.settlement_transfers_of(settlement=self.settlement, client=self.client))

    def get_form_kwargs(self) -> dict:
        connections = {}
        currencies = {}
        for transfer in self.transfers:
            connection = _mine(transfer, self.client)
            connections[connection.pk] = connection
            currencies[transfer.currency.code] = transfer.currency
        return {
            "settlement": self.settlement,
            "connections": sorted(connections.values(), key=lambda c: (c.name, str(c.pk))),
            "currencies": list(currencies.values()),
        }

    def signing_payload(self, form: DisputeForm) -> str:
        _check_disputable(self.settlement)
        return signing_payload(form.dispute_fields().signed())

    def perform(self, form: DisputeForm, *, payload: str, signature: str):
        return dispute_services.dispute_create(
            enterprise=self.request.organization,
            fields=form.dispute_fields(),
            payload=payload,
            signature=signature,
            user_label=f"user {self.request.user.get_username()}",
        )

    def get_success_url(self) -> str:
        return reverse("settlements:client-detail", kwargs={"pk": self.settlement.pk})

    def get_context_data(self, **kwargs):
        details = kwargs.get("details")
        connection = None
        if kwargs.get("step") == 2:
            connection = next(
                (c for c in details.fields["connection"].choices if c[0] == details.cleaned_data["connection"]), None
            )
        moves = [
            {
                "connection": _mine(t, self.client).name,
                "amount": format_units(
                    side_quantity(t, self.client), t.currency.decimals, t.currency.code, signed=True
                ),
                "negative": side_quantity(t, self.client) < 0,
            }
            for t in self.transfers
        ]
        return super().get_context_data(
            settlement=self.settlement, chosen_connection=connection[1] if connection else "", moves=moves, **kwargs
        )


class ClientDisputeMixin(ClientSettlementMixin):
    @cached_property
    def dispute(self):
        disputes = selectors.dispute_list_for_client(enterprise=self.request.organization)
        return scoped_or_404(disputes.select_related("settlement__partner"), self.kwargs["pk"])

    def get_form_kwargs(self) -> dict:
        return {"dispute": self.dispute}

    def get_success_url(self) -> str:
        return reverse("settlements:client-detail", kwargs={"pk": self.dispute.settlement_id})

    def get_context_data(self, **kwargs):
        return super().get_context_data(dispute=self.dispute, settlement=self.dispute.settlement, **kwargs)


class DisputeUpdateView(ClientDisputeMixin, NetworkPageMixin, SignedRequestView):
    """Retracting an open dispute, or un-retracting it, within the dispute window (a signed request, then
    `dispute_update`)."""

    organization_permission = WRITE
    template_name = "settlements/dispute_update.html"
    form_class = DisputeUpdateForm

    def signing_payload(self, form: DisputeUpdateForm) -> str:
        _check_disputable(self.dispute.settlement)
        return signing_payload(form.update_fields().signed(settlement_id=self.dispute.settlement_id))

    def perform(self, form: DisputeUpdateForm, *, payload: str, signature: str):
        return dispute_services.dispute_update(
            enterprise=self.request.organization,
            fields=form.update_fields(),
            payload=payload,
            signature=signature,
            user_label=f"user {self.request.user.get_username()}",
        )

    def get_success_message(self) -> str:
        if self.object.retracted:
            return "Dispute retracted: the transfers on its connection will complete."
        return "Dispute stands again: the transfers on its connection are held back."


class DisputeCloseView(ClientDisputeMixin, NetworkPageMixin, SignedRequestView):
    """The client closes its own dispute (a signed request, then `dispute_close`): the original transfers of its
    connection go into the partner's next settlement."""

    organization_permission = WRITE
    template_name = "settlements/dispute_close.html"
    form_class = DisputeCloseForm
    success_message = "Dispute closed: the original transfers go into the partner's next settlement."

    def signing_payload(self, form: DisputeCloseForm) -> str:
        return signing_payload(form.close_fields().signed(enterprise_id=self.request.organization.pk))

    def perform(self, form: DisputeCloseForm, *, payload: str, signature: str):
        return dispute_services.dispute_close(
            enterprise=self.request.organization,
            fields=form.close_fields(),
            payload=payload,
            signature=signature,
            user=self.request.user,
            user_label=f"user {self.request.user.get_username()}",
        )


# --- partner side ----------------------------------------------------------------------------------------------------


class PartnerMixin:
    @cached_property
    def partner(self):
        return partner_selectors.partner_find(enterprise=self.request.organization)


class PartnerSettlementListView(PartnerMixin, NetworkPageMixin, TemplateView):
    """The enterprise's settlements as a partner, newest first, with their status and dispute count, and the
    partner's own account."""

    template_name = "settlements/partner_list.html"

    def get_context_data(self, **kwargs):
        enterprise = self.request.organization
        settlements = (
            selectors.settlement_list_for_partner(enterprise=enterprise)
            .annotate(dispute_count=Count("disputes"))
            .prefetch_related(
                Prefetch("transfers", queryset=selectors.transfer_queryset().order_by("created_at", "id"))
            )
            .order_by("-created_at", "-id")
        )
        page_obj = _page(self.request, settlements)
        rows = [{"settlement": s, "nets": _nets(s.transfers.all())} for s in page_obj]
        own = []
        if self.partner is not None:
            decimals = _currency_decimals()
            balances = partner_balances(enterprise=enterprise, page_size=1).balances or {}
            own = [
                {"code": code, "units": format_units(b.available, decimals.get(code, 0), code)}
                for code, b in sorted(balances.items())
            ]
        return super().get_context_data(partner=self.partner, page_obj=page_obj, rows=rows, own=own, **kwargs)


class PartnerSettlementDetailView(PartnerMixin, NetworkPageMixin, TemplateView):
    template_name = "settlements/partner_detail.html"

    def get_context_data(self, **kwargs):
        try:
            settlement = selectors.settlement_get_for_partner(
                enterprise=self.request.organization, settlement_id=self.kwargs["pk"]
            )
        except SettlementNotFound:
            raise Http404("Not found.") from None
        transfers = list(selectors.settlement_transfers_of(settlement=settlement))
        rows = [
            {
                "transfer": t,
                "amount": format_units(int(t.quantity), t.currency.decimals, t.currency.code, signed=True),
                "negative": int(t.quantity) < 0,
            }
            for t in transfers
        ]
        disputes = selectors.settlement_disputes(settlement=settlement)
        decimals = _currency_decimals()
        return super().get_context_data(
            settlement=settlement,
            rows=rows,
            nets=_nets(transfers),
            disputes=_dispute_rows(disputes["settlement_disputes"], decimals),
            settling=_dispute_rows(disputes["settling_disputes"], decimals),
            now=timezone.now(),
            **kwargs,
        )


class SettlementCreateView(PartnerMixin, NetworkPageMixin, SignedRequestView):
    """The partner settles its clients' gains and losses (a signed request): step 1 is the rows (connection,
    currency, signed amount in whole units), notes and, for v2, the cutoff, with each connection's held balance;
    a loss above it is refused before signing. Step 2 signs `settlement_signing_payload`, then
    `settlement_create`. "Add a row" posts the form back with one more row (no script needed)."""

    organization_permission = WRITE
    template_name = "settlements/settle.html"
    form_class = SettlementForm

    def get(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if self.partner is None:
            return self.render_to_response(self.get_context_data(step=0))
        return super().get(request, *args, **kwargs)

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if self.partner is None:
            raise Http404("Not a partner.")
        if "add_row" in request.POST:
            data = request.POST.dict()
            try:
                rows = int(data.get("rows", 0)) + 1
            except ValueError:
                rows = 1
            return self.render_step(1, self.form_class(initial=data, rows=rows, **self.get_form_kwargs()))
        return super().post(request, *args, **kwargs)

    @cached_property
    def v2(self) -> bool:
        return bool(self.partner.config.disputes_enabled)

    @cached_property
    def held_connections(self):
        """The partner's connections, each with `.balances` (currency code → Balance; `available` is held)."""
        result = partner_balances(enterprise=self.request.organization, page_size=HELD_PAGE_SIZE)
        connections = {c.pk: c for c in result.connections}
        # With their clients' names, for the choices.
        named = partner_selectors.connection_list_for_partner(
            enterprise=self.request.organization, connection_ids=list(connections)
        ).select_related("client__enterprise")
        for connection in named:
            connection.balances = connections[connection.pk].balances
        return list(named)

    @cached_property
    def currencies(self):
        return list(self.partner.config.supported_currencies.order_by("code"))

    def get_form_kwargs(self) -> dict:
        held = {
            str(c.pk): {code: balance.available for code, balance in c.balances.items()} for c in self.held_connections
        }
        return {"connections": self.held_connections, "currencies": self.currencies, "held": held, "v2": self.v2}

    def signing_payload(self, form: SettlementForm) -> str:
        return settlement_services.settlement_signing_payload(
            enterprise=self.request.organization, fields=form.settlement_fields()
        )

    def perform(self, form: SettlementForm, *, payload: str, signature: str):
        return settlement_services.settlement_create(
            enterprise=self.request.organization,
            fields=form.settlement_fields(),
            payload=payload,
            signature=signature,
            initiated_by=f"user {self.request.user.get_username()}",
            version=SettlementVersion.V2 if self.v2 else SettlementVersion.V1,
        )

    def get_success_message(self) -> str:
        settlement = self.object
        if settlement.status == SettlementStatus.PENDING:
            return f"Settlement {settlement.external_id} is pending: clients may dispute it until the window ends."
        return f"Settlement {settlement.external_id} {settlement.get_status_display().lower()}."

    def get_success_url(self) -> str:
        return reverse("settlements:incoming-settlement", kwargs={"pk": self.object.pk})

    def get_context_data(self, **kwargs):
        decimals = {c.code: c.decimals for c in self.currencies} if self.partner else {}
        held_rows = []
        if self.partner is not None:
            for connection in self.held_connections:
                held_rows.append(
                    {
                        "connection": connection,
                        "balances": [
                            format_units(b.available, decimals.get(code, 0), code)
                            for code, b in sorted(connection.balances.items())
                            if b.available
                        ],
                    }
                )
        return super().get_context_data(
            partner=self.partner, v2=self.partner is not None and self.v2, held_rows=held_rows, **kwargs
        )
