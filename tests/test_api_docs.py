"""The API documentation is served by the installation itself (no CDN), and the schema documents its security."""

import pytest
import yaml

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("url", ["/api/docs/", "/api/redoc/"])
def test_docs_pages_load_their_assets_locally(client, url):
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/drf_spectacular_sidecar/" in html
    assert "cdn.jsdelivr.net" not in html


def test_schema_declares_bearer_auth_and_both_error_shapes(client):
    response = client.get("/api/schema/")
    assert response.status_code == 200
    schema = yaml.safe_load(response.content)
    assert schema["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": schema["components"]["securitySchemes"]["bearerAuth"]["description"],
    }
    create_client = schema["paths"]["/api/v1/api-clients"]["post"]
    assert create_client["responses"]["422"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "OrganizationErrorOutput"
    )
    assert {p["name"] for p in create_client["parameters"]} >= {"Requester-Organization-ID", "Target-Organization-ID"}


def _email_properties(node, where="#"):
    """(where, schema) of every property named like an email address, anywhere in the document."""
    if isinstance(node, dict):
        for name, value in (node.get("properties") or {}).items():
            if name.lower().endswith("email") and isinstance(value, dict):
                yield f"{where}/properties/{name}", value
        for key, value in node.items():
            yield from _email_properties(value, f"{where}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _email_properties(value, f"{where}/{index}")


def test_every_email_field_is_documented_as_an_email(client):
    """Inputs and outputs alike: `format: email` tells clients (and generated ones) what the field holds."""
    schema = yaml.safe_load(client.get("/api/schema/").content)
    emails = dict(_email_properties(schema))
    assert len(emails) >= 8  # invitations (in and out, both kinds), members, partner records (create, update, out)
    assert {where: field.get("format") for where, field in emails.items()} == dict.fromkeys(emails, "email")
