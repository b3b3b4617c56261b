# ruff: noqa: F811 - the fixtures imported below share their names with the scenarios' arguments
"""Every operation of the reference that the server implements answers as the reference documents, in one place.

- Which operations the server implements is computed: each (method, path template) of the reference
  (`network-api.openapi.yaml`) is resolved, with sample ids, against the project's URLconf, and served when the view
  it reaches answers that method. The others are listed in `NOT_IMPLEMENTED`, each with its reason. So a newly routed
  operation without a scenario here fails `test_every_served_operation_has_a_scenario_and_every_other_a_reason`, and
  so does a scenario of an operation that is not routed.
- Each implemented operation has a scenario (`@scenario(METHOD, TEMPLATE)`) that makes real, valid requests (signed
  where the operation takes a signed request) and checks the success answer and the documented error answers it can
  produce cheaply against the reference (`assert_matches_reference`): at least 404 for another tenant's or an unknown
  id where the path has one, and 400 or 422 for a malformed body or filter (unless `NOTHING_TO_MALFORM` says why not).
  A read with filters is called with every documented query parameter set (`every_filter`), in the query string and
  again in a JSON body as the reference SDK sends them (`Probe.filtered`). The harness then
  replays the first success request with no token, a token that is not one, and another enterprise's token (401),
  and with a token of the enterprise that holds no permission (403).
- Where the reference does not document a status the server must answer (`DEVIATIONS`), the answer is checked
  against the dialect's error shape instead, and the gap is named.

Scenarios use the settlement fixtures (tests/settlements/conftest.py, which gathers the allocation and network ones):
Acme Exchange (`enterprise`, `auth`, `signing_key`) is a client connected to the partner Bravo Exchange (`partner`,
`partner_auth`, `partner_key`); Globex (`second_client`, `second_connection`, `second_key`, `second_auth`) is another
tenant connected to Bravo. `World` makes them on first use, so each scenario builds only what it needs.
"""

import datetime
import functools
import json
import re
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.urls import Resolver404, resolve
from django.utils import timezone

from allocations.models import Allocation
from config.api.permissions import handler_methods
from settlements.models import Dispute, Settlement
from settlements.services.finalization import settlement_finalize
from tests.allocations.conftest import fund, partner_update, signed_request
from tests.conftest import bearer
from tests.contracts import assert_matches_reference, path_template, query_parameters, reference
from tests.factories.organizations import LicenseFactory, OrganizationFactory
from tests.factories.partners import ConnectionFactory, PartnerConfigFactory, PartnerFactory
from tests.partners.api.test_connections import signed, signing_body
from tests.partners.conftest import network_error, network_token
from tests.settlements.conftest import (  # noqa: F401 - fixtures, used through World
    allocate,
    auth,
    client_record,
    connection,
    cutoff,
    dispute_body,
    dispute_close_body,
    dispute_update_body,
    disputes_partner,
    enterprise,
    fund_partner,
    partner,
    partner_auth,
    partner_key,
    second_auth,
    second_client,
    second_connection,
    second_key,
    settlement_body,
    sign,
    signing_key,
    tbtc,
    teth,
)

pytestmark = pytest.mark.django_db

V1 = "/api/network/v1/enterprises/{enterpriseId}/"
V2 = "/api/network/v2/enterprises/{enterpriseId}/"
_HTTP_METHODS = ("get", "put", "post", "delete", "patch")
_PARAMETER = re.compile(r"\{(\w+)\}")

Operation = tuple[str, str]  # ("GET", "/api/network/v1/enterprises/{enterpriseId}/partners")

NOT_IMPLEMENTED: dict[Operation, str] = {
    ("POST", V1 + "partners/settlements/onchain"): "on-chain settlement: settlements move on the network's ledger only",
    ("POST", V1 + "partners/settlements/onchain/deposits"): "deposits of on-chain settlements, which are not served",
    ("GET", V1 + "partners/settlements/onchain/deposits/signing"): "signing on-chain deposits, which are not served",
}

# Statuses the server answers for an operation whose reference entry does not list them: each answer is checked
# against the dialect's error shape (`network_error`) instead, and each must be produced by the operation's scenario.
# The README's network API tables name the deliberate ones.
DEVIATIONS: dict[tuple[str, str, int], str] = {
    ("GET", V1 + "partners/connections/{connectionId}", 401): (
        "the reference lists no 401 for this read alone; the server authenticates it like every other operation"
    ),
    ("GET", V1 + "supportedCurrencies", 403): (
        "the reference lists no 403 here; the server asks READ_NETWORK and the license as for every network operation"
    ),
    ("POST", V1 + "partners", 409): "AlreadyPartner: the enterprise is already a partner (README)",
    ("POST", V1 + "clients/connections/{connectionId}/allocations", 409): (
        "AllocationIdConflict: the clientExternalId of another request (README)"
    ),
    ("POST", V1 + "clients/connections/{connectionId}/deallocations", 409): (
        "AllocationIdConflict: the clientExternalId of another request (README)"
    ),
    ("POST", V1 + "partners/settlements", 422): "InsufficientFunds, as v2 answers it (README)",
    ("POST", V1 + "partners/settlements/nonReconciled", 422): "InsufficientFunds, as v2 answers it (README)",
}

# Operations whose success answer carries fields the reference does not name, on purpose.
EXTENSIONS: dict[Operation, str] = {
    ("GET", V1 + "supportedCurrencies"): (
        "the reference's BNMetadata names only partnerNames; each entry also says which currency it is (currency, "
        "name, decimals)"
    ),
}

# Operations with no body and no query parameter: nothing of theirs can be malformed (a malformed id is not routed).
NOTHING_TO_MALFORM: dict[Operation, str] = {
    ("POST", V1 + "clients"): "takes no body and no parameter (it creates the enterprise's client, idempotently)",
    ("GET", V1 + "clients/connections/{connectionId}"): "a read by id with no parameter",
    ("GET", V1 + "clients/allocations/{allocationId}"): "a read by id with no parameter",
    ("GET", V1 + "partners/allocations/{allocationId}"): "a read by id with no parameter",
    ("GET", V1 + "partners/connections/{connectionId}"): "a read by id with no parameter",
}


# --- which operations the server serves -------------------------------------------------------------------------------


def reference_operations() -> list[Operation]:
    return [
        (method.upper(), template)
        for template, item in reference()["paths"].items()
        for method in _HTTP_METHODS
        if method in item
    ]


def served(method: str, template: str) -> bool:
    """Whether the URLconf routes `template` (sample ids in its parameters) to a view answering `method`."""
    path = _PARAMETER.sub(lambda _: str(uuid.uuid4()), template)
    try:
        match = resolve(path)
    except Resolver404:
        return False
    actions = getattr(match.func, "actions", None)  # a viewset route answers only its mapped methods
    methods = {m.upper() for m in actions} if actions else handler_methods(match.func.cls)
    return method in methods


# --- scenarios --------------------------------------------------------------------------------------------------------

Scenario = Callable[["World", "Probe"], None]
SCENARIOS: dict[Operation, Scenario] = {}


def scenario(method: str, rest: str, *, version: str = V1) -> Callable[[Scenario], Scenario]:
    def register(function: Scenario) -> Scenario:
        operation = (method, version + rest)
        assert operation not in SCENARIOS, f"two scenarios for {operation}"
        SCENARIOS[operation] = function
        return function

    return register


class World:
    """The fixtures of tests/settlements/conftest.py by name (`w.partner`), made on first use, and what the scenarios
    build from them."""

    def __init__(self, request: pytest.FixtureRequest) -> None:
        self._request = request

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return self._request.getfixturevalue(name)

    def stranger_auth(self) -> dict[str, str]:
        """A valid token of a licensed enterprise that is none of the scenario's."""
        stranger = OrganizationFactory(name="Stranger")
        LicenseFactory(organization=stranger)
        return network_token(stranger)

    def allocate_by_api(self, connection, key, auth, quantity="100", kind="allocations") -> dict:
        """A signed allocation (or deallocation) of `connection`'s client, through the API."""
        enterprise = connection.client.enterprise
        response = self.api.post(
            f"/api/network/v1/enterprises/{enterprise.pk}/clients/connections/{connection.pk}/{kind}",
            signed_request(connection, key, quantity=quantity),
            format="json",
            **auth,
        )
        assert response.status_code == 200, response.content
        return response.json()[kind[:-1]]

    @property
    def connection_url(self) -> str:
        """Acme's connection to Bravo, in the client API."""
        return f"/api/network/v1/enterprises/{self.enterprise.pk}/clients/connections/{self.connection.pk}"

    @functools.cached_property
    def allocation(self) -> dict:
        """Acme allocated 100 tbtc to Bravo (cleared)."""
        fund(self.client_record, self.tbtc, 1_000)
        return self.allocate_by_api(self.connection, self.signing_key, self.auth)

    @functools.cached_property
    def foreign_allocation(self) -> dict:
        """Globex allocated 50 tbtc to Bravo: another tenant's allocation for Acme."""
        fund(self.second_client, self.tbtc, 1_000)
        return self.allocate_by_api(self.second_connection, self.second_key, self.second_auth, quantity="50")

    @functools.cached_property
    def async_partner(self):
        """Bravo reserves allocations and deallocations, and clears or releases them later."""
        self.partner.config.async_allocations_enabled = True
        self.partner.config.save()
        return self.partner

    def settle(self, amounts: dict, *, version: str = V1, **kwargs) -> dict:
        """Bravo's signed settlement through the API (v2 with a cutoff of now)."""
        if version == V2:
            kwargs.setdefault("cutoff_at", cutoff())
        response = self.api.post(
            version.format(enterpriseId=self.partner.enterprise.pk) + "partners/settlements",
            settlement_body(amounts, self.partner_key, **kwargs),
            format="json",
            **self.partner_auth,
        )
        assert response.status_code == 200, response.content
        return response.json()["settlement"]

    @functools.cached_property
    def settled(self) -> dict:
        """A completed v1 settlement: Acme loses 30 tbtc, Globex 20."""
        allocate(self.connection, self.tbtc, 1_000)
        allocate(self.second_connection, self.tbtc, 500)
        return self.settle(
            {str(self.connection.pk): {"tbtc": "-30"}, str(self.second_connection.pk): {"tbtc": "-20"}},
            notes="Day 1",
        )

    @functools.cached_property
    def foreign_settlement(self) -> dict:
        """A completed v1 settlement of Globex's connection only: another tenant's for Acme."""
        allocate(self.second_connection, self.tbtc, 500)
        return self.settle({str(self.second_connection.pk): {"tbtc": "-5"}})

    @functools.cached_property
    def pending(self) -> dict:
        """A pending v2 settlement of Bravo with disputes enabled: Acme loses 300 tbtc, Globex gains 100."""
        assert self.disputes_partner
        allocate(self.connection, self.tbtc, 1_000)
        allocate(self.second_connection, self.tbtc, 500)
        fund_partner(self.partner, self.tbtc, 1_000)
        return self.settle(
            {str(self.connection.pk): {"tbtc": "-300"}, str(self.second_connection.pk): {"tbtc": "100"}}, version=V2
        )

    def dispute_of(self, connection, key, auth) -> Dispute:
        body = dispute_body(self.pending["id"], connection, key, expected={"tbtc": "-100"})
        enterprise = connection.client.enterprise
        response = self.api.post(
            f"/api/network/v1/enterprises/{enterprise.pk}/clients/settlements/{self.pending['id']}/disputes",
            body,
            format="json",
            **auth,
        )
        assert response.status_code == 200, response.content
        return Dispute.objects.get(pk=response.json()["dispute"]["id"])

    @functools.cached_property
    def dispute(self) -> Dispute:
        """Acme's open dispute of the pending settlement."""
        return self.dispute_of(self.connection, self.signing_key, self.auth)

    @functools.cached_property
    def foreign_dispute(self) -> Dispute:
        """Globex's open dispute of the pending settlement: another tenant's for Acme."""
        return self.dispute_of(self.second_connection, self.second_key, self.second_auth)


class Probe:
    """Requests of one operation, and the statuses whose answers were checked against the reference."""

    def __init__(self, api, method: str, template: str) -> None:
        self.api, self.method, self.template = api, method, template
        self.enterprise = None
        self.auth: dict[str, str] = {}
        self.seen: set[int] = set()
        self.replay: dict[str, Any] | None = None  # the first success request, sent again without a valid token

    def acting(self, enterprise, auth: dict[str, str]) -> "Probe":
        """Requests are made by `auth` for `enterprise` (the path's enterpriseId) unless they say otherwise."""
        self.enterprise, self.auth = enterprise, auth
        return self

    def send(self, *, enterprise=None, auth=None, ids: dict | None = None, body: Any = None, query=None):
        values = {"enterpriseId": (enterprise or self.enterprise).pk, **(ids or {})}
        url = _PARAMETER.sub(lambda m: str(values[m.group(1)]), self.template)
        headers = self.auth if auth is None else auth
        if self.method == "GET" and body is None:
            return self.api.get(url, query or {}, **headers)
        assert query is None, "query parameters are for reads"
        data = "" if body is None else json.dumps(body)
        # A GET with a body is how the reference SDK sends the signing reads.
        return self.api.generic(self.method, url, data, content_type="application/json", **headers)

    def expect(self, status: int, **request):
        """Send `request`; its answer must have `status` and match the reference (or the dialect, for a gap)."""
        response = self.send(**request)
        assert response.status_code == status, (
            f"{self.method} {self.template}: expected {status}, got {response.status_code}: {response.content[:2000]}"
        )
        sent = (response.request["REQUEST_METHOD"], path_template(response.request["PATH_INFO"]))
        assert sent == (self.method, self.template), f"the request went to {sent}"
        if (self.method, self.template, status) in DEVIATIONS:
            network_error(response, status)
        else:
            assert_matches_reference(
                response, allow_undocumented_fields=(self.method, self.template) in EXTENSIONS or None
            )
        self.seen.add(status)
        if 200 <= status < 300 and self.replay is None:
            self.replay = request
        return response

    def filtered(self, query: dict[str, Any], **request):
        """A read with `query` in its query string, and again in a JSON body as the reference SDK sends it: both
        answer 200 with the same body, which matches the reference."""
        response = self.expect(200, query=query, **request)
        as_body = self.expect(200, body=query, **request)
        assert as_body.json() == response.json()
        return response


def every_filter(probe: Probe, **values: Any) -> dict[str, Any]:
    """Query parameters setting every one the reference documents for the operation (and no other)."""
    documented = set(query_parameters(probe.method, probe.template))
    assert set(values) == documented, (
        f"{probe.method} {probe.template}: missing {sorted(documented - set(values))}, "
        f"undocumented {sorted(set(values) - documented)}"
    )
    return {
        name: [_text(v) for v in value] if isinstance(value, list) else _text(value) for name, value in values.items()
    }


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def ago(days: int = 0) -> str:
    return (timezone.now() + datetime.timedelta(days=-days)).isoformat().replace("+00:00", "Z")


def ids(*values) -> list[str]:
    return [str(v) for v in values]


UNKNOWN = "00000000-0000-4000-8000-000000000000"


# --- clients and partners ---------------------------------------------------------------------------------------------


@scenario("POST", "clients")
def create_client(w, p):
    p.acting(w.enterprise, w.auth).expect(200)
    p.expect(200)  # idempotent: the same client again


@scenario("GET", "partners")
def list_partners(w, p):
    p.acting(w.enterprise, w.auth)
    partner = w.partner
    body = p.expect(200).json()
    assert str(partner.pk) in {item["id"] for item in body["partners"]}
    filtered = every_filter(
        p,
        pageNumber=0,
        pageSize=10,
        ids=ids(partner.pk),
        names=[partner.name],
        institutionIds=ids(partner.institution_id or UNKNOWN),
        institutionIdentifiers=[partner.institution_identifier],
        active=True,
        filterByTrustOrg=False,
        allocationPoliciesEnabled=False,
    )
    p.filtered(filtered)
    p.expect(400, query={"pageSize": "0"})
    p.expect(400, query={"ids": "not-a-uuid"})


@scenario("POST", "partners")
def create_partner(w, p):
    enterprise = OrganizationFactory(name="Delta Markets")
    LicenseFactory(organization=enterprise)
    PartnerConfigFactory(enterprise=enterprise, public_key="")
    p.acting(enterprise, network_token(enterprise))
    body = {"name": "Delta", "broker": True, "institutionIdentifier": "delta", "connectionKeySchema": "token"}
    p.expect(400, body={**body, "name": ""})
    p.expect(400, body={**body, "connectionKeySchema": "carrier pigeon"})
    p.expect(200, body=body)
    p.expect(409, body=body)  # AlreadyPartner
    unconfigured = OrganizationFactory()
    LicenseFactory(organization=unconfigured)
    p.expect(422, enterprise=unconfigured, auth=network_token(unconfigured), body=body)  # PartnerConfigMissing


@scenario("GET", "supportedCurrencies")
def supported_currencies(w, p):
    p.acting(w.enterprise, w.auth)
    body = p.expect(200, query={"partnerIds": str(w.partner.pk)}).json()
    assert [c["currency"] for c in body["supportedCurrencies"][str(w.partner.pk)]] == ["tbtc"]
    p.filtered(every_filter(p, partnerIds=ids(w.partner.pk)))
    p.expect(400, query={"partnerIds": "not-a-uuid"})


# --- client connections -----------------------------------------------------------------------------------------------


@scenario("GET", "clients/connections")
def list_client_connections(w, p):
    p.acting(w.enterprise, w.auth)
    connection = w.connection
    assert p.expect(200).json()["connections"][0]["id"] == str(connection.pk)
    filtered = every_filter(
        p,
        pageNumber=0,
        pageSize=10,
        active=True,
        connectionIds=ids(connection.pk),
        names=[connection.name],
        partnerIds=ids(connection.partner_id),
    )
    assert len(p.filtered(filtered).json()["connections"]) == 1
    p.expect(400, query={"active": "maybe"})


def connection_signing_scenario(w, p):
    p.acting(w.enterprise, w.auth)
    assert w.client_record
    body = signing_body(w.partner, nonce=uuid.uuid4().hex)
    assert p.expect(200, body=body).json()["payload"]
    p.expect(400, body={**body, "connectionKey": {"schema": "token"}})
    p.expect(404, body={**body, "partnerId": UNKNOWN})
    p.expect(422, body={**body, "connectionKey": {"schema": "apiKeyAndSecret", "apiKey": "k", "apiSecret": "s"}})


scenario("GET", "clients/connections/signing")(connection_signing_scenario)
scenario("POST", "clients/connections/signing")(connection_signing_scenario)


def signed_locally(fields: dict, key) -> dict:
    """`fields` with their payload and its signature, made here (the signing endpoint refuses what the create must)."""
    payload, signature = sign(fields, key)
    return {**fields, "payload": payload, "signature": signature}


@scenario("POST", "clients/connections")
def connect(w, p):
    p.acting(w.enterprise, w.auth)
    assert w.client_record
    partner = PartnerFactory(name="Echo Exchange")
    body = signed(w.api, w.enterprise, w.auth, w.signing_key, signing_body(partner, nonce=uuid.uuid4().hex))
    p.expect(400, body={**body, "name": "Another name"})  # not the payload that was signed
    p.expect(400, body={key: value for key, value in body.items() if key != "signature"})
    unknown = {**signing_body(partner, nonce=uuid.uuid4().hex), "partnerId": UNKNOWN}
    p.expect(404, body=signed_locally(unknown, w.signing_key))
    created = p.expect(200, body=body).json()["connection"]
    assert created["partnerId"] == str(partner.pk)
    inactive = PartnerFactory(name="Foxtrot Exchange", active=False)
    p.expect(422, body=signed_locally(signing_body(inactive, nonce=uuid.uuid4().hex), w.signing_key))


@scenario("GET", "clients/connections/{connectionId}")
def get_client_connection(w, p):
    p.acting(w.enterprise, w.auth)
    assert p.expect(200, ids={"connectionId": w.connection.pk}).json()["connection"]["id"] == str(w.connection.pk)
    p.expect(404, ids={"connectionId": w.second_connection.pk})  # Globex's
    p.expect(404, ids={"connectionId": UNKNOWN})


@scenario("PUT", "clients/connections/{connectionId}")
def update_client_connection(w, p):
    p.acting(w.enterprise, w.auth)
    own = {"connectionId": w.connection.pk}
    p.expect(400, ids=own, body={"active": "maybe"})
    p.expect(400, ids=own, body={"name": ""})
    p.expect(404, ids={"connectionId": w.second_connection.pk}, body={"active": False})
    assert p.expect(200, ids=own, body={"active": False, "name": "Paused"}).json()["connection"]["active"] is False


# --- partner connections ----------------------------------------------------------------------------------------------


@scenario("GET", "partners/connections")
def list_partner_connections(w, p):
    p.acting(w.partner.enterprise, w.partner_auth)
    connection = w.connection
    connection.partners_client_id, connection.partners_connection_id = "pc-1", "pconn-1"
    connection.save()
    assert p.expect(200).json()["connections"][0]["id"] == str(connection.pk)
    filtered = every_filter(
        p,
        pageNumber=0,
        pageSize=10,
        active=True,
        clientIds=ids(connection.client_id),
        connectionIds=ids(connection.pk),
        partnersClientIds=["pc-1"],
        partnersConnectionIds=["pconn-1"],
        partnerIds=ids(connection.partner_id),
    )
    assert len(p.filtered(filtered).json()["connections"]) == 1
    p.expect(400, query={"clientIds": "not-a-uuid"})


@scenario("GET", "partners/connections/{connectionId}")
def get_partner_connection(w, p):
    p.acting(w.partner.enterprise, w.partner_auth)
    p.expect(200, ids={"connectionId": w.connection.pk})
    elsewhere = ConnectionFactory(client=w.client_record, partner=PartnerFactory(name="Golf Exchange"))
    p.expect(404, ids={"connectionId": elsewhere.pk})  # Acme's connection to another partner
    p.expect(404, ids={"connectionId": UNKNOWN})


# --- allocations and deallocations: client side -----------------------------------------------------------------------


def allocation_signing_scenario(w, p):
    p.acting(w.enterprise, w.auth)
    body = {"amount": {"currency": "tbtc", "quantity": "10"}, "clientExternalId": "ext-1", "nonce": "n-1"}
    own = {"connectionId": w.connection.pk}
    p.expect(400, ids=own, body={**body, "amount": {"currency": "tbtc", "quantity": "ten"}})
    p.expect(404, ids={"connectionId": w.second_connection.pk}, body=body)  # Globex's connection
    payload = p.expect(200, ids=own, body=body).json()["payload"]
    assert json.loads(payload) == {"connectionId": str(w.connection.pk), **body}


for _method in ("GET", "POST"):
    for _kind in ("allocations", "deallocations"):
        scenario(_method, f"clients/connections/{{connectionId}}/{_kind}/signing")(allocation_signing_scenario)


@scenario("POST", "clients/connections/{connectionId}/allocations")
def create_allocation(w, p):
    p.acting(w.enterprise, w.auth)
    own = {"connectionId": w.connection.pk}
    malformed = signed_request(w.connection, w.signing_key)
    malformed["amount"]["quantity"] = "abc"
    p.expect(400, ids=own, body=malformed)
    foreign = w.second_connection
    p.expect(404, ids={"connectionId": foreign.pk}, body=signed_request(foreign, w.signing_key))
    refused = p.expect(422, ids=own, body=signed_request(w.connection, w.signing_key)).json()  # no funds yet
    assert refused["allocation"]["status"] == "released" and refused["name"] == "InsufficientFunds"
    fund(w.client_record, w.tbtc, 1_000)
    body = signed_request(w.connection, w.signing_key, quantity="400", notes="first")
    assert p.expect(200, ids=own, body=body).json()["allocation"]["status"] == "cleared"
    conflict = signed_request(w.connection, w.signing_key, quantity="401", external_id=body["clientExternalId"])
    p.expect(409, ids=own, body=conflict)  # AllocationIdConflict


@scenario("POST", "clients/connections/{connectionId}/deallocations")
def create_deallocation(w, p):
    p.acting(w.enterprise, w.auth)
    own = {"connectionId": w.connection.pk}
    allocate(w.connection, w.tbtc, 300)
    malformed = signed_request(w.connection, w.signing_key)
    malformed["amount"]["currency"] = 5
    p.expect(400, ids=own, body=malformed)
    foreign = w.second_connection
    p.expect(404, ids={"connectionId": foreign.pk}, body=signed_request(foreign, w.signing_key))
    body = signed_request(w.connection, w.signing_key)
    assert p.expect(200, ids=own, body=body).json()["deallocation"]["status"] == "cleared"
    conflict = signed_request(w.connection, w.signing_key, quantity="101", external_id=body["clientExternalId"])
    p.expect(409, ids=own, body=conflict)  # AllocationIdConflict
    refused = p.expect(422, ids=own, body=signed_request(w.connection, w.signing_key, quantity="1000")).json()
    assert refused["deallocation"]["status"] == "released"


@scenario("GET", "clients/allocations")
def list_client_allocations(w, p):
    p.acting(w.enterprise, w.auth)
    allocation = w.allocation
    too_much = signed_request(w.connection, w.signing_key, quantity="5000")
    refused = w.api.post(f"{w.connection_url}/allocations", too_much, format="json", **w.auth)
    assert refused.status_code == 422, refused.content  # stored released, with its reason
    listed = p.expect(200).json()["allocations"]
    assert {a["status"] for a in listed} == {"cleared", "released"}
    filtered = every_filter(
        p,
        allocationIds=ids(allocation["id"]),
        types=["allocation"],
        statuses=["cleared"],
        currencies=["tbtc"],
        connectionIds=ids(w.connection.pk),
        partnerIds=ids(w.partner.pk),
        createdOnOrAfter=ago(1),
        createdBefore=ago(-1),
        pageNumber=0,
        pageSize=10,
        sortField="quantity",
        sortDirection="DESC",
    )
    assert len(p.filtered(filtered).json()["allocations"]) == 1
    p.expect(400, query={"types": "gift"})
    p.expect(400, query={"createdBefore": "yesterday"})


@scenario("GET", "clients/allocations/{allocationId}")
def get_client_allocation(w, p):
    p.acting(w.enterprise, w.auth)
    p.expect(200, ids={"allocationId": w.allocation["id"]})
    p.expect(404, ids={"allocationId": w.foreign_allocation["id"]})  # Globex's
    p.expect(404, ids={"allocationId": UNKNOWN})


@scenario("GET", "clients/balances")
def client_balances(w, p):
    p.acting(w.enterprise, w.auth)
    assert w.allocation
    assert list(p.expect(200).json()["networkBalances"]) == [str(w.connection.pk)]
    filtered = every_filter(
        p, pageNumber=0, pageSize=10, connectionIds=ids(w.connection.pk), partnerIds=ids(w.partner.pk)
    )
    assert list(p.filtered(filtered).json()["networkBalances"]) == [str(w.connection.pk)]
    p.expect(400, query={"pageSize": "0"})
    no_client = OrganizationFactory()
    LicenseFactory(organization=no_client)
    p.expect(404, enterprise=no_client, auth=network_token(no_client))  # NetworkClientNotFound


# --- allocations and deallocations: partner side ----------------------------------------------------------------------


@scenario("GET", "partners/allocations")
def list_partner_allocations(w, p):
    p.acting(w.partner.enterprise, w.partner_auth)
    allocation = w.allocation
    assert [a["id"] for a in p.expect(200).json()["allocations"]] == [allocation["id"]]
    filtered = every_filter(
        p,
        allocationIds=ids(allocation["id"]),
        types=["allocation"],
        statuses=["cleared"],
        currencies=["tbtc"],
        connectionIds=ids(w.connection.pk),
        partnerIds=ids(w.partner.pk),
        clientIds=ids(w.client_record.pk),
        pageNumber=0,
        pageSize=10,
        sortField="updatedAt",
        sortDirection="ASC",
    )
    assert len(p.filtered(filtered).json()["allocations"]) == 1
    p.expect(400, query={"statuses": "lost"})


@scenario("GET", "partners/allocations/{allocationId}")
def get_partner_allocation(w, p):
    p.acting(w.partner.enterprise, w.partner_auth)
    p.expect(200, ids={"allocationId": w.allocation["id"]})
    other = PartnerFactory(name="Hotel Exchange")
    LicenseFactory(organization=other.enterprise)
    p.expect(
        404, enterprise=other.enterprise, auth=network_token(other.enterprise), ids={"allocationId": w.allocation["id"]}
    )
    p.expect(404, ids={"allocationId": UNKNOWN})


def reserved(w, kind: str) -> Allocation:
    """A reserved allocation (or deallocation) of Acme at Bravo, which now confirms them later."""
    assert w.async_partner
    if kind == "allocations":
        fund(w.client_record, w.tbtc, 1_000)
    else:
        allocate(w.connection, w.tbtc, 1_000)
    made = w.allocate_by_api(w.connection, w.signing_key, w.auth, quantity="400", kind=kind)
    assert made["status"] == "reserved"
    return Allocation.objects.get(pk=made["id"])


def partner_update_scenario(kind: str):
    def run(w, p):
        p.acting(w.partner.enterprise, w.partner_auth)
        record = reserved(w, kind)
        update = functools.partial(partner_update, record, w.partner_key, kind=kind[:-1])
        p.expect(400, body=update(status="released"))  # a release needs a reason
        p.expect(404, enterprise=w.enterprise, auth=w.auth, body=update())  # Acme is not the partner
        p.expect(422, body=update(amount={"currency": "tbtc", "quantity": "399"}))  # AllocationMismatch
        assert p.expect(200, body=update()).json()[f"{kind[:-1]}Id"] == str(record.pk)
        p.expect(409, body=update(status="released", reason="too late"))  # AllocationAlreadyFinal

    return run


scenario("PUT", "partners/allocations")(partner_update_scenario("allocations"))
scenario("PUT", "partners/deallocations")(partner_update_scenario("deallocations"))


@scenario("GET", "partners/balances")
def partner_balances(w, p):
    p.acting(w.partner.enterprise, w.partner_auth)
    assert w.allocation
    w.connection.partners_connection_id = "pconn-1"
    w.connection.save()
    assert list(p.expect(200).json()["networkBalances"]) == [str(w.connection.pk)]
    filtered = every_filter(
        p,
        pageNumber=0,
        pageSize=10,
        partnerIds=ids(w.partner.pk),
        clientIds=ids(w.client_record.pk),
        connectionIds=ids(w.connection.pk),
        partnersConnectionIds=["pconn-1"],
    )
    assert list(p.filtered(filtered).json()["networkBalances"]) == [str(w.connection.pk)]
    p.expect(400, query={"clientIds": "not-a-uuid"})


# --- settlements: partner side ----------------------------------------------------------------------------------------


def settlement_signing_scenario(w, p):
    p.acting(w.partner.enterprise, w.partner_auth)
    fields = {"externalId": "sign-1", "settlementAmounts": {str(w.connection.pk): {"tbtc": "-5"}}, "nonce": "n-1"}
    p.expect(400, body={**fields, "settlementAmounts": {str(w.connection.pk): {"tbtc": "five"}}})
    assert json.loads(p.expect(200, body=fields).json()["payload"]) == fields


scenario("GET", "partners/settlements-signing")(settlement_signing_scenario)
scenario("POST", "partners/settlements-signing")(settlement_signing_scenario)


@scenario("GET", "partners/trades/signing")
def trade_signing(w, p):
    p.acting(w.partner.enterprise, w.partner_auth)
    trade = {
        "externalId": "t-1",
        "externalOrderId": "o-1",
        "partyConnectionId": str(w.connection.pk),
        "tradedAt": "2026-12-01T10:00:00Z",
        "base": {"currency": "tbtc", "quantity": "100"},
        "quote": {"currency": "tusd", "quantity": "-5000"},
    }
    p.expect(400, body={"trade": {**trade, "quote": {"currency": "tusd", "quantity": "5"}}, "nonce": "n-1"})
    assert json.loads(p.expect(200, body={"trade": trade, "nonce": "n-1"}).json()["payload"])["trade"] == trade


def settlement_create_scenario(version: str):
    def run(w, p):
        if version == V2:
            assert w.disputes_partner
        p.acting(w.partner.enterprise, w.partner_auth)
        allocate(w.connection, w.tbtc, 1_000)
        amounts = {str(w.connection.pk): {"tbtc": "-10"}}
        extra = {"cutoff_at": cutoff()} if version == V2 else {}
        p.expect(400, body=settlement_body({str(w.connection.pk): {"tbtc": "ten"}}, w.partner_key, **extra))
        body = settlement_body(amounts, w.partner_key, external_id="day-1", **extra)
        assert p.expect(200, body=body).json()["settlement"]["externalId"] == "day-1"
        other = settlement_body({str(w.connection.pk): {"tbtc": "-11"}}, w.partner_key, external_id="day-1", **extra)
        p.expect(409, body=other)  # SettlementIdConflict
        too_much = settlement_body({str(w.connection.pk): {"tbtc": "-5000"}}, w.partner_key, **extra)
        p.expect(422, body=too_much)  # InsufficientFunds
        if version == V2:  # the next settlement after a closed dispute settles it
            close(w, w.dispute)
            body = settlement_body({str(w.connection.pk): {"tbtc": "-1"}}, w.partner_key, **extra)
            assert p.expect(200, body=body).json()["settlement"]["settlingDisputes"]

    return run


scenario("POST", "partners/settlements")(settlement_create_scenario(V1))
scenario("POST", "partners/settlements/nonReconciled")(settlement_create_scenario(V1))
scenario("POST", "partners/settlements", version=V2)(settlement_create_scenario(V2))


@scenario("GET", "partners/settlements")
def list_partner_settlements(w, p):
    p.acting(w.partner.enterprise, w.partner_auth)
    settled = w.settled
    assert [s["id"] for s in p.expect(200).json()["settlements"]] == [settled["id"]]
    filtered = every_filter(
        p,
        pageNumber=0,
        pageSize=10,
        settlementIds=ids(settled["id"]),
        onlyShowDisputed=False,
        partnerIds=ids(w.partner.pk),
        partyConnectionIds=ids(w.connection.pk),
        counterpartyConnectionIds=ids(w.second_connection.pk),
        externalIds=[settled["externalId"]],
        createdOnOrAfter=ago(1),
        createdBefore=ago(-1),
        updatedOnOrAfter=ago(1),
        updatedBefore=ago(-1),
    )
    p.filtered(filtered)
    p.expect(400, query={"updatedBefore": "soon"})


@scenario("GET", "partners/settlements/{settlementId}")
def get_partner_settlement(w, p):
    p.acting(w.partner.enterprise, w.partner_auth)
    own = {"settlementId": w.settled["id"]}
    assert len(p.expect(200, ids=own).json()["settlementTransfers"]) == 2
    account = str(w.connection.network_account_id)
    filtered = every_filter(
        p,
        sourceNetworkAccountIds=[account],
        sourceTradingAccountIds=[account],
        destinationNetworkAccountIds=[account],
        destinationTradingAccountIds=[account],
        currencies=["tbtc"],
        pageNumber=0,
        pageSize=10,
    )
    p.filtered(filtered, ids=own)
    p.expect(400, ids=own, query={"pageSize": "0"})
    assert w.dispute and w.foreign_dispute
    disputed = p.expect(200, ids={"settlementId": w.pending["id"]}).json()
    assert len(disputed["settlementDisputes"]) == 2, disputed
    other = PartnerFactory(name="India Exchange")
    LicenseFactory(organization=other.enterprise)
    p.expect(404, enterprise=other.enterprise, auth=network_token(other.enterprise), ids=own)  # Bravo's
    p.expect(404, ids={"settlementId": UNKNOWN})


# --- settlements: client side -----------------------------------------------------------------------------------------


@scenario("GET", "clients/settlements")
def list_client_settlements(w, p):
    p.acting(w.enterprise, w.auth)
    settled = w.settled
    assert [s["id"] for s in p.expect(200).json()["settlements"]] == [settled["id"]]
    filtered = every_filter(
        p,
        pageNumber=0,
        pageSize=10,
        settlementIds=ids(settled["id"]),
        onlyShowDisputed=False,
        partnerIds=ids(w.partner.pk),
        partyConnectionIds=ids(w.connection.pk),
        counterpartyConnectionIds=ids(w.second_connection.pk),
        statuses=["completed"],
    )
    p.filtered(filtered)
    p.expect(400, query={"statuses": "lost"})


@scenario("GET", "clients/settlements/{settlementId}")
def get_client_settlement(w, p):
    p.acting(w.enterprise, w.auth)
    own = {"settlementId": w.settled["id"]}
    assert [t["quantity"] for t in p.expect(200, ids=own).json()["settlementTransfers"]] == ["-30"]
    p.filtered(every_filter(p, currencies=["tbtc"], pageNumber=0, pageSize=10), ids=own)
    p.expect(400, ids=own, query={"pageNumber": "-1"})
    p.expect(404, ids={"settlementId": w.foreign_settlement["id"]})  # only Globex's connection
    p.expect(404, ids={"settlementId": UNKNOWN})
    assert w.dispute and w.foreign_dispute  # (v1 settlements end here: Bravo now has disputes)
    disputed = p.expect(200, ids={"settlementId": w.pending["id"]}).json()
    assert len(disputed["settlementDisputes"]) == 1, disputed  # Acme's own, not Globex's


@scenario("GET", "clients/settlementTransfers")
def list_client_settlement_transfers(w, p):
    p.acting(w.enterprise, w.auth)
    settled = w.settled
    transfers = p.expect(200).json()["settlementTransfers"]
    assert [t["quantity"] for t in transfers] == ["-30"]
    filtered = every_filter(
        p,
        pageNumber=0,
        pageSize=10,
        currencies=["tbtc"],
        initiatedBy=[Settlement.objects.get(pk=settled["id"]).initiated_by],
        partnerIds=ids(w.partner.pk),
        settlementIds=ids(settled["id"]),
        settlementStatuses=["completed"],
        settlementTransferStatuses=["completed"],
        settlementUpdatedBefore=ago(-1),
        settlementUpdatedOnOrAfter=ago(1),
        sortField="updatedAt",
        sortDirection="DESC",
    )
    assert len(p.filtered(filtered).json()["settlementTransfers"]) == 1
    p.expect(400, query={"settlementTransferStatuses": "lost"})


# --- disputes ---------------------------------------------------------------------------------------------------------


@scenario("POST", "clients/settlements/{settlementId}/disputes")
def create_dispute(w, p):
    p.acting(w.enterprise, w.auth)
    pending = w.pending["id"]
    own = {"settlementId": pending}
    p.expect(400, ids=own, body=dispute_body(pending, w.connection, w.signing_key, expected={"tbtc": "lots"}))
    foreign = w.settle({str(w.second_connection.pk): {"tbtc": "-5"}}, version=V2)["id"]  # Globex's only
    p.expect(404, ids={"settlementId": foreign}, body=dispute_body(foreign, w.connection, w.signing_key))
    p.expect(404, ids={"settlementId": UNKNOWN}, body=dispute_body(UNKNOWN, w.connection, w.signing_key))
    p.expect(200, ids=own, body=dispute_body(pending, w.connection, w.signing_key))
    p.expect(409, ids=own, body=dispute_body(pending, w.connection, w.signing_key))  # DisputeExists
    Settlement.objects.filter(pk=pending).update(dispute_deadline=timezone.now() - datetime.timedelta(seconds=1))
    late = dispute_body(pending, w.second_connection, w.second_key)
    p.expect(422, auth=w.second_auth, enterprise=w.second_client.enterprise, ids=own, body=late)


@scenario("PUT", "clients/settlements/disputes/{disputeId}")
def update_dispute(w, p):
    p.acting(w.enterprise, w.auth)
    dispute, foreign = w.dispute, w.foreign_dispute
    own = {"disputeId": dispute.pk}
    malformed = dispute_update_body(dispute, w.signing_key, retracted=True)
    malformed["retracted"] = "maybe"
    p.expect(400, ids=own, body=malformed)
    p.expect(404, ids={"disputeId": foreign.pk}, body=dispute_update_body(foreign, w.signing_key, retracted=True))
    body = dispute_update_body(dispute, w.signing_key, retracted=True, reason="Found them")
    assert p.expect(200, ids=own, body=body).json()["dispute"]["retracted"] is True


@scenario("POST", "clients/settlements/disputes/{disputeId}/close")
def close_dispute(w, p):
    p.acting(w.enterprise, w.auth)
    dispute, foreign = w.dispute, w.foreign_dispute
    settlement_finalize(settlement_id=w.pending["id"], force=True)
    own = {"disputeId": dispute.pk}
    malformed = dispute_close_body(w.enterprise, dispute, w.signing_key)
    del malformed["nonce"]
    p.expect(400, ids=own, body=malformed)
    p.expect(404, ids={"disputeId": foreign.pk}, body=dispute_close_body(w.enterprise, foreign, w.signing_key))
    closed = p.expect(200, ids=own, body=dispute_close_body(w.enterprise, dispute, w.signing_key)).json()
    assert closed["disputeClosure"]["adjustedTransfers"] == {"tbtc": "-300"}
    p.expect(409, ids=own, body=dispute_close_body(w.enterprise, dispute, w.signing_key))  # DisputeClosed


def close(w, dispute: Dispute) -> None:
    """Finalize the pending settlement (the dispute holds back Acme's transfer), then Acme closes its dispute."""
    settlement_finalize(settlement_id=w.pending["id"], force=True)
    response = w.api.post(
        f"/api/network/v1/enterprises/{w.enterprise.pk}/clients/settlements/disputes/{dispute.pk}/close",
        dispute_close_body(w.enterprise, dispute, w.signing_key),
        format="json",
        **w.auth,
    )
    assert response.status_code == 200, response.content


def closed_dispute(w) -> Dispute:
    """Acme's dispute, closed after the settlement was finalized, and settled in Bravo's next settlement."""
    dispute = w.dispute
    close(w, dispute)
    w.settle({str(w.connection.pk): {"tbtc": "-1"}}, version=V2, external_id="next")
    dispute.refresh_from_db()
    assert dispute.settled_in_settlement_id
    return dispute


def dispute_filters(w, dispute: Dispute) -> dict[str, Any]:
    return {
        "settlementIds": ids(dispute.settlement_id),
        "settledInSettlementIds": ids(dispute.settled_in_settlement_id),
        "connectionIds": ids(dispute.connection_id),
        "partnerIds": ids(w.partner.pk),
        "closed": True,
        "disputeIds": ids(dispute.pk),
        "disputeClosureIds": ids(dispute.closure.pk),
        "pageNumber": 0,
        "pageSize": 10,
    }


@scenario("GET", "clients/settlement/disputes")
def list_client_disputes(w, p):
    p.acting(w.enterprise, w.auth)
    dispute = closed_dispute(w)
    assert [d["id"] for d in p.expect(200).json()["disputes"]] == [str(dispute.pk)]
    filtered = every_filter(p, **dispute_filters(w, dispute))
    assert len(p.filtered(filtered).json()["disputes"]) == 1
    p.expect(400, query={"closed": "maybe"})


@scenario("GET", "partners/settlement/disputes")
def list_partner_disputes(w, p):
    p.acting(w.partner.enterprise, w.partner_auth)
    dispute = closed_dispute(w)
    assert [d["id"] for d in p.expect(200).json()["disputes"]] == [str(dispute.pk)]
    filtered = every_filter(
        p,
        **dispute_filters(w, dispute),
        settlementExternalIds=[dispute.settlement.external_id],
        settledInSettlementExternalIds=["next"],
        showRetracted=True,
        clientIds=ids(w.client_record.pk),
    )
    assert len(p.filtered(filtered).json()["disputes"]) == 1
    p.expect(400, query={"disputeIds": "not-a-uuid"})


# --- the harness ------------------------------------------------------------------------------------------------------


def _has_id(template: str) -> bool:
    return any(name != "enterpriseId" for name in _PARAMETER.findall(template))


def test_every_served_operation_has_a_scenario_and_every_other_a_reason():
    operations = reference_operations()
    implemented = {operation for operation in operations if served(*operation)}
    assert implemented - set(SCENARIOS) == set(), "served operations without a scenario here"
    assert set(SCENARIOS) - implemented == set(), "scenarios of operations the server does not serve"
    assert set(operations) - implemented == set(NOT_IMPLEMENTED), "unserved operations and NOT_IMPLEMENTED differ"
    assert len(implemented) == len(operations) - len(NOT_IMPLEMENTED)


def test_the_exceptions_name_real_gaps():
    for method, template, status in DEVIATIONS:
        assert (method, template) in SCENARIOS
        assert str(status) not in reference()["paths"][template][method.lower()]["responses"]
    assert set(NOTHING_TO_MALFORM) | set(EXTENSIONS) <= set(SCENARIOS)
    for method, template in NOTHING_TO_MALFORM:
        assert method in ("GET", "POST") and not query_parameters(method, template), (method, template)


@pytest.mark.parametrize(
    "operation",
    sorted(SCENARIOS),
    ids=lambda op: f"{op[0]} {op[1].split('/enterprises/')[0][-2:]} {op[1].split('{enterpriseId}/')[1]}",
)
def test_the_operations_answers_match_the_reference(operation, request, api):
    method, template = operation
    probe = Probe(api, method, template)

    SCENARIOS[operation](World(request), probe)

    assert probe.replay is not None, "the scenario made no successful request"
    stranger = World(request).stranger_auth()
    for unauthorized in ({}, bearer("not-a-token"), stranger):
        probe.expect(401, **{**probe.replay, "auth": unauthorized})
    powerless = network_token(probe.replay.get("enterprise") or probe.enterprise, permissions=[])
    probe.expect(403, **{**probe.replay, "auth": powerless})  # a member without the network permissions
    if _has_id(template):
        assert 404 in probe.seen, "no request with another tenant's or an unknown id"
    assert probe.seen & {400, 422} or operation in NOTHING_TO_MALFORM, "no malformed request"
    deviations = {status for (m, t, status) in DEVIATIONS if (m, t) == operation}
    assert deviations <= probe.seen, f"DEVIATIONS names {deviations - probe.seen}, which the scenario never met"
