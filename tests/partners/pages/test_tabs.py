"""The Network section's tabs: "As a client" and "As a partner", the partner pages only for a network partner."""

import re

import pytest

from tests.factories.partners import PartnerFactory

pytestmark = pytest.mark.django_db


def tab_groups(page: str) -> dict[str, list[str]]:
    nav = re.search(r'<nav class="tabs" aria-label="Network">(.*?)</nav>', page, re.S).group(1)
    groups = re.findall(r'data-testid="tabs-(\w+)">(.*?)</div>', nav, re.S)
    return {name: re.findall(r">([^<>]+)</a>", body) for name, body in groups}


def current_tabs(page: str) -> list[str]:
    nav = re.search(r'<nav class="tabs" aria-label="Network">(.*?)</nav>', page, re.S).group(1)
    return re.findall(r'aria-current="page">([^<>]+)</a>', nav)


def test_an_enterprise_that_is_not_a_partner_sees_no_partner_pages(owner_client):
    page = owner_client.get("/network/connections").text

    groups = tab_groups(page)
    assert groups["client"] == ["Partner directory", "My connections", "Balances", "Allocations", "Settlements"]
    assert groups["partner"] == ["Become a partner"]
    assert "/network/incoming" not in re.search(r'<nav class="tabs".*?</nav>', page, re.S).group(0)


def test_a_partner_sees_its_partner_pages_under_as_a_partner(owner_client, enterprise):
    PartnerFactory(enterprise=enterprise)

    groups = tab_groups(owner_client.get("/network/").text)

    assert groups["partner"] == [
        "Incoming connections",
        "Incoming allocations",
        "Partner settlements",
        "Partner registration",
    ]
    assert "As a client" in owner_client.get("/network/").text


@pytest.mark.parametrize(
    ("path", "current"),
    [
        ("/network/", "Overview"),
        ("/network/partners", "Partner directory"),
        ("/network/connections", "My connections"),
        ("/network/connections/new", "My connections"),
        ("/network/balances", "Balances"),
        ("/network/allocations", "Allocations"),
        ("/network/incoming", "Incoming connections"),
        ("/network/incoming/allocations", "Incoming allocations"),
        ("/network/incoming/settlements", "Partner settlements"),
        ("/network/register", "Partner registration"),
    ],
)
def test_one_tab_is_current(owner_client, enterprise, path, current):
    PartnerFactory(enterprise=enterprise)

    assert current_tabs(owner_client.get(path).text) == [current]
