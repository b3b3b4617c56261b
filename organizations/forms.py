"""Web forms. They check the shape of the input; the services decide the business rules and say what is wrong."""

import json

from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm

from config.errors import DomainError, Forbidden
from config.signin import RefusingSignInMixin, password_attempt, password_attempts_help
from config.validators import validate_display_name
from organizations import selectors, services, signing
from organizations.errors import CustodialKeyMissing, LastOwner, SigningKeyExists
from organizations.models import API_CLIENT_MAX_RATE_LIMIT_PER_MINUTE, ApiClient, PermissionCode, Role, SigningKey
from organizations.signing import SIGNATURE_HEX_LENGTH
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
    """A public key and its proof of possession: its signature over a challenge the server issued for the
    organization (a new one for each page; refused ones are replaced by `renew_challenge`)."""

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
    challenge = forms.CharField(
        max_length=signing.MAX_KEY_CHALLENGE_LENGTH,
        strip=False,
        label="Challenge to sign",
        help_text="Sign exactly this text with the key, as you sign a request payload (the same message scheme). "
        "It names this organization and expires in an hour.",
        widget=forms.Textarea(attrs={"class": "mono", "rows": 3, "readonly": True, "spellcheck": "false"}),
    )
    signature = forms.CharField(
        max_length=SIGNATURE_HEX_LENGTH,
        label="Signature of the challenge",
        help_text="130 hex characters: the proof that you hold the private key. The private key itself never "
        "leaves your systems.",
        widget=forms.TextInput(attrs={"class": "mono", "spellcheck": "false", "autocomplete": "off"}),
    )

    def __init__(self, *args, organization, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.organization = organization
        self.fields["challenge"].initial = self._new_challenge

    def _new_challenge(self) -> str:
        return signing.key_challenge_issue(self.organization.pk)[0]

    def clean_signature(self) -> str:
        return self.cleaned_data["signature"].strip().lower()

    def renew_challenge(self) -> None:
        """After the challenge was refused (expired or altered), show a new one to sign."""
        if self.is_bound and "challenge" in self.errors:
            self.data = self.data.copy()
            self.data[self.add_prefix("challenge")] = self._new_challenge()


def _password_field(label: str = "Your password") -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,  # the service says "Enter your password." on the field when it is empty
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class CustodialKeyEnableForm(DomainErrorForm):
    """Enabling the custodial key: the owner confirms with their password (under the re-entered password budget)."""

    user_required = frozenset({"password"})
    password = _password_field()

    def __init__(self, *args, request, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.request = request
        self.fields["password"].help_text = password_attempts_help()

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if password and (refused := password_attempt(self.request, self.request.user)):
            raise forms.ValidationError(refused, code="rate_limited")
        return password


class SignedRequestForm(DomainErrorForm):
    """The signing part of any page that creates a signed request (connections, allocations, settlements).

    The page computes the exact `payload` and passes it in with the organization and the user; the form shows it
    (template `organizations/_signed_request.html`) and offers two ways to sign it: paste a signature made with one
    of the organization's keys, or — only when the organization has an active custodial key — sign with that key
    after re-entering the password. Once valid, `cleaned_data["signature"]` is the signature either way; a wrong
    password, a missing permission or an exhausted password budget (config.signin.password_attempt: per user and
    per address, shared with the password change page) shows on the form, next to the password.

        form = SignedRequestForm(request.POST or None, request=request, organization=..., payload=payload)
        if form.is_valid():
            partners_services.connection_create(..., payload=payload, signature=form.cleaned_data["signature"])

    The page's service still verifies the signature against the payload (a pasted one may be wrong).

    With a custodial key the custodial method comes first and is the default, pasting stays the other choice; each
    method's field is in its own group (`sign_panels`), and static/js/app.js shows only the chosen method's group.
    `secrets` are values inside the payload that the person typed into password boxes (a connection token): the page
    shows the payload with them masked (`masked_payload`) and the exact payload only when asked.
    """

    PASTE, CUSTODIAL = "paste", "custodial"
    MASK = "••••••••"
    domain_error_fields = {Forbidden: "password", CustodialKeyMissing: "method"}
    # Each is needed for its method (the other method's field stays empty); clean() says which is missing.
    user_required = frozenset({"signature", "password"})

    method = forms.ChoiceField(
        label="How to sign",
        choices=[(PASTE, "Paste a signature"), (CUSTODIAL, "Sign with the custodial key")],
        initial=PASTE,
        widget=forms.RadioSelect,
    )
    signature = forms.CharField(
        required=False,
        max_length=SIGNATURE_HEX_LENGTH,
        help_text="The hex signature of the payload above, made with one of the organization's signing keys.",
        widget=forms.TextInput(attrs={"class": "mono", "spellcheck": "false", "autocomplete": "off"}),
    )
    password = _password_field()  # shown under the heading "Sign with the custodial key"

    def __init__(self, *args, request, organization, payload: str, secrets=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.request, self.organization, self.payload = request, organization, payload
        self.secrets = [secret for secret in secrets if secret]
        self.user = request.user
        self.custodial_key = selectors.custodial_key_active(organization=organization)
        if self.custodial_key is None:
            self.fields["method"].choices = [(self.PASTE, "Paste a signature")]
            self.fields["method"].widget = forms.HiddenInput()
            del self.fields["password"]
        else:
            self.fields["method"].choices = [
                (self.CUSTODIAL, "Sign with the custodial key"),
                (self.PASTE, "Paste a signature"),
            ]
            self.fields["method"].initial = self.CUSTODIAL
            self.fields["method"].widget.attrs["data-sign-method"] = ""
            self.fields["password"].help_text = password_attempts_help()

    @property
    def sign_panels(self) -> list[tuple[str, str, forms.BoundField]]:
        """The methods' groups in the order offered: (method, heading, its field)."""
        if not self.custodial_available:
            return [(self.PASTE, "", self["signature"])]
        return [
            (self.CUSTODIAL, "Sign with the custodial key", self["password"]),
            (self.PASTE, "Paste a signature", self["signature"]),
        ]

    @property
    def chosen_method(self) -> str:
        return self["method"].value() or self.PASTE

    @property
    def masked_payload(self) -> str:
        """The payload with each secret's JSON string (quotes included, so no other text is touched) replaced by a
        mask. Only what is shown changes: the payload signed is `payload`."""
        masked = self.payload
        for secret in self.secrets:
            masked = masked.replace(json.dumps(secret, ensure_ascii=False), json.dumps(self.MASK, ensure_ascii=False))
        return masked

    @property
    def custodial_available(self) -> bool:
        return self.custodial_key is not None

    def clean_signature(self) -> str:
        return self.cleaned_data["signature"].strip().lower()

    def clean(self):
        cleaned = super().clean()
        method = cleaned.get("method")
        if method == self.PASTE:
            signature = cleaned.get("signature", "")
            if not signature:
                self.add_error("signature", "Paste the signature of the payload.")
            elif len(signature) != SIGNATURE_HEX_LENGTH or not all(c in "0123456789abcdef" for c in signature):
                self.add_error("signature", f"A signature is {SIGNATURE_HEX_LENGTH} hexadecimal characters.")
        elif method == self.CUSTODIAL:
            password = cleaned.get("password", "")
            # An empty password is no guess: the service says "Enter your password." without spending the budget.
            if password and (refused := password_attempt(self.request, self.user)):
                self.add_error("password", refused)
                cleaned.pop("password", None)
                return cleaned
            try:
                cleaned["signature"] = services.custodial_sign(
                    organization=self.organization,
                    user=self.user,
                    password=password,
                    payload=self.payload,
                )
            except DomainError as error:
                self.add_domain_error(error)
        cleaned.pop("password", None)  # never kept past validation
        return cleaned


class MembershipRoleForm(DomainErrorForm):
    domain_error_fields = {LastOwner: "role"}

    role = forms.ChoiceField(choices=Role.choices)


class SignInForm(RefusingSignInMixin, AuthenticationForm):
    """Refuses without checking the password while the view says the address is over its attempt budget."""


class BudgetedPasswordChangeForm(PasswordChangeForm):
    """Django's password change, with the old password under the re-entered password budget
    (config.signin.password_attempt, shared with custodial signing): over it, even the right one is refused."""

    def __init__(self, *args, request, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.request = request
        self.fields["old_password"].help_text = password_attempts_help()

    def clean_old_password(self) -> str:
        if refused := password_attempt(self.request, self.user):
            raise forms.ValidationError(refused, code="rate_limited")
        return super().clean_old_password()
