"""The partner records' admin: the list with filters and search, writes through the service (its rules, every error
at once), deletes, and the CSV export action."""

import csv
import io

import pytest
from django.urls import reverse

from organization_partners.models import OrganizationPartner
from tests.factories.organization_partners import OrganizationPartnerFactory
from tests.factories.organizations import OrganizationFactory, UserFactory
from tests.organization_partners.pages.conftest import csv_row

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:organization_partners_organizationpartner_changelist")
ADD = reverse("admin:organization_partners_organizationpartner_add")


@pytest.fixture
def staff(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def form(organization, **changes) -> dict:
    return {"organization": organization.pk, **csv_row(0, **changes)}


def test_the_list_searches_and_filters(staff):
    OrganizationPartnerFactory(company_name="Findable Ltd", partner_type="supplier", code="FINDME-1")
    OrganizationPartnerFactory(company_name="Other Ltd")
    assert staff.get(CHANGELIST).status_code == 200
    response = staff.get(CHANGELIST, {"q": "findme"})
    assert "Findable Ltd" in response.text and "Other Ltd" not in response.text
    response = staff.get(CHANGELIST, {"partner_type__exact": "supplier"})
    assert "Findable Ltd" in response.text and "Other Ltd" not in response.text
    assert staff.get(CHANGELIST, {"invitation_status__exact": "invited"}).status_code == 200


def test_add_goes_through_the_service_and_shows_every_error(staff):
    organization = OrganizationFactory()
    OrganizationPartnerFactory(organization=organization, code="TAKEN")

    response = staff.post(ADD, form(organization, code="TAKEN", timezone="Nowhere", country_code="XX", email="x"))

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert {"code", "timezone", "country_code", "email"} <= set(errors)
    assert OrganizationPartner.objects.filter(organization=organization).count() == 1

    response = staff.post(ADD, form(organization, code="NEW", properties='{"a": "b"}'))
    assert response.status_code == 302
    partner = OrganizationPartner.objects.get(code="NEW")
    assert (partner.organization, partner.properties, partner.country_code) == (organization, {"a": "b"}, "IT")


def test_change_and_delete(staff):
    partner = OrganizationPartnerFactory(code="C")
    change = reverse("admin:organization_partners_organizationpartner_change", args=[partner.pk])
    assert staff.get(change).status_code == 200
    response = staff.post(change, {**csv_row(0, code="C", company_name="Renamed", properties="")})
    assert response.status_code == 302
    partner.refresh_from_db()
    assert (partner.company_name, partner.properties) == ("Renamed", {})

    delete = reverse("admin:organization_partners_organizationpartner_delete", args=[partner.pk])
    staff.post(delete, {"post": "yes"})
    assert not OrganizationPartner.objects.filter(pk=partner.pk).exists()


def test_the_export_action_streams_the_selected_partners(staff):
    chosen = OrganizationPartnerFactory(company_name="Chosen")
    OrganizationPartnerFactory(company_name="Not chosen")
    response = staff.post(CHANGELIST, {"action": "export_csv", "_selected_action": [chosen.pk]})
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [row["company_name"] for row in rows] == ["Chosen"]
