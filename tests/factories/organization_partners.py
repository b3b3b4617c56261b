"""factory-boy factories of the organization's partner records."""

import factory

from organization_partners.models import OrganizationPartner, PartnerType
from tests.factories.organizations import OrganizationFactory


class OrganizationPartnerFactory(factory.django.DjangoModelFactory):
    """A partner record with every seed-003 field filled."""

    class Meta:
        model = OrganizationPartner

    organization = factory.SubFactory(OrganizationFactory)
    company_name = factory.Sequence(lambda n: f"Partner {n} Ltd")
    sales_amount = 150_000
    partner_type = PartnerType.CUSTOMER
    email = factory.Sequence(lambda n: f"partner{n}@example.com")
    frequency = "monthly"
    payment_terms = "Net 30"
    address = "123 Main St, Suite 400"
    city = "New York"
    state = "NY"
    postal_code = "10001"
    country_code = "US"
    company_registration_number = factory.Sequence(lambda n: f"REG-{n:06}")
