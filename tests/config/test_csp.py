"""Every response carries a strict Content-Security-Policy; inline code in the docs pages carries its nonce.
(tests/e2e/test_csp.py checks in Chromium that the pages and docs render under it.)"""

import re

import pytest

pytestmark = pytest.mark.django_db


def directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    return {name: values for name, *values in (part.split() for part in policy.split(";"))}


@pytest.mark.parametrize("url", ["/accounts/login/", "/healthz", "/api/v1/organization", "/api/docs/"])
def test_the_policy_allows_only_the_sites_own_files(client, url):
    policy = directives(client.get(url))

    assert policy["default-src"] == ["'none'"]
    assert policy["script-src"][0] == "'self'"
    assert all(value.startswith("'nonce-") for value in policy["script-src"][1:])
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'none'"]
    assert "'unsafe-inline'" not in all_values(policy)


def all_values(policy: dict[str, list[str]]) -> str:
    return " ".join(value for values in policy.values() for value in values)


def test_swagger_uis_inline_script_and_style_carry_the_responses_nonce(client):
    response = client.get("/api/docs/")

    nonce = re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"]).group(1)
    html = response.text
    assert html.count("<script nonce=") == 1
    assert f'<script nonce="{nonce}">' in html
    assert f'<style nonce="{nonce}">' in html
    assert directives(response)["style-src"] == ["'self'", f"'nonce-{nonce}'"]


def test_redoc_loads_nothing_from_font_cdns_and_gets_its_own_policy(client):
    response = client.get("/api/redoc/")

    assert "fonts.googleapis.com" not in response.text
    policy = directives(response)
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'", "'unsafe-inline'"]
    assert policy["worker-src"] == ["blob:"]
