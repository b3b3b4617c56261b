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
