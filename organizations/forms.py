"""Web forms. They check the shape of the input; the services decide the business rules and say what is wrong."""

from django import forms
from django.contrib.auth.forms import AuthenticationForm

from config.errors import Forbidden
from config.signin import RefusingSignInMixin
from config.validators import validate_display_name
from organizations.errors import AlreadyMember, LastOwner, SigningKeyExists
from organizations.models import API_CLIENT_MAX_RATE_LIMIT_PER_MINUTE, ApiClient, PermissionCode, Role, SigningKey
from organizations.web import DomainErrorForm


class OrganizationSwitchForm(forms.Form):
    organization_id = forms.UUIDField()
    next = forms.CharField(required=False)


class ApiClientCreateForm(DomainErrorForm):
    domain_error_fields = {Forbidden: "permissions"}

    name = forms.CharField(
        max_length=ApiClient._meta.get_field("name").max_length,
        validators=[validate_display_name],
        help_text="So you recognise it later, e.g. “ERP sync (production)”.",
    )
    permissions = forms.MultipleChoiceField(
        choices=PermissionCode.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one permission."},
    )
    rate_limit_per_minute = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=API_CLIENT_MAX_RATE_LIMIT_PER_MINUTE,
        label="Rate limit per minute",
        help_text="Optional. Leave empty for the installation default.",
    )


class SigningKeyCreateForm(DomainErrorForm):
    domain_error_fields = {SigningKeyExists: "public_key"}

    label = forms.CharField(
        max_length=SigningKey._meta.get_field("label").max_length, validators=[validate_display_name]
    )
    public_key = forms.CharField(
        max_length=SigningKey._meta.get_field("public_key").max_length,
        label="Public key",
        help_text="A compressed secp256k1 public key in hex (66 characters, starting 02 or 03) or an xpub.",
        widget=forms.TextInput(attrs={"class": "mono", "spellcheck": "false", "autocomplete": "off"}),
    )


class MemberAddForm(DomainErrorForm):
    """Adds a user who already has an account (invitations by email come later)."""

    domain_error_fields = {AlreadyMember: "identifier"}

    identifier = forms.CharField(
        max_length=254,
        label="Username or email",
        help_text="The person must already have an account.",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    role = forms.ChoiceField(choices=Role.choices, initial=Role.VIEWER)


class MembershipRoleForm(DomainErrorForm):
    domain_error_fields = {LastOwner: "role"}

    role = forms.ChoiceField(choices=Role.choices)


class SignInForm(RefusingSignInMixin, AuthenticationForm):
    """Refuses without checking the password while the view says the address is over its attempt budget."""
