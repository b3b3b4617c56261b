"""One checked CSV import applied by concurrent clicks writes its rows once (issue 14, H9: four concurrent applies
wrote four copies of the rows without a code). The checked file is consumed before it is applied, atomically."""

import threading

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connections
from django.test import Client
from django.urls import reverse

from organization_partners.models import OrganizationPartner
from organizations.models import Role
from tests.factories.organizations import MembershipFactory
from tests.organization_partners.pages.conftest import csv_bytes, csv_row


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_applies_of_one_checked_file_import_it_once():
    member = MembershipFactory(role=Role.OPERATOR, organization__name="Acme")
    uploader = Client()
    uploader.force_login(member.user)
    content = csv_bytes([csv_row(n) for n in range(1, 21)])  # 20 rows without a code: each apply would create them
    response = uploader.post(reverse("partner-import"), {"file": SimpleUploadedFile("p.csv", content, "text/csv")})
    token = response.context["apply_form"].initial["token"]
    barrier = threading.Barrier(4)
    answers = []

    def apply() -> None:
        client = Client()
        client.force_login(member.user)
        try:
            barrier.wait()
            answer = client.post(reverse("partner-import-apply"), {"token": token}, follow=True)
            answers.append(answer.text)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=apply) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert OrganizationPartner.objects.filter(organization=member.organization).count() == 20
    assert sum("Imported: 20 partner(s) created" in text for text in answers) == 1
    assert all("Imported: 20" in text or "already imported" in text or "no longer here" in text for text in answers)
