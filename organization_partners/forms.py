"""Forms of the partner pages. They take text and leave every rule to organization_partners.services (the same as the
API's and the CSV import's), so a page shows every failing field at once, next to the field."""

import json

from django import forms

from config.errors import ValidationFailed
from organization_partners.csv_import_export import COLUMNS, REQUIRED_COLUMNS, partner_fields_from_text
from organization_partners.models import OrganizationPartner, PartnerInvitationStatus, PartnerType
from organization_partners.selectors import PARTNER_ORDER_FIELDS
from organization_partners.services import organization_partner_clean
from organizations.web import DomainErrorForm

ORDER_LABELS = {
    "company_name": "Company name",
    "sales_amount": "Sales amount",
    "partner_type": "Type",
    "email": "Email",
    "frequency": "Frequency",
    "payment_terms": "Payment terms",
}


class PartnerFilterForm(forms.Form):
    """The list's filters (GET), the API's: search in the company name or email, types, invitation statuses,
    order. An invalid value is dropped (the list shows unfiltered on that point)."""

    q = forms.CharField(required=False, max_length=200, label="Search", strip=True)
    search_field = forms.ChoiceField(
        required=False, choices=[("company_name", "Company name"), ("email", "Email")], label="Search in"
    )
    partner_types = forms.MultipleChoiceField(
        required=False, choices=PartnerType.choices, widget=forms.CheckboxSelectMultiple, label="Type"
    )
    invitation_statuses = forms.MultipleChoiceField(
        required=False,
        choices=[("none", "Not invited"), *PartnerInvitationStatus.choices],
        widget=forms.CheckboxSelectMultiple,
        label="Invitation",
    )
    order_by = forms.ChoiceField(
        required=False,
        choices=[("", "Oldest first"), *((name, ORDER_LABELS[name]) for name in PARTNER_ORDER_FIELDS)],
        label="Sort by",
    )
    order_dir = forms.ChoiceField(
        required=False, choices=[("asc", "Ascending"), ("desc", "Descending")], label="Direction"
    )

    def filters(self) -> dict:
        """`selectors.partner_list` keyword arguments for the valid choices."""
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        if self.is_bound and not self.is_valid():
            data = {name: value for name, value in self.cleaned_data.items() if name not in self.errors}
        return {
            "search_field": data.get("search_field") or "company_name",
            "search_text": (data.get("q") or "").replace("\x00", ""),
            "partner_types": data.get("partner_types") or None,
            "invitation_statuses": data.get("invitation_statuses") or None,
            "order_by": data.get("order_by") or None,
            "order_dir": data.get("order_dir") or "asc",
        }


def _text(label: str, *, max_length: int, help_text: str = "", textarea: bool = False, **attrs) -> forms.CharField:
    # No `required` and no length check here: partner_fields_from_text and the service say what is wrong, with every
    # other error at once. `maxlength` only helps the browser.
    attrs = {"maxlength": max_length, **attrs}
    widget = forms.Textarea(attrs={"rows": 3, **attrs}) if textarea else forms.TextInput(attrs=attrs)
    return forms.CharField(required=False, strip=False, label=label, help_text=help_text, widget=widget)


class PartnerForm(DomainErrorForm):
    """Creating or changing a partner record: the seed-003 fields (required, as in the organization API) and the
    optional seed-001 ones. `organization` and `partner` (when changing one) let it report the service's errors
    together with its own: a page never shows one error, then another after the fix."""

    user_required = frozenset(REQUIRED_COLUMNS)  # required=False only so that the service reports them all at once

    company_name = _text("Company name", max_length=100)
    sales_amount = _text(
        "Sales amount", max_length=20, help_text="Annual sales with this partner, a whole number.", inputmode="numeric"
    )
    partner_type = forms.CharField(
        required=False, label="Type", widget=forms.Select(choices=[("", "—"), *PartnerType.choices])
    )
    email = _text("Email", max_length=100, type="email", autocomplete="off")
    frequency = _text("Frequency", max_length=30, help_text="E.g. monthly.")
    payment_terms = _text("Payment terms", max_length=50, help_text="E.g. Net 30.")
    address = _text("Address", max_length=500, textarea=True)
    city = _text("City", max_length=100)
    state = _text("State", max_length=100)
    postal_code = _text("Postal code", max_length=30)
    country_code = _text("Country code", max_length=2, help_text="ISO 3166-1 alpha-2, such as US or IT.")
    company_registration_number = _text("Company registration number", max_length=255)
    code = _text(
        "Code", max_length=100, help_text="Optional. Unique among your partners; the CSV import matches on it."
    )
    timezone = _text("Time zone", max_length=64, help_text="Optional. An IANA name, such as Europe/Rome.")
    customer_count = _text("Customer count", max_length=20, help_text="Optional. A whole number.", inputmode="numeric")
    properties = _text(
        "Properties",
        max_length=200_000,
        textarea=True,
        help_text='Optional. A JSON object of text values, such as {"region": "north"}.',
        spellcheck="false",
    )

    def __init__(self, *args, organization, partner: OrganizationPartner | None = None, **kwargs) -> None:
        self.organization, self.partner = organization, partner
        if partner is not None:
            kwargs["initial"] = {**self.initial_for(partner), **(kwargs.get("initial") or {})}
        super().__init__(*args, **kwargs)

    @staticmethod
    def initial_for(partner: OrganizationPartner) -> dict:
        initial = {}
        for name in COLUMNS:
            value = getattr(partner, name)
            if name == "properties":
                initial[name] = json.dumps(value, ensure_ascii=False, indent=1) if value else ""
            else:
                initial[name] = "" if value is None else str(value)
        return initial

    def add_domain_error(self, error) -> None:
        """Errors go to the field they are about: `("properties", "region")` to `properties`."""
        if isinstance(error, ValidationFailed) and error.errors:
            for item in error.errors:
                name = str(item.path[0]) if item.path else None
                self.add_error(name if name in self.fields else None, item.msg)
            return
        super().add_domain_error(error)

    def clean(self):
        cleaned = super().clean()
        values = {name: cleaned.get(name) or "" for name in COLUMNS if name not in self.errors}
        data, errors = partner_fields_from_text(values, required=REQUIRED_COLUMNS)
        self.partner_data = data
        if not errors and not self.errors:
            return cleaned  # the service checks the rest when the view calls it
        failed = {e.field for e in errors} | set(self.errors)
        try:  # the service's errors for the other fields, so that all of them show at once
            organization_partner_clean(
                organization=self.organization,
                data={k: v for k, v in data.items() if k not in failed},
                partner=self.partner,
            )
        except ValidationFailed as exc:
            errors.extend(exc.errors)
        self.add_domain_error(ValidationFailed(errors))
        return cleaned


class PartnerImportForm(forms.Form):
    file = forms.FileField(
        label="CSV file",
        help_text=(
            "UTF-8, header line first, at most 10 MB. A row updates the partner with its code, or, without a code, "
            "the partner with its email: importing an export again changes nothing."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )


class PartnerImportApplyForm(forms.Form):
    """Applies the file checked by the dry run, kept on the server under `token` (partner_views)."""

    token = forms.CharField(max_length=64, widget=forms.HiddenInput)
