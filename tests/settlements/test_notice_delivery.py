"""A settlement notice that cannot be built (its template or link fails) is released, with the error recorded, before
any SMTP conversation: it is not left claimed and silently never sent."""

import pytest
from django.test import override_settings
from django.urls import NoReverseMatch

from settlements import delivery
from settlements.models import SettlementNotice
from tests.factories.organizations import MembershipFactory
from tests.settlements.conftest import allocate
from tests.settlements.pg import v2_create

pytestmark = pytest.mark.django_db


@override_settings(ROOT_URLCONF="tests.settlements.urls_without_settlement_pages")
def test_a_notice_that_cannot_be_built_is_released_with_its_error(disputes_partner, partner_key, connection, tbtc):
    MembershipFactory(organization=connection.client.enterprise, role="owner")
    allocate(connection, tbtc, 100)
    v2_create(disputes_partner, partner_key, {str(connection.pk): {"tbtc": "-1"}})
    notice = SettlementNotice.objects.get()

    with pytest.raises(NoReverseMatch):
        delivery.settlement_notice_deliver(notice_id=notice.pk)

    notice.refresh_from_db()
    assert notice.claimed_at is None and notice.sent_at is None  # free for a later run, once it can be built
    assert notice.attempts == 1 and "NoReverseMatch" in notice.last_error
