"""Currencies: the seeded assets and their decimals, the database's rules, selectors and the staff admin."""

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from partners.errors import CurrencyNotFound
from partners.models import Currency
from partners.selectors import currency_get, currency_list
from tests.factories.organizations import UserFactory
from tests.factories.partners import CurrencyFactory

pytestmark = pytest.mark.django_db

SEEDED = {
    # code: (decimals, testnet, mainnet)
    "btc": (8, False, None),
    "tbtc": (8, True, "btc"),
    "eth": (18, False, None),
    "teth": (18, True, "eth"),
    "hteth": (18, True, "eth"),
    "usdc": (6, False, None),
    "tusdc": (6, True, "usdc"),
    "usdt": (6, False, None),
    "tusdt": (6, True, "usdt"),
    "sol": (9, False, None),
    "tsol": (9, True, "sol"),
    "xrp": (6, False, None),
    "txrp": (6, True, "xrp"),
    "ltc": (8, False, None),
    "tltc": (8, True, "ltc"),
    "matic": (18, False, None),
    "tmatic": (18, True, "matic"),
    "avaxc": (18, False, None),
    "tavaxc": (18, True, "avaxc"),
    "dot": (10, False, None),
    "tdot": (12, True, "dot"),  # Westend's WND has 12 decimals, Polkadot's DOT 10
    "near": (24, False, None),
    "xlm": (7, False, None),
}


@pytest.mark.parametrize(("code", "expected"), SEEDED.items())
def test_the_data_migration_seeds_common_assets_with_their_decimals(code, expected):
    currency = currency_get(code)
    assert (currency.decimals, currency.testnet, currency.mainnet and currency.mainnet.code) == expected
    assert currency.active


def test_seeded_names():
    assert currency_get("btc").name == "Bitcoin"
    assert currency_get("tbtc").name == "Testnet Bitcoin"
    assert currency_get("usdc").name == "USD Coin"


def test_every_seeded_testnet_names_a_mainnet_with_the_same_decimals_except_westend():
    for testnet in Currency.objects.filter(testnet=True).select_related("mainnet"):
        assert testnet.mainnet is not None and not testnet.mainnet.testnet, testnet.code
        if testnet.code != "tdot":
            assert testnet.decimals == testnet.mainnet.decimals, testnet.code


@pytest.mark.parametrize(
    ("fields", "constraint"),
    [
        ({"code": "BTC2"}, "currency_code_lowercase"),
        ({"code": "eth usdc"}, "currency_code_lowercase"),
        ({"code": ":eth"}, "currency_code_lowercase"),
        ({"code": "eth::usdc"}, "currency_code_lowercase"),
        ({"code": ""}, "currency_code_lowercase"),
        ({"name": ""}, "currency_name_not_blank"),
        ({"decimals": 37}, "currency_decimals_range"),
        ({"testnet": False, "mainnet_code": "btc"}, "currency_mainnet_of_testnet"),
    ],
)
def test_the_database_refuses_invalid_currencies(fields, constraint):
    values = {"code": "newcoin", "name": "New Coin", "decimals": 8, **fields}
    if "mainnet_code" in values:
        values["mainnet"] = Currency.objects.get(code=values.pop("mainnet_code"))
    with pytest.raises(IntegrityError, match=constraint), transaction.atomic():
        Currency.objects.create(**values)
    assert not Currency.objects.filter(name="New Coin").exists()


def test_codes_are_unique():
    with pytest.raises(IntegrityError), transaction.atomic():
        Currency.objects.create(code="btc", name="Another Bitcoin", decimals=8)


def test_a_currency_cannot_be_its_own_mainnet():
    coin = Currency.objects.create(code="selfcoin", name="Self", decimals=8, testnet=True)
    coin.mainnet = coin
    with pytest.raises(IntegrityError, match="currency_not_own_mainnet"), transaction.atomic():
        coin.save()


def test_code_with_a_chain_prefix_is_accepted():
    assert Currency.objects.create(code="eth:usdc", name="USDC on Ethereum", decimals=6).code == "eth:usdc"


def test_currency_list_filters_and_orders_by_code():
    CurrencyFactory(code="zzz", active=False)
    codes = [c.code for c in currency_list()]
    assert codes == sorted(codes)
    assert "zzz" in codes
    assert "zzz" not in [c.code for c in currency_list(active=True)]
    assert [c.code for c in currency_list(active=False)] == ["zzz"]
    assert all(c.testnet for c in currency_list(testnet=True))
    assert "btc" in [c.code for c in currency_list(testnet=False)]


def test_currency_get_is_exact_and_says_what_is_missing():
    with pytest.raises(CurrencyNotFound, match="No currency 'BTC'"):
        currency_get("BTC")
    assert CurrencyNotFound.status == 404


def test_factory_reuses_seeded_codes():
    assert CurrencyFactory(code="btc") == Currency.objects.get(code="btc")
    assert CurrencyFactory().decimals == 18


@pytest.fixture
def staff_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def test_admin_lists_searches_and_filters(staff_client):
    url = reverse("admin:partners_currency_changelist")
    assert staff_client.get(url).status_code == 200
    page = staff_client.get(url, {"q": "bitcoin"}).content.decode()
    assert "Testnet Bitcoin" in page and "Ethereum" not in page
    page = staff_client.get(url, {"testnet__exact": "1", "decimals": "18"}).content.decode()
    assert ">teth</a>" in page.replace('"', "")
    assert ">eth</a>" not in page.replace('"', "")  # a mainnet
    assert ">tusdc</a>" not in page.replace('"', "")  # 6 decimals


def test_admin_adds_a_currency_and_then_keeps_its_code_and_decimals(staff_client):
    response = staff_client.post(
        reverse("admin:partners_currency_add"),
        {"code": "tnewcoin", "name": "Testnet New Coin", "decimals": "9", "active": "on", "testnet": "on"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    coin = Currency.objects.get(code="tnewcoin")
    response = staff_client.post(
        reverse("admin:partners_currency_change", args=[coin.pk]),
        {"code": "other", "name": "Renamed", "decimals": "2", "testnet": "on"},
    )
    assert response.status_code == 302
    coin.refresh_from_db()
    assert (coin.code, coin.name, coin.decimals, coin.active) == ("tnewcoin", "Renamed", 9, False)


def test_admin_shows_the_database_rule_as_a_form_error(staff_client):
    response = staff_client.post(
        reverse("admin:partners_currency_add"), {"code": "BAD", "name": "Bad", "decimals": "8"}
    )
    assert response.status_code == 200
    assert not Currency.objects.filter(name="Bad").exists()


def test_admin_never_deletes_currencies(staff_client):
    btc = Currency.objects.get(code="btc")
    response = staff_client.post(reverse("admin:partners_currency_delete", args=[btc.pk]), {"post": "yes"})
    assert response.status_code == 403
    assert Currency.objects.filter(code="btc").exists()


def test_non_staff_cannot_edit(client):
    client.force_login(UserFactory())
    response = client.get(reverse("admin:partners_currency_changelist"))
    assert response.status_code == 302
