"""Web forms of invitations and connections. They check the shape of the input; invitations.services decides
the rules and says what is wrong (shown next to the field it names)."""

from datetime import UTC, datetime, time, timedelta

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import BaseUserCreationForm

from config.errors import Forbidden
from config.validators import validate_display_name
from invitations.errors import PartnerAlreadyConnected, PartnerEmailMissing
from invitations.services import INVITATION_DEFAULT_LIFETIME, INVITATION_MAX_LIFETIME, invitation_expiry_errors
from organizations.models import Organization, Role
from organizations.web import DomainErrorForm

NEW = "new"


class GuestInvitationForm(DomainErrorForm):
    """A new guest invitation. The expiry is a day (UTC): the link works until the end of it."""

    domain_error_fields = {PartnerAlreadyConnected: "email", PartnerEmailMissing: "email"}

    email = forms.EmailField(max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "off"}))
    expired_at = forms.DateField(
        label="Valid until (UTC)",
        # An <input type="date"> takes only YYYY-MM-DD: the locale's format would leave the default day blank.
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="The link works until the end of this day; at most a year from now.",
    )
    parent_organization = forms.ChoiceField(
        required=False,
        label="Inviting organization",
        help_text="This organization or one of its sub-organizations: it becomes the host of the connection.",
    )

    def __init__(self, *args, organization: Organization, **kwargs) -> None:
        # The default: the API's for a partner record's invitation. FormView always passes `initial` (empty).
        today = datetime.now(UTC).date()
        kwargs["initial"] = {"expired_at": today + INVITATION_DEFAULT_LIFETIME, **(kwargs.get("initial") or {})}
        super().__init__(*args, **kwargs)
        # The browser's date picker offers only the days the service accepts (it still checks).
        self.fields["expired_at"].widget.attrs.update(
            min=today.isoformat(),
            max=(datetime.now(UTC) + INVITATION_MAX_LIFETIME - timedelta(days=1)).date().isoformat(),
        )
        children = list(organization.children.order_by("name", "id"))
        if children:
            self.fields["parent_organization"].choices = [
                ("", organization.name),
                *((str(child.pk), child.name) for child in children),
            ]
        else:
            del self.fields["parent_organization"]

    def clean_expired_at(self):
        day = self.cleaned_data["expired_at"]
        expired_at = datetime.combine(day + timedelta(days=1), time.min, tzinfo=UTC)
        # The service's rule here too, so that a wrong day shows beside an email error instead of after it.
        if errors := invitation_expiry_errors(expired_at):
            raise forms.ValidationError([error.msg for error in errors])
        return expired_at


class MemberInviteForm(DomainErrorForm):
    """Invites an email address to join; the page answers the same whether or not it has an account."""

    domain_error_fields = {Forbidden: "role"}

    email = forms.EmailField(max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "off"}))
    role = forms.ChoiceField(choices=Role.choices, initial=Role.VIEWER)


class GuestAcceptForm(DomainErrorForm):
    """Which organization accepts: one of the user's (owner or admin) or a new one."""

    organization_id = forms.ChoiceField(label="Accept for", widget=forms.RadioSelect)
    new_organization_name = forms.CharField(
        required=False,
        max_length=Organization._meta.get_field("name").max_length,
        label="Name of the new organization",
        validators=[validate_display_name],
        help_text="When you create a new organization: you become its owner.",
    )

    def __init__(self, *args, organizations, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        choices = [(str(o.pk), o.name) for o in organizations]
        self.fields["organization_id"].choices = [*choices, (NEW, "A new organization")]
        self.fields["organization_id"].initial = choices[0][0] if choices else NEW

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("organization_id") == NEW and not cleaned.get("new_organization_name", "").strip():
            self.add_error("new_organization_name", "Name the new organization.")
        return cleaned

    def service_arguments(self) -> dict:
        chosen = self.cleaned_data["organization_id"]
        if chosen == NEW:
            return {"organization": None, "new_organization_name": self.cleaned_data["new_organization_name"]}
        return {"organization": chosen, "new_organization_name": None}


class InvitationSignUpForm(BaseUserCreationForm):
    """A new account with the invitation's email (shown, not editable): username and password, checked by
    Django's validators (including the password's similarity to the email)."""

    domain_error_fields: dict = {}
    add_domain_error = DomainErrorForm.add_domain_error

    class Meta(BaseUserCreationForm.Meta):
        model = get_user_model()
        fields = ("username",)

    def __init__(self, *args, email: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.instance.email = email  # so the password validators compare the password with it
