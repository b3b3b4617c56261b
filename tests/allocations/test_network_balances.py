"""`GET .../clients/balances` and `GET .../partners/balances`: the reference's shapes, base-unit strings, the
reference's filters and pages, constant query counts, and nothing of another enterprise's."""

import uuid

import pytest

from allocations.models import EXTERNAL_OWNER, AccountKind, AccountRef
from allocations.services.funding import network_deposit
from allocations.services.ledger import ledger_post, transfer
from organizations.models import PermissionCode
from partners.models import Currency
from tests.contracts import assert_matches_reference, query_parameters
from tests.factories.organizations import LicenseFactory, OrganizationFactory
from tests.factories.partners import ConnectionFactory, NetworkClientFactory, PartnerFactory
from tests.partners.conftest import network_error, network_token, url
from tests.queries import assert_constant_queries

pytestmark = pytest.mark.django_db

CLIENT_PATH = "/api/network/v1/enterprises/{enterpriseId}/clients/balances"
PARTNER_PATH = "/api/network/v1/enterprises/{enterpriseId}/partners/balances"


@pytest.fixture
def enterprise(db):
    """An enterprise with the network license (as in tests/partners/conftest.py)."""
    enterprise = OrganizationFactory(name="Acme Exchange")
    LicenseFactory(organization=enterprise)
    return enterprise


@pytest.fixture
def auth(enterprise):
    return network_token(enterprise)


@pytest.fixture
def tbtc():
    return Currency.objects.get(code="tbtc")


@pytest.fixture
def teth():
    return Currency.objects.get(code="teth")


def move(kind: str, source: AccountRef, destination: AccountRef, amount: int) -> None:
    """A ledger movement as the allocation services make them (they are another module's; the ledger is shared)."""
    ledger_post(kind=kind, lines=transfer(source=source, destination=destination, amount=amount))


def allocate(connection, currency, amount: int, *, reserved: int = 0) -> None:
    """`amount` cleared to the connection (available → held) and `reserved` waiting (available → reserved)."""
    available = AccountRef(connection.client_id, AccountKind.AVAILABLE, currency)
    if amount:
        move("allocation", available, AccountRef(connection.network_account_id, AccountKind.HELD, currency), amount)
    if reserved:
        move(
            "reservation",
            available,
            AccountRef(connection.network_account_id, AccountKind.RESERVED, currency),
            reserved,
        )


def fund(client, currency, amount: int) -> None:
    network_deposit(client=client, currency=currency, amount=amount, memo="test funds")


def get(api, enterprise, rest, auth, **params):
    return api.get(url(enterprise, rest), params, **auth)


# --- client side --------------------------------------------------------------------------------------------------


@pytest.fixture
def client_record(enterprise):
    return NetworkClientFactory(enterprise=enterprise)


@pytest.fixture
def bravo():
    return PartnerFactory(name="Bravo", institution_identifier="LEI-BRAVO")


@pytest.fixture
def charlie():
    return PartnerFactory(name="Charlie", institution_identifier="LEI-CHARLIE")


@pytest.fixture
def funded(client_record, bravo, charlie, tbtc, teth):
    """1000 tbtc and 500 teth; 300 tbtc cleared and 50 reserved at Bravo, 200 teth cleared at Charlie."""
    at_bravo = ConnectionFactory(client=client_record, partner=bravo, name="At Bravo", partners_connection_id="b-77")
    at_charlie = ConnectionFactory(client=client_record, partner=charlie, name="At Charlie")
    fund(client_record, tbtc, 1_000)
    fund(client_record, teth, 500)
    allocate(at_bravo, tbtc, 300, reserved=50)
    allocate(at_charlie, teth, 200)
    return at_bravo, at_charlie


def test_client_balances_as_the_reference_shapes_them(api, enterprise, auth, client_record, funded, bravo, charlie):
    at_bravo, at_charlie = funded
    response = get(api, enterprise, "clients/balances", auth)

    assert response.status_code == 200, response.content
    assert_matches_reference(response)
    assert response.json() == {
        "clientId": str(client_record.pk),
        "balances": {
            "tbtc": {"available": "650", "held": "350"},  # held: everything allocated, cleared or reserved
            "teth": {"available": "300", "held": "200"},
        },
        "networkBalances": {
            str(at_bravo.pk): {
                "partnerId": str(bravo.pk),
                "partnersConnectionId": "b-77",
                "name": "At Bravo",
                "partnerInstitutionIdentifier": "LEI-BRAVO",
                "balances": {"tbtc": {"available": "300", "held": "50"}},
            },
            str(at_charlie.pk): {
                "partnerId": str(charlie.pk),
                "partnersConnectionId": str(at_charlie.pk),  # until the partner sets its own id
                "name": "At Charlie",
                "partnerInstitutionIdentifier": "LEI-CHARLIE",
                "balances": {"teth": {"available": "200", "held": "0"}},
            },
        },
    }


def test_a_client_with_nothing_yet_has_empty_records(api, enterprise, auth, client_record):
    response = get(api, enterprise, "clients/balances", auth)
    assert_matches_reference(response)
    assert response.json() == {"clientId": str(client_record.pk), "balances": {}, "networkBalances": {}}


def test_78_digit_balances_are_exact_strings(api, enterprise, auth, client_record, tbtc):
    huge = 10**78 - 1
    fund(client_record, tbtc, huge)
    response = get(api, enterprise, "clients/balances", auth)
    assert_matches_reference(response)
    assert response.json()["balances"]["tbtc"] == {"available": str(huge), "held": "0"}


def test_client_filters_narrow_the_connections_not_the_account(api, enterprise, auth, funded, bravo):
    at_bravo, at_charlie = funded
    by_connection = get(api, enterprise, "clients/balances", auth, connectionIds=str(at_charlie.pk)).json()
    by_partner = get(api, enterprise, "clients/balances", auth, partnerIds=str(bravo.pk)).json()
    both = get(api, enterprise, "clients/balances", auth, connectionIds=f"{at_bravo.pk},{at_charlie.pk}").json()
    unknown = get(api, enterprise, "clients/balances", auth, partnerIds=str(uuid.uuid4())).json()

    assert list(by_connection["networkBalances"]) == [str(at_charlie.pk)]
    assert list(by_partner["networkBalances"]) == [str(at_bravo.pk)]
    assert list(both["networkBalances"]) == [str(at_bravo.pk), str(at_charlie.pk)]
    assert unknown["networkBalances"] == {}
    assert by_connection["balances"] == by_partner["balances"] == unknown["balances"]  # the whole account


def test_client_filters_are_the_references(api, enterprise, auth, client_record):
    documented = set(query_parameters("GET", CLIENT_PATH))
    assert documented == {"pageNumber", "pageSize", "connectionIds", "partnerIds"}
    for name in documented - {"pageNumber", "pageSize"}:
        assert get(api, enterprise, "clients/balances", auth, **{name: str(uuid.uuid4())}).status_code == 200


def test_client_pages_walk_the_connections_oldest_first(api, enterprise, auth, funded):
    at_bravo, at_charlie = funded
    first = get(api, enterprise, "clients/balances", auth, pageSize="1").json()
    second = get(api, enterprise, "clients/balances", auth, pageSize="1", pageNumber="1").json()
    past = get(api, enterprise, "clients/balances", auth, pageSize="1", pageNumber="2").json()
    assert list(first["networkBalances"]) == [str(at_bravo.pk)]
    assert list(second["networkBalances"]) == [str(at_charlie.pk)]
    assert past["networkBalances"] == {} and past["balances"] == first["balances"]


@pytest.mark.parametrize(
    "params",
    [
        {"connectionIds": "not-a-uuid"},
        {"partnerIds": "123"},
        {"pageSize": "0"},
        {"pageSize": "501"},
        {"pageNumber": "-1"},
        {"pageNumber": "one"},
    ],
)
def test_bad_client_parameters_are_400(api, enterprise, auth, client_record, params):
    response = get(api, enterprise, "clients/balances", auth, **params)
    network_error(response, 400)
    assert_matches_reference(response)


def test_without_a_network_client_is_404(api, enterprise, auth):
    response = get(api, enterprise, "clients/balances", auth)
    assert network_error(response, 404) == "NetworkClientNotFound"
    assert_matches_reference(response)


def test_another_enterprise_sees_nothing_of_ours(api, enterprise, auth, funded):
    at_bravo, _ = funded
    other = OrganizationFactory()
    LicenseFactory(organization=other)
    theirs = NetworkClientFactory(enterprise=other)
    token = network_token(other)

    response = get(api, other, "clients/balances", token, connectionIds=str(at_bravo.pk))
    assert response.status_code == 200
    assert response.json() == {"clientId": str(theirs.pk), "balances": {}, "networkBalances": {}}
    # and their token cannot read our enterprise
    stranger = get(api, enterprise, "clients/balances", token)
    assert network_error(stranger, 401) == "NotAMember"
    assert_matches_reference(stranger)


def test_without_a_token_is_401(api, enterprise, client_record):
    response = api.get(url(enterprise, "clients/balances"))
    network_error(response, 401)
    assert_matches_reference(response)


def test_without_read_network_is_403(api, enterprise, client_record):
    token = network_token(enterprise, permissions=[PermissionCode.WRITE_NETWORK])
    response = get(api, enterprise, "clients/balances", token)
    network_error(response, 403)
    assert_matches_reference(response)


def test_without_the_network_license_is_403(api):
    unlicensed = OrganizationFactory()
    NetworkClientFactory(enterprise=unlicensed)
    response = get(api, unlicensed, "clients/balances", network_token(unlicensed))
    assert network_error(response, 403) == "LicenseRequired"
    assert_matches_reference(response)


def test_client_balances_cost_the_same_queries_for_1_and_50_connections(
    api,
    enterprise,
    auth,
    client_record,
    bravo,
    tbtc,
    teth,
):
    fund(client_record, tbtc, 10_000)
    fund(client_record, teth, 10_000)
    allocate(ConnectionFactory(client=client_record, partner=bravo), tbtc, 1)

    def add(n):
        for i in range(n):
            connection = ConnectionFactory(client=client_record, partner=bravo)
            allocate(connection, tbtc if i % 2 else teth, 1, reserved=1)

    assert_constant_queries(
        lambda: get(api, enterprise, "clients/balances", auth),
        add,
        lambda response: len(response.json()["networkBalances"]),
    )


# --- partner side -------------------------------------------------------------------------------------------------


@pytest.fixture
def partner(enterprise):
    return PartnerFactory(enterprise=enterprise, name="Acme Prime")


@pytest.fixture
def clients_at_partner(partner, tbtc, teth):
    """Two clients connected to the partner: one with 70 tbtc cleared and 5 reserved, one with 9 teth cleared."""
    first = ConnectionFactory(partner=partner, partners_connection_id="acme-1", partners_client_id="c-1")
    second = ConnectionFactory(partner=partner)
    fund(first.client, tbtc, 100)
    fund(second.client, teth, 100)
    allocate(first, tbtc, 70, reserved=5)
    allocate(second, teth, 9)
    return first, second


def test_partner_balances_as_the_reference_shapes_them(api, enterprise, auth, partner, clients_at_partner, tbtc):
    first, second = clients_at_partner
    # the partner's own account (settlements credit it)
    move(
        "settlement", AccountRef(EXTERNAL_OWNER, AccountKind.EXTERNAL, tbtc), AccountRef(partner.pk, "partner", tbtc), 4
    )

    response = get(api, enterprise, "partners/balances", auth)

    assert response.status_code == 200, response.content
    assert_matches_reference(response)
    assert response.json() == {
        "networkBalances": {
            str(first.pk): {
                "clientId": str(first.client_id),
                "partnerId": str(partner.pk),
                "partnersConnectionId": "acme-1",
                "balances": {"tbtc": {"available": "70", "held": "5"}},
            },
            str(second.pk): {
                "clientId": str(second.client_id),
                "partnerId": str(partner.pk),
                "partnersConnectionId": str(second.pk),
                "balances": {"teth": {"available": "9", "held": "0"}},
            },
        },
        "balances": {"tbtc": {"available": "4", "held": "0"}},
    }


def test_partner_filters(api, enterprise, auth, partner, clients_at_partner):
    first, second = clients_at_partner
    documented = set(query_parameters("GET", PARTNER_PATH))
    assert documented == {"pageNumber", "pageSize", "partnerIds", "clientIds", "connectionIds", "partnersConnectionIds"}

    def shown(**params):
        response = get(api, enterprise, "partners/balances", auth, **params)
        assert response.status_code == 200, response.content
        assert_matches_reference(response)
        return response.json()

    assert list(shown(clientIds=str(second.client_id))["networkBalances"]) == [str(second.pk)]
    assert list(shown(connectionIds=str(first.pk))["networkBalances"]) == [str(first.pk)]
    assert list(shown(partnersConnectionIds="acme-1")["networkBalances"]) == [str(first.pk)]
    assert list(shown(partnerIds=str(partner.pk))["networkBalances"]) == [str(first.pk), str(second.pk)]
    assert list(shown(pageSize="1", pageNumber="1")["networkBalances"]) == [str(second.pk)]
    elsewhere = shown(partnerIds=str(uuid.uuid4()))
    assert elsewhere == {"networkBalances": {}}  # not this partner: neither its connections nor its own balances


def test_a_partner_sees_only_connections_made_to_it(api, enterprise, auth, partner, clients_at_partner, tbtc):
    other_partner_connection = ConnectionFactory()
    allocate_client = other_partner_connection.client
    fund(allocate_client, tbtc, 10)
    allocate(other_partner_connection, tbtc, 10)
    shown = get(api, enterprise, "partners/balances", auth, connectionIds=str(other_partner_connection.pk))
    assert shown.json()["networkBalances"] == {}


def test_not_a_partner_is_404(api, enterprise, auth):
    response = get(api, enterprise, "partners/balances", auth)
    assert network_error(response, 404) == "PartnerNotFound"
    assert_matches_reference(response)


@pytest.mark.parametrize("params", [{"clientIds": "x"}, {"partnerIds": "x"}, {"pageSize": "0"}])
def test_bad_partner_parameters_are_400(api, enterprise, auth, partner, params):
    response = get(api, enterprise, "partners/balances", auth, **params)
    network_error(response, 400)
    assert_matches_reference(response)


def test_partner_balances_need_read_network_and_the_license(api, enterprise, partner):
    writer = network_token(enterprise, permissions=[PermissionCode.WRITE_NETWORK])
    assert network_error(get(api, enterprise, "partners/balances", writer), 403)
    assert network_error(api.get(url(enterprise, "partners/balances")), 401)


def test_partner_balances_cost_the_same_queries_for_1_and_50_connections(
    api,
    enterprise,
    auth,
    partner,
    tbtc,
):
    client = NetworkClientFactory()
    fund(client, tbtc, 10_000)
    allocate(ConnectionFactory(client=client, partner=partner), tbtc, 1)

    def add(n):
        for _ in range(n):
            allocate(ConnectionFactory(client=client, partner=partner), tbtc, 1, reserved=1)

    assert_constant_queries(
        lambda: get(api, enterprise, "partners/balances", auth),
        add,
        lambda response: len(response.json()["networkBalances"]),
    )
