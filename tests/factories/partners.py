"""factory-boy factories of the partners app."""

import factory

from organizations.models import TrustOrg
from partners.models import Connection, ConnectionKeySchema, Currency, NetworkClient, Partner, PartnerConfig
from tests.factories.organizations import OrganizationFactory, SigningKeyFactory


class CurrencyFactory(factory.django.DjangoModelFactory):
    """A currency by code: the data migration already holds the common ones, so an existing code is reused."""

    class Meta:
        model = Currency
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"tok{n}")
    name = factory.LazyAttribute(lambda c: f"Token {c.code.upper()}")
    decimals = 18


class PartnerConfigFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PartnerConfig

    enterprise = factory.SubFactory(OrganizationFactory)
    trust_org = TrustOrg.BITGO_TRUST
    settlement_transaction_route_id = factory.Sequence(lambda n: f"route-{n}")


class NetworkClientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = NetworkClient

    enterprise = factory.SubFactory(OrganizationFactory)
    trust_org = TrustOrg.BITGO_TRUST


class PartnerFactory(factory.django.DjangoModelFactory):
    """A registered partner: its config and network client are made for the same enterprise."""

    class Meta:
        model = Partner

    enterprise = factory.SubFactory(OrganizationFactory)
    config = factory.SubFactory(PartnerConfigFactory, enterprise=factory.SelfAttribute("..enterprise"))
    client = factory.SubFactory(NetworkClientFactory, enterprise=factory.SelfAttribute("..enterprise"))
    name = factory.Sequence(lambda n: f"Partner {n:03d}")
    broker = False
    institution_identifier = factory.Sequence(lambda n: f"inst-{n}")
    connection_key_schema = ConnectionKeySchema.TOKEN


class ConnectionFactory(factory.django.DjangoModelFactory):
    """A connection as if created by a signed request (the signature is not checked here)."""

    class Meta:
        model = Connection

    client = factory.SubFactory(NetworkClientFactory)
    partner = factory.SubFactory(PartnerFactory)
    name = factory.Sequence(lambda n: f"Connection {n}")
    connection_key_schema = ConnectionKeySchema.TOKEN
    connection_key = factory.LazyFunction(lambda: {"schema": "token", "connectionToken": "secret-token"})
    nonce = factory.Sequence(lambda n: f"nonce-{n}")
    payload = "{}"
    signature = "00" * 65
    signing_key = factory.SubFactory(SigningKeyFactory, organization=factory.SelfAttribute("..client.enterprise"))
