"""A connection is named with its partner once (issue 15: "Globex at Acme Prime at Acme Prime")."""

import pytest
from django.template import Context, Template

from partners.templatetags.network_names import at_partner


@pytest.mark.parametrize(
    ("name", "partner", "shown"),
    [
        ("Main account", "Acme Prime", "at Acme Prime"),
        ("Globex at Acme Prime", "Acme Prime", ""),
        ("globex @ ACME PRIME", "Acme Prime", ""),
        ("Acme", "Acme Prime", "at Acme Prime"),
        ("Main", "", ""),
    ],
)
def test_at_partner_says_the_partner_unless_the_name_does(name, partner, shown):
    assert at_partner(name, partner) == shown


def test_a_page_names_the_demo_connection_once():
    template = Template("{% load network_names %}{{ name }} {{ name|at_partner:partner }}")

    rendered = template.render(Context({"name": "Globex at Acme Prime", "partner": "Acme Prime"}))

    assert rendered.strip() == "Globex at Acme Prime"
