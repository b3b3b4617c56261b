"""The page navigation is built from the installed apps' own nav templates, not a list in base.html."""

import re

import pytest
from django.test import modify_settings

from organizations.models import Role
from tests.factories.organizations import MembershipFactory

pytestmark = pytest.mark.django_db


def subnav_links(page: str) -> list[str]:
    nav = re.search(r'<nav class="container subnav" aria-label="Organization">(.*?)</nav>', page, re.S).group(1)
    return re.findall(r">([^<>]+)</a>", nav)


def test_each_app_adds_its_links_after_those_of_the_apps_before_it(client):
    membership = MembershipFactory(role=Role.OWNER)
    client.force_login(membership.user)

    with modify_settings(INSTALLED_APPS={"append": "tests.navapp"}):
        page = client.get("/").text

    assert subnav_links(page) == [
        "Overview",
        "Partners",
        "Invitations",
        "Connected organizations",
        "API clients",
        "Signing keys",
        "Members",
        "Network",
        "Network partners",
        "API docs",
    ]


def test_an_apps_links_follow_the_permissions_its_template_checks(client):
    membership = MembershipFactory(role=Role.VIEWER)
    client.force_login(membership.user)

    assert subnav_links(client.get("/").text) == [
        "Overview",
        "Partners",
        "Invitations",
        "Connected organizations",
        "Network",
        "API docs",
    ]


def current_links(page: str) -> list[str]:
    nav = re.search(r'<nav class="container subnav" aria-label="Organization">(.*?)</nav>', page, re.S).group(1)
    return re.findall(r'aria-current="page">([^<>]+)</a>', nav)


@pytest.mark.parametrize("path", ["/network/connections", "/network/balances"])
def test_a_network_page_marks_only_the_network_link_current(client, path):
    # "connections" is part of "org-connections": a substring test once marked "Connected organizations" too.
    membership = MembershipFactory(role=Role.OWNER)
    client.force_login(membership.user)

    assert current_links(client.get(path).text) == ["Network"]
