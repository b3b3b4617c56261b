"""Organization partner records: the service's rules hold whichever edge calls it, every failing field is reported at
once, codes are unique per organization, and the list selector filters and orders with stable ties."""

import uuid

import pytest
from django.db import IntegrityError, transaction

from config.errors import ValidationFailed
from organization_partners import selectors
from organization_partners.errors import OrganizationPartnerNotFound
from organization_partners.models import OrganizationPartner
from organization_partners.services import (
    organization_partner_create,
    organization_partner_delete,
    organization_partner_update,
)
from organizations.models import Organization
from tests.factories.organization_partners import OrganizationPartnerFactory
from tests.factories.organizations import OrganizationFactory

pytestmark = pytest.mark.django_db

SEED_003 = {
    "company_name": "Example Supplies Ltd",
    "sales_amount": 150000,
    "partner_type": "customer",
    "email": "partner@example.com",
    "frequency": "monthly",
    "payment_terms": "Net 30",
    "address": "123 Main St, Suite 400",
    "city": "New York",
    "state": "NY",
    "postal_code": "12345",
    "country_code": "US",
    "company_registration_number": "123456789",
}


def failing_fields(call) -> dict:
    with pytest.raises(ValidationFailed) as raised:
        call()
    return {error.path: error.code for error in raised.value.errors}


def test_a_record_with_every_field(organization):
    partner = organization_partner_create(
        organization=organization,
        **SEED_003,
        code="EX-1",
        timezone="Europe/Rome",
        customer_count=12,
        properties={"foo": "abc", "bar": "123"},
    )
    stored = OrganizationPartner.objects.get(pk=partner.pk)
    assert (stored.company_name, stored.country_code.code, stored.timezone) == (
        "Example Supplies Ltd",
        "US",
        "Europe/Rome",
    )
    assert stored.properties == {"foo": "abc", "bar": "123"} and stored.invitation_status == ""


def test_seed_001_fields_alone_make_a_record(organization):
    partner = organization_partner_create(
        organization=organization, company_name="Acme Field Services", country_code="it"
    )
    assert partner.country_code == "IT" and partner.email == "" and partner.sales_amount is None


def test_every_failing_field_is_reported_at_once_and_nothing_is_written(organization):
    fields = failing_fields(
        lambda: organization_partner_create(
            organization=organization,
            company_name=" ",
            email="not-an-email",
            sales_amount=2_147_483_648,
            partner_type="reseller",
            country_code="XX",
            timezone="Mars/Olympus_Mons",
            customer_count=-1,
            properties={"ok": "yes", "count": 3},
            frequency="x" * 31,
            postal_code="1\x002",
        )
    )
    assert fields == {
        ("company_name",): "blank",
        ("email",): "invalid_email",
        ("sales_amount",): "out_of_range",
        ("partner_type",): "invalid_choice",
        ("country_code",): "invalid_choice",
        ("timezone",): "invalid",
        ("customer_count",): "out_of_range",
        ("properties", "count"): "invalid_type",
        ("frequency",): "max_length",
        ("postal_code",): "invalid_character",
    }
    assert not OrganizationPartner.objects.exists()


@pytest.mark.parametrize("value", [True, 1.5, "100", None])
def test_sales_amount_is_an_integer_in_range(organization, value):
    if value is None:
        assert (
            organization_partner_create(organization=organization, company_name="A", sales_amount=None).sales_amount
            is None
        )
    else:
        assert failing_fields(
            lambda: organization_partner_create(organization=organization, company_name="A", sales_amount=value)
        )


def test_codes_are_unique_within_an_organization_only(organization):
    first = organization_partner_create(organization=organization, company_name="A", code="P-1")
    assert failing_fields(
        lambda: organization_partner_create(organization=organization, company_name="B", code="P-1")
    ) == {("code",): "unique"}
    organization_partner_create(organization=OrganizationFactory(), company_name="C", code="P-1")
    assert (
        organization_partner_update(partner=first, code="P-1", city="Rome").city == "Rome"
    )  # its own code is no clash
    organization_partner_create(organization=organization, company_name="D")  # "" is no code: any number of them
    organization_partner_create(organization=organization, company_name="E")


def test_the_database_refuses_a_second_code_too(organization):
    organization_partner_create(organization=organization, company_name="A", code="P-1")
    with pytest.raises(IntegrityError), transaction.atomic():
        OrganizationPartner.objects.create(organization=organization, company_name="B", code="P-1")
    with pytest.raises(IntegrityError), transaction.atomic():
        OrganizationPartner.objects.create(organization=organization, company_name="C", sales_amount=-1)


def test_a_partner_sits_under_the_organization_or_a_sub_organization(organization):
    child = Organization.objects.create(name="Acme Italy", slug="acme-italy", parent=organization)
    grandchild = Organization.objects.create(name="Acme Rome", slug="acme-rome", parent=child)
    assert (
        organization_partner_create(
            organization=organization, company_name="A", parent_organization=grandchild
        ).parent_organization
        == grandchild
    )
    assert (
        organization_partner_create(
            organization=organization, company_name="B", parent_organization=organization
        ).parent_organization
        is None
    )
    stranger = OrganizationFactory()
    assert failing_fields(
        lambda: organization_partner_create(organization=organization, company_name="C", parent_organization=stranger)
    ) == {("parent_organization",): "invalid"}


def test_update_changes_only_the_given_fields_and_delete_removes(organization):
    partner = OrganizationPartnerFactory(organization=organization, city="Boston")
    organization_partner_update(partner=partner, payment_terms="Net 60")
    partner.refresh_from_db()
    assert (partner.payment_terms, partner.city) == ("Net 60", "Boston")
    assert failing_fields(lambda: organization_partner_update(partner=partner, company_name="")) == {
        ("company_name",): "blank"
    }
    organization_partner_delete(partner=partner)
    assert not OrganizationPartner.objects.exists()


def test_the_list_filters_and_orders_with_ties_by_id(organization):
    a = OrganizationPartnerFactory(organization=organization, company_name="Alpha", sales_amount=5, email="a@x.io")
    b = OrganizationPartnerFactory(
        organization=organization, company_name="beta", sales_amount=5, partner_type="supplier"
    )
    c = OrganizationPartnerFactory(
        organization=organization, company_name="Gamma", sales_amount=1, invitation_status="invited"
    )
    OrganizationPartnerFactory(company_name="Alpha elsewhere")  # another organization's

    def ids(**filters):
        return [p.pk for p in selectors.organization_partner_list(organization=organization, **filters)]

    assert ids() == [a.pk, b.pk, c.pk]
    assert ids(order_by="sales_amount") == [c.pk, *sorted([a.pk, b.pk])]
    assert ids(order_by="sales_amount", order_dir="desc") == [*sorted([a.pk, b.pk], reverse=True), c.pk]
    assert ids(partner_types=["supplier"]) == [b.pk]
    assert ids(invitation_statuses=["none"]) == [a.pk, b.pk]
    assert ids(invitation_statuses=["invited", "accepted"]) == [c.pk]
    assert ids(search_field="company_name", search_text="ALP") == [a.pk]
    assert ids(search_field="email", search_text="a@x") == [a.pk]
    assert ids(partner_ids=[c.pk, uuid.uuid4()]) == [c.pk]


def test_another_organizations_partner_is_not_found(organization):
    partner = OrganizationPartnerFactory()
    for partner_id in (partner.pk, uuid.uuid4(), "not-a-uuid"):
        with pytest.raises(OrganizationPartnerNotFound):
            selectors.organization_partner_get(organization=organization, partner_id=partner_id)
    assert selectors.organization_partner_get(organization=partner.organization, partner_id=partner.pk) == partner


def test_lone_surrogates_are_refused_like_nul_characters(organization):
    """Found by the API's hostile-input tests: PostgreSQL cannot store a lone surrogate (no UTF-8 form); an edge
    without a strict string field (the CSV import, a page) must still get a field error, not a database error."""
    fields = failing_fields(
        lambda: organization_partner_create(
            organization=organization,
            company_name="A",
            city="\ud800",
            properties={"ok": "yes", "bad": "x\udc00", "\ud800": "v", "nul": "a\x00b"},
        )
    )
    assert fields == {
        ("city",): "invalid_character",
        ("properties", "bad"): "invalid_character",
        ("properties", "\ud800"): "invalid",
        ("properties", "nul"): "invalid_character",
    }
    assert not OrganizationPartner.objects.exists()
