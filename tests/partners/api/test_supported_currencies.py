"""GET .../supportedCurrencies?partnerIds=...: each partner's active currencies, shaped as the reference says."""

import uuid

import pytest

from partners.models import Currency
from tests.contracts import assert_matches_reference
from tests.factories.partners import PartnerFactory
from tests.partners.conftest import url
from tests.queries import assert_constant_queries

pytestmark = pytest.mark.django_db


def supporting(*codes: str, **kwargs):
    partner = PartnerFactory(**kwargs)
    partner.config.supported_currencies.set(Currency.objects.filter(code__in=codes))
    return partner


def test_each_partners_currencies_by_code(api, enterprise, auth):
    bravo = supporting("tbtc", "teth", "btc", name="Bravo")
    charlie = supporting("tsol", name="Charlie")
    Currency.objects.filter(code="btc").update(active=False)
    supporting("tbtc")  # not asked for
    response = api.get(url(enterprise, "supportedCurrencies"), {"partnerIds": f"{bravo.pk},{charlie.pk}"}, **auth)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["domain"] == "bitgo-network"
    assert body["supportedCurrencies"] == {
        str(bravo.pk): [
            {"currency": "tbtc", "name": "Testnet Bitcoin", "decimals": 8, "partnerNames": ["Bravo"]},
            {"currency": "teth", "name": "Testnet Ethereum", "decimals": 18, "partnerNames": ["Bravo"]},
        ],
        str(charlie.pk): [{"currency": "tsol", "name": "Testnet Solana", "decimals": 9, "partnerNames": ["Charlie"]}],
    }
    # The reference documents BNMetadata with `partnerNames` only; the currency fields are ours on top.
    assert_matches_reference(response, allow_undocumented_fields=True)


@pytest.mark.parametrize("query", [{}, {"partnerIds": ""}, {"partnerIds": "nope"}])
def test_partner_ids_are_required_and_must_be_uuids(api, enterprise, auth, query):
    response = api.get(url(enterprise, "supportedCurrencies"), query, **auth)
    assert response.status_code == 400
    assert response.json()["details"][0]["field"] == "partnerIds"


def test_unknown_partners_are_left_out(api, enterprise, auth):
    response = api.get(url(enterprise, "supportedCurrencies"), {"partnerIds": str(uuid.uuid4())}, **auth)
    assert response.json()["supportedCurrencies"] == {}


def test_query_count_does_not_grow_with_partners(api, enterprise, auth):
    partners = [supporting("tbtc", "teth")]
    assert_constant_queries(
        fetch=lambda: api.get(
            url(enterprise, "supportedCurrencies"), {"partnerIds": ",".join(str(p.pk) for p in partners)}, **auth
        ),
        add_rows=lambda n: partners.extend(supporting("tbtc", "tsol") for _ in range(n)),
        count=lambda response: len(response.json()["supportedCurrencies"]),
    )
