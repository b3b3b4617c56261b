"""organizations.web: the page plumbing other apps import (domain errors on forms, the form → service view)."""

import pytest
from django import forms
from django.urls import reverse

from config.errors import Conflict, FieldError, ValidationFailed
from organizations.models import Membership, Role
from organizations.web import DomainErrorForm
from tests.factories.organizations import MembershipFactory


class LabelForm(DomainErrorForm):
    domain_error_fields = {Conflict: "label"}

    label = forms.CharField()
    note = forms.CharField(required=False)


def bound_form() -> LabelForm:
    form = LabelForm({"label": "x"})
    assert form.is_valid()
    return form


def test_a_validation_item_goes_to_the_field_it_names():
    form = bound_form()

    form.add_domain_error(ValidationFailed([FieldError(("label",), "Too spoofy."), FieldError(("other",), "Gone.")]))

    assert form.errors == {"label": ["Too spoofy."], "__all__": ["Gone."]}


def test_other_domain_errors_go_to_their_mapped_field_or_the_top():
    mapped, unmapped = bound_form(), bound_form()

    mapped.add_domain_error(Conflict("Already there."))
    unmapped.add_domain_error(ValidationFailed(message="Archived."))

    assert mapped.errors == {"label": ["Already there."]}
    assert unmapped.errors == {"__all__": ["Archived."]}


@pytest.mark.django_db
def test_the_members_page_invites_by_email(client):
    membership = MembershipFactory(role=Role.OWNER)
    client.force_login(membership.user)

    page = client.get("/organizations/members").text

    assert "Invite by email" in page
    assert "Send invitation" in page
    assert "Add member" not in page  # nobody is added without accepting


@pytest.mark.django_db
def test_changing_a_role_is_post_only(client):
    membership = MembershipFactory(role=Role.OWNER)
    other = MembershipFactory(organization=membership.organization, role=Role.VIEWER)
    client.force_login(membership.user)

    assert client.get(reverse("org-member-role", args=[other.pk])).status_code == 405
    assert client.get(reverse("org-member-role", args=[other.pk]), {"role": Role.OWNER}).status_code == 405
    assert Membership.objects.get(pk=other.pk).role == Role.VIEWER
