"""`POST /api/v1/partners/import`: organization dialect, Self only, WRITE_PARTNER; a dry run by default, applying
all rows or none; malformed files 422 located at the file, a file over the limit 413, a 100 MB request refused before
it is read."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from organization_partners.models import OrganizationPartner
from organizations.models import Role
from organizations.tokens import token_issue_for_client
from tests.conftest import bearer, org_headers
from tests.factories.organization_partners import OrganizationPartnerFactory
from tests.factories.organizations import (
    ApiClientFactory,
    OrganizationConnectionFactory,
    OrganizationFactory,
)
from tests.organization_partners.pages.conftest import csv_bytes, csv_row

pytestmark = pytest.mark.django_db

URL = "/api/v1/partners/import"


def post(api, organization, auth, content: bytes | None, target=None, **fields):
    data = dict(fields)
    if content is not None:
        data["file"] = SimpleUploadedFile("partners.csv", content, "text/csv")
    return api.post(URL, data, format="multipart", **auth, **org_headers(organization, target))


def test_a_dry_run_reports_each_row_and_writes_nothing(api, organization, client_token):
    existing = OrganizationPartnerFactory(organization=organization, code="P-1")
    content = csv_bytes([csv_row(1, code="P-1"), csv_row(2, email="nope", sales_amount="x")])

    response = post(api, organization, client_token, content)

    assert response.status_code == 200
    body = response.json()
    assert {k: body[k] for k in ("dry_run", "applied", "valid", "total_rows", "created", "updated", "error_rows")} == {
        "dry_run": True,
        "applied": False,
        "valid": False,
        "total_rows": 2,
        "created": 0,
        "updated": 1,
        "error_rows": 1,
    }
    assert body["rows"][0]["partner_id"] == str(existing.pk) and body["rows"][0]["action"] == "update"
    assert body["rows"][1]["line"] == 3
    assert {(e["column"], e["code"]) for e in body["rows"][1]["errors"]} == {
        ("email", "invalid_email"),
        ("sales_amount", "invalid_type"),
    }
    assert OrganizationPartner.objects.filter(organization=organization).count() == 1


def test_applying_writes_every_row(api, organization, client_token):
    response = post(api, organization, client_token, csv_bytes([csv_row(1), csv_row(2)]), dry_run="false")
    assert response.status_code == 200
    body = response.json()
    assert (body["applied"], body["created"]) == (True, 2)
    ids = {row["partner_id"] for row in body["rows"]}
    assert ids == {str(pk) for pk in OrganizationPartner.objects.values_list("pk", flat=True)}


def test_applying_a_file_with_a_bad_row_is_422_per_error_and_writes_nothing(api, organization, client_token):
    content = csv_bytes([csv_row(1), csv_row(2, country_code="ZZ")])
    response = post(api, organization, client_token, content, dry_run="false")
    assert response.status_code == 422
    assert response.json()["detail"] == [
        {
            "loc": ["body", "file", 3, "country_code"],
            "msg": "Must be an ISO 3166-1 alpha-2 country code, such as US or IT.",
            "type": "enum",
            "code": "invalid_choice",
        }
    ]
    assert not OrganizationPartner.objects.exists()


@pytest.mark.parametrize(
    ("content", "fields", "loc", "fragment"),
    [
        (None, {}, ["body", "file"], "No file was submitted."),
        (b"", {}, ["body", "file"], "The file is empty"),
        ("a,b\n\u00e9,x\n".encode("latin-1"), {}, ["body", "file"], "not UTF-8"),
        (b"company_name,city\nA,B\n", {}, ["body", "file"], "Missing column(s)"),
        (csv_bytes([csv_row()]), {"dry_run": "maybe"}, ["body", "dry_run"], "Must be a valid boolean."),
    ],
)
def test_malformed_input_is_422_at_the_file_and_changes_nothing(
    api, organization, client_token, content, fields, loc, fragment
):
    response = post(api, organization, client_token, content, **{"dry_run": "false", **fields})
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert detail[0]["loc"] == loc and fragment in detail[0]["msg"], detail
    assert not OrganizationPartner.objects.exists()


def test_a_file_sent_as_json_or_a_field_is_refused(api, organization, client_token):
    headers = {**client_token, **org_headers(organization)}
    assert api.post(URL, {"file": "a,b"}, format="json", **headers).status_code == 415
    response = api.post(URL, {"file": "company_name\nA\n"}, format="multipart", **headers)
    assert response.status_code == 422 and response.json()["detail"][0]["loc"] == ["body", "file"]


def test_a_file_over_the_limit_is_413(api, organization, client_token, settings):
    settings.PARTNER_IMPORT_MAX_BYTES = 500
    response = post(api, organization, client_token, csv_bytes([csv_row(n) for n in range(10)]), dry_run="false")
    assert response.status_code == 413
    assert response.json()["detail"][0]["code"] == "file_too_large"
    settings.REQUEST_MAX_BYTES = 1000
    response = post(api, organization, client_token, csv_bytes([csv_row(n) for n in range(10)]), dry_run="false")
    assert response.status_code == 413
    assert response.json()["detail"][0]["type"] == "payload_too_large"
    assert not OrganizationPartner.objects.exists()


def test_access_self_only_with_write_partner(api, organization, member_token):
    content = csv_bytes([csv_row(1)])
    assert post(api, organization, {}, content).status_code == 401
    assert post(api, organization, member_token(organization, Role.VIEWER), content).status_code == 403
    reader = ApiClientFactory(organization=organization, permissions=["READ_PARTNER"])
    assert (
        post(api, organization, bearer(token_issue_for_client(api_client=reader).access_token), content).status_code
        == 403
    )

    owner = member_token(organization, Role.OWNER)
    guest = OrganizationConnectionFactory(host=organization).guest
    host = OrganizationConnectionFactory(guest=organization).host
    for target in (guest, host, OrganizationFactory()):
        assert post(api, organization, owner, content, target=target).status_code == 403
    assert post(api, organization, owner, content).status_code == 200
    assert not OrganizationPartner.objects.exists()


def test_a_100_mb_upload_is_refused_before_it_is_read(api, organization, client_token, monkeypatch):
    from django.http import multipartparser

    def never(*args, **kwargs):
        raise AssertionError("the body was parsed")

    monkeypatch.setattr(multipartparser.MultiPartParser, "parse", never)
    response = post(api, organization, client_token, b"a" * 100_000_000, dry_run="false")
    assert response.status_code == 413
    assert response.json()["detail"][0]["msg"] == "The request is larger than the 11 MB this site accepts."
    assert not OrganizationPartner.objects.exists()
