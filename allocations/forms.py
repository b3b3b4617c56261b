"""Web forms of the allocation pages. They check the shape of the input; allocations.services.allocations decides
the rest. Each signed request's form builds the request's fields (`AllocationFields`, `PartnerUpdateFields`)."""

import re
import uuid

from django import forms

from allocations.errors import AllocationAlreadyFinal, AllocationMismatch, CurrencyNotSupported
from allocations.models import Allocation, AllocationStatus, AllocationType
from allocations.payloads import AllocationFields, PartnerUpdateFields
from organizations.signing import NONCE_PATTERN, new_nonce
from organizations.web import DomainErrorForm
from partners.amounts import MAX_AMOUNT_DIGITS, format_units, parse_amount, parse_units
from partners.models import Connection, Currency

MAX_NOTES_LENGTH = 1000
_GROUPED = re.compile(r"[0-9]{1,3}(?:,[0-9]{3})+", re.ASCII)  # base units may group thousands: 25,000,000


UNIT_WHOLE, UNIT_BASE = "whole", "base"


class AllocationRequestForm(DomainErrorForm):
    """Step 1 of an allocation or deallocation: the amount (a currency the partner supports, a quantity in whole
    units of it, or in base units when `unit` says so) and notes, with a clientExternalId (uuid4) and a nonce made
    here (hidden). Step 2 carries them hidden; the signed payload has the quantity in base units.

    `currencies` are the ones it may name (the partner's supported ones when not given). `limits` (code → base
    units) is what the request may move as far as the page knows: the client's available funds for an allocation,
    the connection's held funds for a deallocation. More is refused here, before a signature is asked for; the
    service still decides (the balance may move meanwhile)."""

    domain_error_fields = {CurrencyNotSupported: "currency"}

    currency = forms.ChoiceField(help_text="The currencies the partner supports.")
    quantity = forms.CharField(
        max_length=MAX_AMOUNT_DIGITS + 30,  # 78 digits with separators and a decimal point
        help_text="In whole units of the currency, such as 0.25 (a point for decimals; commas between thousands are "
        "fine). Choose “base units” to type the exact integer of the smallest unit instead (satoshis, wei).",
        widget=forms.TextInput(
            attrs={"inputmode": "decimal", "class": "mono num", "autocomplete": "off", "data-amount-input": ""}
        ),
    )
    unit = forms.ChoiceField(
        label="Unit",
        choices=[(UNIT_WHOLE, "whole units"), (UNIT_BASE, "base units")],
        initial=UNIT_WHOLE,
        widget=forms.Select(attrs={"data-amount-unit": ""}),
    )
    notes = forms.CharField(required=False, max_length=MAX_NOTES_LENGTH, widget=forms.Textarea(attrs={"rows": 2}))
    client_external_id = forms.UUIDField(widget=forms.HiddenInput)
    nonce = forms.RegexField(regex=NONCE_PATTERN, widget=forms.HiddenInput)

    def __init__(
        self,
        *args,
        connection: Connection,
        type_: str = AllocationType.ALLOCATION,
        currencies: list[Currency] | None = None,
        limits: dict[str, int] | None = None,
        **kwargs,
    ) -> None:
        initial = kwargs.setdefault("initial", {})
        initial.setdefault("client_external_id", str(uuid.uuid4()))
        initial.setdefault("nonce", new_nonce())
        super().__init__(*args, **kwargs)
        self.connection = connection
        self.type_ = type_
        self.limits = limits
        if currencies is None:
            currencies = connection.partner.config.supported_currencies.order_by("code")
        self.currencies = {c.code: c for c in currencies}
        self.fields["currency"].choices = [(code, code) for code in self.currencies]
        self.fields["currency"].widget.attrs["data-amount-currency"] = ""
        if type_ == AllocationType.DEALLOCATION:
            self.fields["currency"].help_text = "The currencies the partner supports, and any this connection holds."

    def clean_quantity(self) -> str:
        text = self.cleaned_data["quantity"].strip()
        if not text:
            raise forms.ValidationError("Type an amount, such as 0.25.")
        return text  # read with the currency and the unit (clean)

    def clean(self):
        cleaned = super().clean()
        text, code, unit = cleaned.get("quantity"), cleaned.get("currency"), cleaned.get("unit")
        if text is None or code is None or unit is None:
            return cleaned
        currency = self.currencies[code]
        try:
            if unit == UNIT_BASE:
                digits = text.replace("_", "").replace(" ", "")
                if "," in digits and not _GROUPED.fullmatch(digits):
                    raise ValueError(digits)
                quantity = parse_amount(digits.replace(",", ""))
            else:
                quantity = parse_units(text, currency.decimals)
        except ValueError as error:
            message = "Give a whole number of base units, such as 25000000." if unit == UNIT_BASE else str(error)
            self.add_error("quantity", message)
            return cleaned
        if quantity <= 0:
            self.add_error("quantity", "The amount must be more than 0.")
            return cleaned
        cleaned["quantity"] = quantity
        limit = None if self.limits is None else self.limits.get(code, 0)
        if limit is not None and quantity > limit:
            asked = format_units(quantity, currency.decimals, code)
            has = format_units(limit, currency.decimals, code)
            if self.type_ == AllocationType.ALLOCATION:
                message = f"You have {has} available to allocate: {asked} is more."
            else:
                message = f"{self.connection.name} holds {has} you can take back: {asked} is more."
            self.add_error("quantity", message)
        return cleaned

    @property
    def chosen_currency(self) -> Currency | None:
        """The currency of the valid form (for its amount in whole units)."""
        return self.currencies.get(getattr(self, "cleaned_data", {}).get("currency"))

    def allocation_fields(self) -> AllocationFields:
        """The request's fields, through the form's connection (the quantity in base units)."""
        data = self.cleaned_data
        return AllocationFields(
            connection_id=self.connection.pk,
            currency=data["currency"],
            quantity=data["quantity"],
            notes=data["notes"],
            client_external_id=str(data["client_external_id"]),
            nonce=data["nonce"],
        )


class AllocationFilterForm(forms.Form):
    """The allocation history's filters (GET); an invalid value is ignored."""

    type = forms.ChoiceField(required=False, choices=[("", "Any type"), *AllocationType.choices])
    status = forms.ChoiceField(required=False, choices=[("", "Any status"), *AllocationStatus.choices])
    currency = forms.CharField(required=False, max_length=20)
    connection = forms.UUIDField(required=False)

    def filters(self) -> dict:
        data = self.cleaned_data if self.is_valid() else {}
        return {
            "types": [data["type"]] if data.get("type") else None,
            "statuses": [data["status"]] if data.get("status") else None,
            "currencies": [data["currency"].strip().lower()] if data.get("currency", "").strip() else None,
            "connection_ids": [data["connection"]] if data.get("connection") else None,
            "descending": True,
        }


class PartnerDecisionForm(DomainErrorForm):
    """A partner's answer to a reserved `allocation`: confirm (clear) or refuse (release, with a reason). Its
    reference defaults to the allocation's id."""

    domain_error_fields = {AllocationMismatch: "status", AllocationAlreadyFinal: "status"}

    status = forms.ChoiceField(
        label="Decision",
        choices=[(AllocationStatus.CLEARED, "Confirm (clear)"), (AllocationStatus.RELEASED, "Refuse (release)")],
    )
    reject_reason = forms.CharField(required=False, max_length=1000, label="Reason for refusing")
    partners_allocation_id = forms.CharField(
        max_length=255, label="Your reference", help_text="Your own id for it (partnersAllocationId)."
    )
    nonce = forms.RegexField(regex=NONCE_PATTERN, widget=forms.HiddenInput)

    def __init__(self, *args, allocation: Allocation, **kwargs) -> None:
        initial = kwargs.setdefault("initial", {})
        initial.setdefault("nonce", new_nonce())
        initial.setdefault("partners_allocation_id", str(allocation.pk))
        super().__init__(*args, **kwargs)
        self.allocation = allocation

    def clean_reject_reason(self) -> str:
        return self.cleaned_data["reject_reason"].strip()

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("status") == AllocationStatus.RELEASED and not cleaned.get("reject_reason"):
            self.add_error("reject_reason", "Say why you refuse it.")
        if cleaned.get("status") == AllocationStatus.CLEARED:
            cleaned["reject_reason"] = ""
        return cleaned

    def update_fields(self) -> PartnerUpdateFields:
        """The update's fields: the allocation as it is recorded, and the partner's answer."""
        allocation, data = self.allocation, self.cleaned_data
        return PartnerUpdateFields(
            allocation_id=allocation.pk,
            currency=allocation.currency.code,
            quantity=int(allocation.quantity),
            client_id=allocation.client_id,
            connection_id=allocation.connection_id,
            partners_client_id=allocation.connection.partners_client_id,
            partners_connection_id=allocation.connection.partners_connection_id,
            partners_allocation_id=data["partners_allocation_id"],
            status=data["status"],
            nonce=data["nonce"],
            reject_reason=data["reject_reason"],
        )
