"""factory-boy factories of the partners app."""

import factory

from partners.models import Currency


class CurrencyFactory(factory.django.DjangoModelFactory):
    """A currency by code: the data migration already holds the common ones, so an existing code is reused."""

    class Meta:
        model = Currency
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"tok{n}")
    name = factory.LazyAttribute(lambda c: f"Token {c.code.upper()}")
    decimals = 18
