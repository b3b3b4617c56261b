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


@pytest.mark.parametrize(
    ("path", "current"),
    [
        ("/", "Overview"),
        ("/partners", "Partners"),
        ("/partners/new", "Partners"),
        ("/partners/import", "Partners"),
        ("/organizations/invitations", "Invitations"),
        ("/organizations/connections", "Connected organizations"),
        ("/organizations/api-clients", "API clients"),
        ("/organizations/signing-keys", "Signing keys"),
        ("/organizations/members", "Members"),
        ("/network/", "Network"),
        ("/network/connections/new", "Network"),
        ("/network/incoming/settlements", "Network"),  # a partner-… URL name once lit "Partners" too
        ("/network/settlements", "Network"),
    ],
)
def test_one_link_is_current_on_each_page(client, path, current):
    membership = MembershipFactory(role=Role.OWNER)
    client.force_login(membership.user)

    assert current_links(client.get(path).text) == [current]


def test_a_page_of_another_section_with_a_similar_url_name_lights_nothing(rf):
    from django.template import Context, Template
    from django.urls import resolve

    request = rf.get("/network/connections")
    request.resolver_match = resolve("/network/connections")  # view name "network:connections"
    template = Template('{% load nav %}<a{% current_if "org-connections" "connections" %}>x</a>')

    assert template.render(Context({"request": request})) == "<a>x</a>"
