"""Input is taken as the type it claims to be, and names cannot hide characters that spoof what pages display."""

import pytest
from rest_framework import serializers

from config.api.fields import NameField, StrictCharField, StrictIntegerField
from organizations.models import ApiClient, SigningKey
from tests.conftest import org_headers
from tests.factories.organizations import MembershipFactory

pytestmark = pytest.mark.django_db

SPOOFING = {
    "right-to-left override": "Acme\u202egnidart",
    "left-to-right isolate": "Acme\u2066x",
    "zero-width space": "Ac\u200bme",
    "zero-width joiner": "Ac\u200dme",
    "word joiner": "Ac\u2060me",
    "byte order mark": "\ufeffAcme",
    "right-to-left mark": "Acme\u200f",
    "arabic letter mark": "Acme\u061c",
    "control character": "Acme\x07",
}


@pytest.fixture
def headers(organization, client_token):
    return {**client_token, **org_headers(organization)}


def test_a_number_is_not_a_name(api, headers):
    response = api.post("/api/v1/api-clients", {"name": 0, "permissions": ["READ_PARTNER"]}, format="json", **headers)

    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "name"]
    assert response.json()["detail"][0]["msg"] == "Not a valid string."
    assert not ApiClient.objects.filter(name="0").exists()


@pytest.mark.parametrize(
    "body",
    [
        {"client_id": 0, "client_secret": "x"},
        {"client_id": "x", "client_secret": 12345},
        {"client_id": True, "client_secret": "x"},
    ],
)
def test_credentials_must_be_strings(api, body):
    response = api.post("/api/v1/oauth2/token", body, format="json")

    assert response.status_code == 422
    assert response.json()["detail"][0]["msg"] == "Not a valid string."


@pytest.mark.parametrize("value", [True, 1.5, "1_0", " 1", "\u0661\u0660", "1e3", "10.0", [10]])
def test_rate_limit_must_be_a_plain_integer(api, headers, value):
    body = {"name": "ERP", "permissions": ["READ_PARTNER"], "rate_limit_per_minute": value}

    response = api.post("/api/v1/api-clients", body, format="json", **headers)

    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "rate_limit_per_minute"]


@pytest.mark.parametrize("value", [10, "10"])
def test_rate_limit_as_a_number_or_digits(api, headers, value):
    body = {"name": "ERP", "permissions": ["READ_PARTNER"], "rate_limit_per_minute": value}

    response = api.post("/api/v1/api-clients", body, format="json", **headers)

    assert response.status_code == 201
    assert response.json()["rate_limit_per_minute"] == 10


@pytest.mark.parametrize("name", SPOOFING.values(), ids=SPOOFING.keys())
def test_api_client_names_refuse_spoofing_characters(api, headers, name):
    response = api.post(
        "/api/v1/api-clients", {"name": name, "permissions": ["READ_PARTNER"]}, format="json", **headers
    )

    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "name"]
    assert "invisible or control character" in response.json()["detail"][0]["msg"]
    assert not ApiClient.objects.filter(name=name).exists()


def test_signing_key_labels_refuse_spoofing_characters(api, headers):
    body = {"label": "Treasury\u202e", "public_key": "02" + "11" * 32}

    response = api.post("/api/v1/signing-keys", body, format="json", **headers)

    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "label"]
    assert not SigningKey.objects.exists()


def test_names_keep_ordinary_unicode(api, headers):
    body = {"name": "Zürich 東京 — ERP (prod)", "permissions": ["READ_PARTNER"]}

    response = api.post("/api/v1/api-clients", body, format="json", **headers)

    assert response.status_code == 201
    assert response.json()["name"] == "Zürich 東京 — ERP (prod)"


@pytest.mark.parametrize("query", ["limit=1_0", "limit=%201", "limit=%D9%A1%D9%A0", "offset=1_0", "limit=1e1"])
def test_query_integers_are_ascii_digits(api, headers, query):
    response = api.get(f"/api/v1/members?{query}", **headers)

    assert response.status_code == 422
    assert response.json()["detail"][0]["code"] == "invalid"


@pytest.mark.parametrize("path", ["members", "api-clients", "signing-keys"])
@pytest.mark.parametrize("query", ["limit=", "offset=", "limit=&offset="])
def test_a_page_parameter_given_empty_is_refused_not_read_as_the_default(api, headers, path, query):
    """Found by schemathesis: `?limit=&offset=` answered the first page (the schema says integer)."""
    response = api.get(f"/api/v1/{path}?{query}", **headers)

    assert response.status_code == 422
    assert {item["loc"][-1] for item in response.json()["detail"]} == {p.split("=")[0] for p in query.split("&")}


def test_a_huge_offset_is_out_of_range_not_a_crash(api, headers):
    response = api.get("/api/v1/members?offset=999999999999999999", **headers)

    assert response.status_code == 422
    assert response.json()["detail"][0]["code"] == "max_value"


def test_web_form_refuses_spoofing_characters_in_an_api_client_name(client, organization):
    owner = MembershipFactory(organization=organization).user
    client.force_login(owner)

    response = client.post("/organizations/api-clients", {"name": "ERP\u202e", "permissions": ["READ_PARTNER"]})

    assert response.status_code == 200
    assert "invisible or control character U+202E" in response.text
    assert not ApiClient.objects.filter(name="ERP\u202e").exists()


def test_web_form_refuses_spoofing_characters_in_a_signing_key_label(client, organization):
    owner = MembershipFactory(organization=organization).user
    client.force_login(owner)

    response = client.post("/organizations/signing-keys", {"label": "Treasury\u200b", "public_key": "02" + "11" * 32})

    assert response.status_code == 200
    assert "invisible or control character U+200B" in response.text
    assert not SigningKey.objects.exists()


class _Probe(serializers.Serializer):
    text = StrictCharField()
    name = NameField(required=False)
    number = StrictIntegerField(required=False)


@pytest.mark.parametrize(
    ("data", "valid"),
    [
        ({"text": "a"}, True),
        ({"text": 1}, False),
        ({"text": None}, False),
        ({"text": "\ud800"}, False),
        ({"text": "a payload " * 50 + "\udfff"}, False),  # a lone surrogate after long text, as in a signed payload
        ({"text": "x", "number": -5}, True),
        ({"text": "x", "number": "-5"}, True),
        ({"text": "x", "number": False}, False),
        ({"text": "x", "number": "+5"}, False),
        ({"text": "x", "number": "5 "}, False),
        ({"text": "x", "name": "Plain name"}, True),
        ({"text": "x", "name": "tab\there"}, False),
    ],
)
def test_strict_fields(data, valid):
    assert _Probe(data=data).is_valid() is valid
