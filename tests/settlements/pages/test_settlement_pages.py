"""The settlement pages of the Network section: the partner's settlement form (v1 and v2) and lists, the client's
settlements with its disputes (raise, retract, un-retract, close), and what settlements moved on the connection and
balances pages. Refusals show on the form, never as a success."""

import datetime
import html
import re
import uuid

import pytest
from django.test import Client
from django.utils import timezone

from organizations.models import Role
from organizations.services import custodial_key_enable
from organizations.signing import sign_message
from settlements.models import Dispute, Settlement, SettlementStatus
from settlements.payloads import Movement, SettlementFields
from settlements.services.finalization import settlement_finalize
from settlements.services.settlements import settlement_create, settlement_signing_payload
from tests.factories.organizations import DEFAULT_PASSWORD, LicenseFactory, OrganizationFactory, SigningKeyFactory
from tests.factories.partners import ConnectionFactory, NetworkClientFactory, PartnerFactory
from tests.partners.pages.conftest import sign_in
from tests.settlements.conftest import allocate, held

pytestmark = pytest.mark.django_db

COIN = 100_000_000  # tbtc has 8 decimals


@pytest.fixture
def funded(connection, tbtc):
    allocate(connection, tbtc, COIN)
    return connection


@pytest.fixture
def partner_page(partner):
    """A test client signed in as an owner of the partner's enterprise, which has a custodial key."""
    page = Client()
    membership = sign_in(page, partner.enterprise)
    custodial_key_enable(
        organization=partner.enterprise, user=membership.user, actor_role=Role.OWNER, password=DEFAULT_PASSWORD
    )
    return page


@pytest.fixture
def client_page(enterprise):
    """A test client signed in as an owner of the client enterprise, which has a custodial key."""
    page = Client()
    membership = sign_in(page, enterprise)
    custodial_key_enable(
        organization=enterprise, user=membership.user, actor_role=Role.OWNER, password=DEFAULT_PASSWORD
    )
    return page


def hidden(page_text: str) -> dict:
    """The values a step 1 page fills in itself (hidden fields, and initial values such as the settlement's id)."""
    return {
        html.unescape(name): html.unescape(value)
        for name, value in re.findall(
            r'<input type="(?:hidden|text|datetime-local)" name="([^"]+)" value="([^"]*)"', page_text
        )
    }


def payload_of(page_text: str) -> str:
    return html.unescape(re.search(r'<pre class="key" data-testid="payload">(.*?)</pre>', page_text, re.S).group(1))


def signed_flow(page, url: str, data: dict, *, password=DEFAULT_PASSWORD, key=None):
    """Steps 1 and 2 of a signed-request page: the fields (with the hidden ones of the page), then signed with the
    custodial key (or `key`, pasted). Returns (step 2 response, final response)."""
    first = page.get(url)
    assert first.status_code == 200
    fields = {**hidden(first.text), **data, "step": "payload"}
    step2 = page.post(url, fields)
    if 'data-testid="payload"' not in step2.text:
        return step2, step2
    if key is not None:
        sign = {"sign-method": "paste", "sign-signature": sign_message(key.private_key, payload_of(step2.text))}
    else:
        sign = {"sign-method": "custodial", "sign-signature": "", "sign-password": password}
    final = page.post(url, {**fields, "step": "sign", **sign})
    return step2, final


def settle(partner, key, amounts: dict, *, cutoff_minutes_ago: int | None = None) -> Settlement:
    """A settlement made through the service, signed with `key` (v2 when `cutoff_minutes_ago` is given)."""
    cutoff = None
    if cutoff_minutes_ago is not None:
        cutoff = (timezone.now() - datetime.timedelta(minutes=cutoff_minutes_ago)).replace(microsecond=0)
    fields = SettlementFields(
        external_id=f"s-{uuid.uuid4().hex[:8]}",
        movements=tuple(Movement(c.pk, code, q) for c, code, q in amounts),
        counterparty_form=False,
        nonce=uuid.uuid4().hex,
        cutoff_at=cutoff,
        cutoff_at_text=cutoff.strftime("%Y-%m-%dT%H:%M:%SZ") if cutoff else "",
    )
    payload = settlement_signing_payload(enterprise=partner.enterprise, fields=fields)
    return settlement_create(
        enterprise=partner.enterprise,
        fields=fields,
        payload=payload,
        signature=sign_message(key.private_key, payload),
        initiated_by="test",
        version=2 if cutoff else 1,
    )


# --- the partner's settlement form ---------------------------------------------------------------------------------


def test_a_partner_settles_v1_through_the_page_and_the_client_sees_it(partner_page, client_page, partner, funded, tbtc):
    connection = funded
    url = "/network/incoming/settlements/new"
    form = partner_page.get(url).text
    assert "1 tbtc" in form  # the connection's held balance, in whole units

    step2, final = signed_flow(
        partner_page,
        url,
        {"row0_connection": str(connection.pk), "row0_currency": "tbtc", "row0_amount": "-0.25", "notes": "Day 1"},
    )

    assert 'data-testid="payload"' in step2.text, re.findall(
        r"field-error[^>]*>(.*?)</div>|alert--error[^>]*>(.*?)</div>", step2.text, re.S
    )
    assert "-0.25 tbtc" in step2.text and "-25000000 base units" in step2.text
    settlement = Settlement.objects.get()
    assert final.status_code == 302 and final["Location"] == f"/network/incoming/settlements/{settlement.pk}"
    assert settlement.status == SettlementStatus.COMPLETED and settlement.version == 1
    assert held(connection, tbtc) == 75_000_000
    detail = partner_page.get(final["Location"]).text
    assert "Completed" in detail and "-0.25 tbtc" in detail
    listing = partner_page.get("/network/incoming/settlements").text
    assert settlement.external_id in listing and "0.25 tbtc" in listing  # the partner's account gained it

    mine = client_page.get("/network/settlements").text
    assert settlement.external_id in mine and "-0.25 tbtc" in mine
    detail = client_page.get(f"/network/settlements/{settlement.pk}").text
    assert "-0.25 tbtc" in detail and "Completed" in detail
    assert "Dispute</a>" not in detail  # v1: nothing to dispute


def test_a_loss_above_what_the_connection_holds_is_refused_before_signing(partner_page, partner, funded, tbtc):
    step2, _ = signed_flow(
        partner_page,
        "/network/incoming/settlements/new",
        {"row0_connection": str(funded.pk), "row0_currency": "tbtc", "row0_amount": "-1.5"},
    )

    assert step2.status_code == 200 and 'data-testid="payload"' not in step2.text
    assert "holds 1 tbtc: it cannot lose 1.5 tbtc" in html.unescape(step2.text)
    assert not Settlement.objects.exists()


def test_bad_rows_show_their_errors_and_add_a_row_keeps_what_was_typed(partner_page, partner, funded):
    url = "/network/incoming/settlements/new"
    hidden_fields = hidden(partner_page.get(url).text)
    bad = partner_page.post(
        url,
        {
            **hidden_fields,
            "row0_connection": str(funded.pk),
            "row0_currency": "tbtc",
            "row0_amount": "0.123456789",
            "step": "payload",
        },
    )
    assert "8 decimal places at most" in bad.text

    more = partner_page.post(url, {**hidden_fields, "row0_amount": "-0.1", "add_row": "1"})
    assert more.status_code == 200
    assert 'name="row3_amount"' in more.text and 'value="-0.1"' in more.text
    assert "field-error" not in more.text


def test_a_partner_with_disputes_makes_a_pending_v2_settlement(partner_page, disputes_partner, funded, tbtc):
    url = "/network/incoming/settlements/new"
    first = partner_page.get(url).text
    assert 'name="cutoff_at"' in first

    _, final = signed_flow(
        partner_page, url, {"row0_connection": str(funded.pk), "row0_currency": "tbtc", "row0_amount": "0.5"}
    )

    settlement = Settlement.objects.get()
    assert final.status_code == 302
    assert settlement.version == 2 and settlement.status == SettlementStatus.PENDING
    assert "is pending" in partner_page.get(final["Location"]).text


def test_a_cutoff_in_the_future_shows_on_its_field(partner_page, disputes_partner, funded):
    later = (timezone.now() + datetime.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    _, final = signed_flow(
        partner_page,
        "/network/incoming/settlements/new",
        {"row0_connection": str(funded.pk), "row0_currency": "tbtc", "row0_amount": "0.5", "cutoff_at": later},
    )
    assert final.status_code == 200 and "not in the future" in final.text
    assert not Settlement.objects.exists()


def test_a_wrong_signature_or_password_is_an_inline_error(partner_page, partner, funded, tbtc):
    url = "/network/incoming/settlements/new"
    row = {"row0_connection": str(funded.pk), "row0_currency": "tbtc", "row0_amount": "-0.1"}
    _, wrong_password = signed_flow(partner_page, url, row, password="not the password")
    other_key = SigningKeyFactory(organization=OrganizationFactory())  # not one of the partner's keys
    _, wrong_signature = signed_flow(partner_page, url, row, key=other_key)

    for response in (wrong_password, wrong_signature):
        assert response.status_code == 200 and 'data-testid="payload"' in response.text
        assert 'class="field-error"' in response.text
    assert not Settlement.objects.exists() and held(funded, tbtc) == COIN


def test_an_enterprise_that_is_no_partner_is_told_so(client_page):
    page = client_page.get("/network/incoming/settlements/new")
    assert page.status_code == 200 and 'data-testid="not-a-partner"' in page.text
    assert 'data-testid="not-a-partner"' in client_page.get("/network/incoming/settlements").text


# --- the client's disputes -------------------------------------------------------------------------------------------


def test_the_client_disputes_retracts_unretracts_and_closes(client_page, disputes_partner, partner_key, funded, tbtc):
    settlement = settle(disputes_partner, partner_key, [(funded, "tbtc", -30_000_000)], cutoff_minutes_ago=0)
    detail_url = f"/network/settlements/{settlement.pk}"
    detail = client_page.get(detail_url).text
    assert "-0.3 tbtc" in detail and "left)" in detail and "Pending" in detail

    step2, final = signed_flow(
        client_page,
        f"{detail_url}/dispute",
        {"connection": str(funded.pk), "expected_tbtc": "-0.1", "reason": "Two trades were cancelled"},
    )
    assert "-0.1 tbtc" in step2.text and "-10000000 base units" in step2.text
    assert final.status_code == 302 and final["Location"] == detail_url
    dispute = Dispute.objects.get()
    assert dispute.expected_transfers == {"tbtc": "-10000000"} and not dispute.retracted
    detail = client_page.get(detail_url).text
    assert "Two trades were cancelled" in detail and "Open" in detail and "-0.1 tbtc" in detail

    _, final = signed_flow(client_page, f"/network/disputes/{dispute.pk}/retract", {"reason": "They were not"})
    assert final.status_code == 302
    dispute.refresh_from_db()
    assert dispute.retracted and dispute.retracted_reason == "They were not"
    assert "Retracted" in client_page.get(detail_url).text

    _, final = signed_flow(client_page, f"/network/disputes/{dispute.pk}/retract", {"reason": ""})
    dispute.refresh_from_db()
    assert final.status_code == 302 and not dispute.retracted

    _, final = signed_flow(client_page, f"/network/disputes/{dispute.pk}/close", {"notes": "The partner showed them"})
    dispute.refresh_from_db()
    assert final.status_code == 302 and dispute.closure is not None
    detail = client_page.get(detail_url).text
    assert "The partner showed them" in detail and "Closed" in detail


def test_a_second_open_dispute_on_the_connection_is_an_inline_error(client_page, disputes_partner, partner_key, funded):
    settlement = settle(disputes_partner, partner_key, [(funded, "tbtc", -30_000_000)], cutoff_minutes_ago=0)
    data = {"connection": str(funded.pk), "expected_tbtc": "", "reason": "Wrong"}
    signed_flow(client_page, f"/network/settlements/{settlement.pk}/dispute", data)

    _, again = signed_flow(client_page, f"/network/settlements/{settlement.pk}/dispute", data)

    assert again.status_code == 200 and "already has an open dispute" in again.text
    assert Dispute.objects.count() == 1


def test_a_closed_window_is_an_inline_error_before_signing(client_page, disputes_partner, partner_key, funded):
    settlement = settle(disputes_partner, partner_key, [(funded, "tbtc", -30_000_000)], cutoff_minutes_ago=75)
    detail = client_page.get(f"/network/settlements/{settlement.pk}").text
    assert "(window closed)" in detail and "Dispute</a>" not in detail

    step2, _ = signed_flow(
        client_page, f"/network/settlements/{settlement.pk}/dispute", {"connection": str(funded.pk), "reason": "Late"}
    )

    assert step2.status_code == 200 and 'data-testid="payload"' not in step2.text
    assert "The dispute window of this settlement has ended." in step2.text
    assert not Dispute.objects.exists()


def test_a_final_settlement_cannot_be_disputed(client_page, disputes_partner, partner_key, funded, tbtc):
    settlement = settle(disputes_partner, partner_key, [(funded, "tbtc", -30_000_000)], cutoff_minutes_ago=0)
    settlement_finalize(settlement_id=settlement.pk, force=True)

    step2, _ = signed_flow(
        client_page, f"/network/settlements/{settlement.pk}/dispute", {"connection": str(funded.pk), "reason": "No"}
    )

    assert "no longer pending" in step2.text and not Dispute.objects.exists()
    assert held(funded, tbtc) == 70_000_000


def test_another_organizations_settlement_and_dispute_answer_404(
    client_page, partner_page, disputes_partner, partner_key, funded
):
    other_client = NetworkClientFactory(enterprise=OrganizationFactory(name="Initech"))
    LicenseFactory(organization=other_client.enterprise)
    other_connection = ConnectionFactory(client=other_client, partner=disputes_partner)
    allocate(other_connection, funded.partner.config.supported_currencies.get(), COIN)
    theirs = settle(disputes_partner, partner_key, [(other_connection, "tbtc", -1)], cutoff_minutes_ago=0)
    dispute = Dispute.objects.create(
        settlement=theirs,
        connection=other_connection,
        partner=disputes_partner,
        client=other_client,
        user_label="test",
        nonce="n",
        payload="{}",
        signature="s",
    )
    other_partner = PartnerFactory(name="Zeta")
    LicenseFactory(organization=other_partner.enterprise)
    for url in (
        f"/network/settlements/{theirs.pk}",
        f"/network/settlements/{theirs.pk}/dispute",
        f"/network/disputes/{dispute.pk}/retract",
        f"/network/disputes/{dispute.pk}/close",
    ):
        assert client_page.get(url).status_code == 404, url
    stranger = Client()
    sign_in(stranger, other_partner.enterprise)
    assert stranger.get(f"/network/incoming/settlements/{theirs.pk}").status_code == 404
    assert partner_page.get(f"/network/incoming/settlements/{theirs.pk}").status_code == 200


# --- what settlements moved, on the connection and balances pages -------------------------------------------------


def test_the_connection_and_balances_pages_list_the_settlement_transfers(client_page, partner, partner_key, funded):
    settlement = settle(partner, partner_key, [(funded, "tbtc", -12_345_000)])

    for url, testid in (
        (f"/network/connections/{funded.pk}", "connection-settlements"),
        ("/network/balances", "balances-settlements"),
    ):
        page = client_page.get(url).text
        table = re.search(rf'data-testid="{testid}">(.*?)</table>', page, re.S).group(1)
        assert settlement.external_id in table and "-0.12345 tbtc" in table, url
        assert f'href="/network/settlements/{settlement.pk}"' in table


def test_the_settlement_tabs_show_in_the_network_section(client_page, partner_page):
    page = client_page.get("/network/").text
    assert 'href="/network/settlements"' in page
    assert 'href="/network/incoming/settlements"' not in page  # the partner tabs are for network partners only
    page = partner_page.get("/network/").text
    assert 'href="/network/settlements"' in page and 'href="/network/incoming/settlements"' in page
