"""Web forms of the allocation pages. They check the shape of the input; allocations.services.allocations decides
the rest. Each signed request's form builds the request's fields (`AllocationFields`, `PartnerUpdateFields`)."""

import uuid

from django import forms

from allocations.errors import AllocationAlreadyFinal, AllocationMismatch, CurrencyNotSupported
from allocations.models import Allocation, AllocationStatus, AllocationType
from allocations.payloads import AllocationFields, PartnerUpdateFields
from organizations.signing import NONCE_PATTERN, new_nonce
from organizations.web import DomainErrorForm
from partners.amounts import MAX_AMOUNT_DIGITS, parse_amount
from partners.models import Connection

MAX_NOTES_LENGTH = 1000


class AllocationRequestForm(DomainErrorForm):
    """Step 1 of an allocation or deallocation: the amount (a currency the partner supports, a quantity in base
    units) and notes, with a clientExternalId (uuid4) and a nonce made here (hidden). Step 2 carries them hidden."""

    domain_error_fields = {CurrencyNotSupported: "currency"}

    currency = forms.ChoiceField(help_text="The currencies the partner supports.")
    quantity = forms.CharField(
        max_length=MAX_AMOUNT_DIGITS,
        help_text="In the currency's base units (an integer, e.g. satoshis).",
        widget=forms.TextInput(attrs={"inputmode": "numeric", "class": "mono", "autocomplete": "off"}),
    )
    notes = forms.CharField(required=False, max_length=MAX_NOTES_LENGTH, widget=forms.Textarea(attrs={"rows": 2}))
    client_external_id = forms.UUIDField(widget=forms.HiddenInput)
    nonce = forms.RegexField(regex=NONCE_PATTERN, widget=forms.HiddenInput)

    def __init__(self, *args, connection: Connection, **kwargs) -> None:
        initial = kwargs.setdefault("initial", {})
        initial.setdefault("client_external_id", str(uuid.uuid4()))
        initial.setdefault("nonce", new_nonce())
        super().__init__(*args, **kwargs)
        self.connection = connection
        codes = connection.partner.config.supported_currencies.order_by("code").values_list("code", flat=True)
        self.fields["currency"].choices = [(code, code) for code in codes]

    def clean_quantity(self) -> int:
        try:
            quantity = parse_amount(self.cleaned_data["quantity"].strip())
        except ValueError:
            raise forms.ValidationError("Give a whole number of base units, without leading zeros.") from None
        if quantity <= 0:
            raise forms.ValidationError("The quantity must be more than 0.")
        return quantity

    def allocation_fields(self) -> AllocationFields:
        """The request's fields, through the form's connection."""
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
