"""Staff see every settlement and dispute in the admin, finalize a pending settlement now, and close a dispute with
adjusted amounts through the same service clients use."""

import pytest
from django.urls import reverse

from settlements.models import ClosedBy, Dispute, Settlement, SettlementTransfer
from tests.factories.organizations import UserFactory
from tests.settlements.conftest import allocate, cutoff, dispute_body, held, settlement_body, v1, v2

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True, username="stella"))
    return client


@pytest.fixture
def disputed(api, disputes_partner, partner_auth, partner_key, connection, enterprise, auth, signing_key, tbtc):
    allocate(connection, tbtc, 1_000)
    body = settlement_body({str(connection.pk): {"tbtc": "-300"}}, partner_key, cutoff_at=cutoff())
    response = api.post(v2(disputes_partner.enterprise, "partners/settlements"), body, format="json", **partner_auth)
    settlement = Settlement.objects.get(pk=response.json()["settlement"]["id"])
    created = api.post(
        v1(enterprise, f"clients/settlements/{settlement.pk}/disputes"),
        dispute_body(settlement.pk, connection, signing_key),
        format="json",
        **auth,
    )
    assert created.status_code == 200, created.json()
    return Dispute.objects.get(pk=created.json()["dispute"]["id"])


def test_lists_and_pages_show(staff, disputed):
    for name in ("settlement", "dispute", "settlementtransfer"):
        assert staff.get(reverse(f"admin:settlements_{name}_changelist")).status_code == 200
    assert staff.get(reverse("admin:settlements_settlement_change", args=[disputed.settlement_id])).status_code == 200
    page = staff.get(reverse("admin:settlements_dispute_change", args=[disputed.pk]))
    assert "Close this dispute" in page.content.decode()


def test_finalize_now_holds_back_the_disputed_connection(staff, disputed, connection, tbtc):
    response = staff.post(
        reverse("admin:settlements_settlement_changelist"),
        {"action": "finalize_now", "_selected_action": [str(disputed.settlement_id)]},
        follow=True,
    )

    assert "1 settlement(s) finalized." in response.content.decode()
    assert Settlement.objects.get(pk=disputed.settlement_id).status == "completed"
    assert SettlementTransfer.objects.get(settlement_id=disputed.settlement_id).status == "disputed"
    assert held(connection, tbtc) == 1_000


def test_staff_close_a_dispute_with_adjusted_amounts(staff, disputed):
    url = reverse("admin:settlements_dispute_close", args=[disputed.pk])
    bad = staff.post(url, {"adjusted": "tbtc -0.000000001", "notes": "Checked the trades"})
    assert "at most" in bad.content.decode()
    assert Dispute.objects.get(pk=disputed.pk).closure is None

    response = staff.post(url, {"adjusted": "tbtc -0.000002", "notes": "Checked the trades"})

    assert response.status_code == 302
    closure = Dispute.objects.get(pk=disputed.pk).closure
    assert closure.closed_by == ClosedBy.ADMIN and closure.adjusted_transfers == {"tbtc": "-200"}
    adjusted = SettlementTransfer.objects.get(dispute_closure=closure)
    assert adjusted.status == "pending_settlement_assignment" and int(adjusted.quantity) == -200
    again = staff.post(url, {"adjusted": "", "notes": "again"})
    assert "closed" in again.content.decode()


def test_the_close_page_is_in_the_admins_layout_and_reads_whole_units(staff, disputed):
    """Issue 15: custom admin pages lost the breadcrumb band and the form styles; amounts read in whole units."""
    page = staff.get(reverse("admin:settlements_dispute_close", args=[disputed.pk])).content.decode()
    assert '<ol class="breadcrumbs">' in page and "admin/css/forms.css" in page
    assert "-0.000003 tbtc" in page  # the transfer
    expected = disputed.expected_transfers["tbtc"]
    assert f"({int(expected):,} base units)" in page and "(base units)</li>" not in page
