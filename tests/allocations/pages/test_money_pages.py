"""The allocation pages in whole units (issue 15): amounts read "0.25 tbtc" (base units beside them where precision
matters), the amount is typed in whole units or explicitly in base units, step 1 shows the funds and refuses what
cannot succeed before a signature is asked for, a refusal reads "Refused" (whole units in its reason) apart from a
partner's release, the chart scales each currency to its own total, and a connection's page shows its funds."""

import html
import json
import re
import uuid

import pytest

from allocations.models import Allocation, AllocationStatus, AllocationType
from allocations.payloads import AllocationFields
from allocations.services.allocations import allocation_create
from allocations.services.funding import network_deposit
from organizations.models import Role
from organizations.services import custodial_key_enable
from partners.models import Currency
from tests.allocations.conftest import signed_request
from tests.factories.organizations import DEFAULT_PASSWORD, SigningKeyFactory
from tests.factories.partners import ConnectionFactory, NetworkClientFactory
from tests.partners.pages.conftest import sign_in

pytestmark = pytest.mark.django_db

TBTC = 10**8  # base units in 1 tbtc
TETH = 10**18


@pytest.fixture
def tbtc(db):
    return Currency.objects.get(code="tbtc")


@pytest.fixture
def teth(db):
    return Currency.objects.get(code="teth")


@pytest.fixture
def connection(enterprise, tbtc, teth):
    """Globex's connection to a partner supporting tbtc and teth, with 1 tbtc and 100 teth available."""
    client = NetworkClientFactory(enterprise=enterprise)
    connection = ConnectionFactory(client=client, name="Globex at Acme", partner__name="Acme Prime")
    connection.partner.config.supported_currencies.add(tbtc, teth)
    network_deposit(client=client, currency=tbtc, amount=TBTC, memo="Test funds")
    network_deposit(client=client, currency=teth, amount=100 * TETH, memo="Test funds")
    return connection


@pytest.fixture
def owner(client, enterprise):
    membership = sign_in(client, enterprise)
    custodial_key_enable(
        organization=enterprise, user=membership.user, actor_role=Role.OWNER, password=DEFAULT_PASSWORD
    )
    return client


def step(client, connection, kind="allocate", *, quantity, unit="whole", currency="tbtc", sign=False):
    """Step 1 posted (to step 2, or back to step 1 with errors); with `sign`, signed with the custodial key."""
    url = f"/network/connections/{connection.pk}/{kind}"
    hidden = dict(re.findall(r'name="(client_external_id|nonce)" value="([^"]+)"', client.get(url).text))
    data = {**hidden, "currency": currency, "quantity": quantity, "unit": unit, "notes": "", "step": "payload"}
    if sign:
        data |= {"step": "sign", "sign-method": "custodial", "sign-signature": "", "sign-password": DEFAULT_PASSWORD}
    return client.post(url, data)


def payload_of(response) -> dict:
    return json.loads(html.unescape(re.search(r'data-testid="payload">(.*?)</pre>', response.text, re.S).group(1)))


def text(response) -> str:
    return html.unescape(re.sub(r"\s+", " ", response.text))


def words(response) -> str:
    """The page's text as read: tags removed, spaces collapsed."""
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", "", response.text)))


def test_allocating_a_quarter_tbtc_reads_in_whole_units_on_every_page(owner, connection):
    step2 = step(owner, connection, quantity="0.25")
    assert "Allocate 0.25 tbtc — 25,000,000 base units to Globex at Acme." in words(step2)
    assert payload_of(step2)["amount"] == {"currency": "tbtc", "quantity": "25000000"}  # signed in base units

    response = step(owner, connection, quantity="0.25", sign=True)
    allocation = Allocation.objects.get()
    assert int(allocation.quantity) == 25_000_000 and allocation.status == AllocationStatus.CLEARED
    detail = words(owner.get(response["Location"]))
    assert "Allocation of 0.25 tbtc" in detail and "0.25 tbtc — 25,000,000 base units" in detail
    history = text(owner.get("/network/allocations"))
    assert '<td class="num mono nowrap">0.25 tbtc</td>' in history
    balances = owner.get("/network/balances").text
    assert '<td class="num mono nowrap">0.75 tbtc</td><td class="num mono nowrap">0.25 tbtc</td>' in balances
    assert "25000000" not in balances
    page = text(owner.get(f"/network/connections/{connection.pk}"))
    assert 'data-testid="connection-funds-list"' in page and "0.25 tbtc" in page


def test_base_units_are_accepted_when_chosen(owner, connection):
    for typed in ("25000000", "25,000,000"):
        step2 = step(owner, connection, quantity=typed, unit="base")
        assert payload_of(step2)["amount"]["quantity"] == "25000000", typed
        assert "0.25 tbtc — 25,000,000 base units" in words(step2)
    refused = step(owner, connection, quantity="0.25", unit="base")
    assert "Give a whole number of base units" in refused.text and 'data-testid="payload"' not in refused.text


def test_step_1_shows_the_funds_and_refuses_what_cannot_succeed_before_signing(owner, connection):
    first = text(owner.get(f"/network/connections/{connection.pk}/allocate"))
    assert re.search(r'data-testid="funds">.*tbtc.*1 tbtc.*teth.*100 teth', first)
    step(owner, connection, quantity="0.25", sign=True)

    too_much = step(owner, connection, kind="deallocate", quantity="1")
    page = text(too_much)
    assert "Globex at Acme holds 0.25 tbtc you can take back: 1 tbtc is more." in page
    assert 'data-testid="payload"' not in page  # still step 1: no signature asked for
    signed_anyway = step(owner, connection, kind="deallocate", quantity="1", sign=True)
    assert signed_anyway.status_code == 200 and Allocation.objects.count() == 1  # nothing sent, nothing stored

    too_much = text(step(owner, connection, quantity="2"))
    assert "You have 0.75 tbtc available to allocate: 2 tbtc is more." in too_much

    assert "decimal places at most" in step(owner, connection, quantity="0.000000001").text
    assert "Use a point for decimals" in step(owner, connection, quantity="0,25").text
    assert "The amount must be more than 0." in step(owner, connection, quantity="0").text


def test_a_refusal_by_the_server_reads_refused_in_whole_units_and_the_api_keeps_base_units(
    owner, enterprise, connection
):
    key = SigningKeyFactory(organization=enterprise)
    body = signed_request(connection, key, quantity=str(2 * TBTC), currency="tbtc")
    allocation = allocation_create(
        enterprise=enterprise,
        fields=AllocationFields(
            connection_id=connection.pk,
            currency="tbtc",
            quantity=2 * TBTC,
            client_external_id=body["clientExternalId"],
            nonce=body["nonce"],
        ),
        payload=body["payload"],
        signature=body["signature"],
        initiated_by="api",
    )
    # stored, and answered by the API, as before: base units
    assert allocation.status == AllocationStatus.RELEASED and allocation.reason_code == "InsufficientFunds"
    assert allocation.reason == "Insufficient tbtc funds: available balance 100000000, 200000000 needed."

    response = owner.get(f"/network/allocations/{allocation.pk}")
    assert 'data-testid="refused"' in response.text and "Released by the partner" not in response.text
    assert "Refused: nothing moved. Insufficient tbtc funds: available balance 1 tbtc, 2 tbtc needed." in words(
        response
    )
    assert 'class="badge badge--danger" data-testid="refused">Refused<' in owner.get("/network/allocations").text


def test_a_partners_release_is_not_dressed_as_a_refusal(owner, connection, tbtc):
    allocation = Allocation.objects.create(
        type=AllocationType.ALLOCATION,
        connection=connection,
        client=connection.client,
        partner=connection.partner,
        currency=tbtc,
        quantity=TBTC // 4,
        status=AllocationStatus.RELEASED,
        reason="Over our limit",
        reason_code="ReleasedByPartner",
        client_external_id=str(uuid.uuid4()),
        initiated_by="test",
        nonce=uuid.uuid4().hex,
        payload="{}",
        signature="00",
        request_hash="0" * 64,
    )
    page = text(owner.get(f"/network/allocations/{allocation.pk}"))
    assert "Released by the partner" in page and "Acme Prime refused it" in page and "Over our limit" in page
    assert 'data-testid="refused"' not in page and "alert--error" not in page


def test_an_empty_currency_list_explains_itself(owner, connection):
    connection.partner.config.supported_currencies.clear()
    page = text(owner.get(f"/network/connections/{connection.pk}/allocate"))
    assert 'data-testid="no-currency"' in page
    assert "There is no currency to pick." in page and "supports none yet" in page and "network's staff" in page
    assert 'value="payload"' not in page  # no Continue button leading nowhere


def test_deallocating_offers_a_currency_the_connection_holds_even_when_no_longer_supported(owner, connection, teth):
    step(owner, connection, quantity="5", currency="teth", sign=True)
    connection.partner.config.supported_currencies.remove(teth)
    assert 'value="teth"' not in owner.get(f"/network/connections/{connection.pk}/allocate").text
    step2 = step(owner, connection, kind="deallocate", quantity="5", currency="teth")
    assert payload_of(step2)["amount"] == {"currency": "teth", "quantity": str(5 * TETH)}


def test_the_chart_scales_each_currency_to_its_own_total(owner, connection):
    step(owner, connection, quantity="0.25", sign=True)
    step(owner, connection, quantity="1", currency="teth", sign=True)
    page = owner.get("/network/balances").text
    chart = re.search(
        r'<ul class="bar-chart__rows" role="list" aria-label="Available and allocated[^"]*"(.*?)</ul>', page, re.S
    )
    rows = dict(re.findall(r'<li class="bar-chart__row" data-currency="(\w+)">(.*?)</li>', chart.group(1), re.S))
    # tbtc: 0.75 of 1 available, 0.25 allocated; teth: 99 of 100, 1 allocated: each against its own total
    assert 'class="bar-chart__available"' in rows["tbtc"] and 'width="75.0%"' in rows["tbtc"]
    assert 'width="25.0%"' in rows["tbtc"] and 'width="99.0%"' in rows["teth"] and 'width="1.0%"' in rows["teth"]
    assert 'Available <span class="mono">0.75 tbtc</span>' in rows["tbtc"]
    assert "1 tbtc in all" in rows["tbtc"] and "100 teth in all" in rows["teth"]
    assert "<svg" in rows["tbtc"] and "<text" not in page and "style=" not in page  # labels are HTML; CSP holds


def test_a_connection_page_shows_its_funds_to_viewers_too(client, enterprise, connection):
    sign_in(client, enterprise, Role.VIEWER)
    page = text(client.get(f"/network/connections/{connection.pk}"))
    assert "Nothing is allocated to this connection yet." in page and "/allocate" not in page
