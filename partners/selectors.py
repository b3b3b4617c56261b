from django.db.models import QuerySet

from config.errors import ObjectNotFound
from partners.models import Currency


class CurrencyNotFound(ObjectNotFound):
    code = "CurrencyNotFound"


def currency_list(*, active: bool | None = None, testnet: bool | None = None) -> QuerySet[Currency]:
    """Currencies by code; `active` / `testnet` filter when given."""
    currencies = Currency.objects.all()
    if active is not None:
        currencies = currencies.filter(active=active)
    if testnet is not None:
        currencies = currencies.filter(testnet=testnet)
    return currencies.order_by("code")


def currency_get(code: str) -> Currency:
    """The currency with this code (codes are lowercase; the lookup is exact). ObjectNotFound when there is none."""
    try:
        return Currency.objects.get(code=code)
    except Currency.DoesNotExist:
        raise CurrencyNotFound(f"No currency {code!r}.") from None
