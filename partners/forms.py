"""Web forms of the Network section. They check the shape of the input; partners.services decide the rest."""

from django import forms

from config.validators import validate_display_name
from organizations.signing import NONCE_PATTERN, new_nonce
from organizations.web import DomainErrorForm
from partners.models import CONNECTION_KEY_FIELDS, ConnectionKeySchema, Partner

MAX_WINDOW_MINUTES = 10**6  # as the API takes them
MAX_CONNECTION_KEY_FIELD_LENGTH = 4096  # as the API takes them (room for an encrypted envelope)

# How the connection key fields are labelled on the pages (the form fields keep the reference's names, so that a
# service error about `("connection_key", "apiKey")` lands next to the `apiKey` field).
CONNECTION_KEY_LABELS = {
    "connectionToken": "Connection token",
    "signature": "Token signature",
    "apiKey": "API key",
    "apiSecret": "API secret",
    "clientAccountId": "Client account ID",
    "companyRegistrationNumber": "Company registration number",
}
CONNECTION_KEY_HELP = {
    "connectionToken": "The token the partner gave you for this connection.",
    "signature": "The partner's signature of that token.",
}


def _window_field(label: str) -> forms.IntegerField:
    return forms.IntegerField(
        label=label, required=False, min_value=0, max_value=MAX_WINDOW_MINUTES, help_text="In minutes."
    )


class PartnerRegisterForm(DomainErrorForm):
    """Seed 000's fields. trustOrg, settlement route and public key come from the partner config staff set up.
    The service's errors (no config, already a partner) show at the top of the form."""

    name = forms.CharField(
        max_length=Partner._meta.get_field("name").max_length,
        validators=[validate_display_name],
        help_text="How clients see you in the partner directory.",
    )
    institution_identifier = forms.CharField(
        label="Institution identifier",
        max_length=Partner._meta.get_field("institution_identifier").max_length,
        validators=[validate_display_name],
        help_text="Your identifier as a financial institution, e.g. an LEI.",
    )
    institution_id = forms.UUIDField(
        label="Institution ID", required=False, help_text="The network's id of your institution, when it has one."
    )
    connection_key_schema = forms.ChoiceField(
        label="Connection key schema",
        choices=ConnectionKeySchema.choices,
        help_text="The credentials clients give when they connect to you.",
    )
    broker = forms.BooleanField(required=False, label="We act as a broker")
    client_dispute_window_minutes = _window_field("Client dispute window")
    top_up_window_minutes = _window_field("Top-up window")
    allocation_policies_enabled = forms.BooleanField(required=False, label="Allocation policies enabled")


class PartnerDirectoryFilterForm(forms.Form):
    """The directory's filters (GET). Every field is optional; an invalid value is ignored with a message."""

    YES_NO = [("", "Any"), ("true", "Yes"), ("false", "No")]

    names = forms.CharField(
        required=False, max_length=1000, label="Names", help_text="Exact names, separated by commas."
    )
    active = forms.TypedChoiceField(
        required=False, choices=YES_NO, coerce=lambda v: v == "true", empty_value=None, label="Active"
    )
    allocation_policies_enabled = forms.TypedChoiceField(
        required=False, choices=YES_NO, coerce=lambda v: v == "true", empty_value=None, label="Allocation policies"
    )
    filter_by_trust_org = forms.BooleanField(required=False, label="Only my trust organization")

    def filters(self) -> dict:
        """The selector's keyword arguments for what was chosen."""
        data = self.cleaned_data
        names = [name.strip() for name in data.get("names", "").split(",") if name.strip()]
        return {
            "names": names or None,
            "active": data.get("active"),
            "allocation_policies_enabled": data.get("allocation_policies_enabled"),
            "filter_by_trust_org": bool(data.get("filter_by_trust_org")),
        }


class ConnectionActiveFilterForm(forms.Form):
    active = forms.TypedChoiceField(
        required=False,
        choices=[("", "All"), ("true", "Active"), ("false", "Inactive")],
        coerce=lambda v: v == "true",
        empty_value=None,
        label="Status",
    )


class ConnectionDetailsForm(DomainErrorForm):
    """Step 1 of connecting: the name and the connection key fields of the partner's schema (only those), and a
    nonce the server generated. Step 2 carries the same fields as hidden inputs (`as_hidden()`). Errors about the
    partner (inactive, another trust organization) show at the top; a missing key field next to it."""

    name = forms.CharField(
        max_length=200, validators=[validate_display_name], help_text="So you recognise it, e.g. “Main account”."
    )
    nonce = forms.RegexField(regex=NONCE_PATTERN, widget=forms.HiddenInput)

    def __init__(self, *args, partner: Partner, **kwargs) -> None:
        kwargs.setdefault("initial", {}).setdefault("nonce", new_nonce())
        super().__init__(*args, **kwargs)
        self.partner = partner
        self.key_fields = CONNECTION_KEY_FIELDS[partner.connection_key_schema]
        for name in self.key_fields:
            self.fields[name] = forms.CharField(
                label=CONNECTION_KEY_LABELS[name],
                max_length=MAX_CONNECTION_KEY_FIELD_LENGTH,
                strip=False,
                help_text=CONNECTION_KEY_HELP.get(name, ""),
                # The value is re-rendered only into this form when it comes back with an error (so nothing typed
                # is lost); the browser is told not to remember it.
                widget=forms.PasswordInput(
                    render_value=True, attrs={"autocomplete": "off", "spellcheck": "false", "class": "mono"}
                ),
            )

    def key_bound_fields(self):
        return [self[name] for name in self.key_fields]

    def connection_request(self) -> dict:
        """The services' keyword arguments for this request."""
        data = self.cleaned_data
        return {
            "partner_id": self.partner.pk,
            "name": data["name"],
            "connection_key": {"schema": self.partner.connection_key_schema, **{f: data[f] for f in self.key_fields}},
            "nonce": data["nonce"],
        }
