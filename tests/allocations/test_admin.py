"""Staff screens of the ledger: the Funding page (deposit / withdraw through the services, reason required, errors on
the form, nothing written when refused) and read-only accounts, transactions with their entries, and entries."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from allocations.admin import parse_funding_amount
from allocations.models import AccountKind, AccountRef, Allocation, LedgerAccount, LedgerEntry, LedgerTransaction
from allocations.selectors.ledger import account_balance
from allocations.services.funding import network_deposit
from partners.models import Currency
from tests.factories.organizations import OrganizationFactory, UserFactory
from tests.factories.partners import ConnectionFactory, NetworkClientFactory, PartnerFactory
from tests.queries import assert_constant_queries

pytestmark = pytest.mark.django_db

FUNDING_URL = "/admin/allocations/ledgertransaction/funding/"


@pytest.fixture
def staff_user():
    return UserFactory(is_staff=True, is_superuser=True, username="stella")


@pytest.fixture
def staff(client, staff_user):
    client.force_login(staff_user)
    return client


@pytest.fixture
def globex():
    return NetworkClientFactory(enterprise=OrganizationFactory(name="Globex"))


@pytest.fixture
def tbtc():
    return Currency.objects.get(code="tbtc")


def available(client, currency) -> int:
    return account_balance(AccountRef(client.pk, AccountKind.AVAILABLE, currency))


def funding(client, **changes) -> dict:
    data = {
        "client": str(client.pk),
        "direction": "deposit",
        "currency": "tbtc",
        "amount": "100 base",
        "memo": "Wire 1",
    }
    return data | changes


def confirmed(response) -> dict:
    """What the confirmation page posts back when its Confirm button is pressed."""
    assert response.status_code == 200, response.content.decode()[:2000]
    assert response.templates[0].name == "admin/allocations/funding_confirm.html", response.templates[0].name
    return {**response.context["hidden"], "token": response.context["token"], "confirm": "1"}


def fund(staff, data: dict):
    """The two steps: the form (nothing moves), then the confirmation's POST."""
    return staff.post(FUNDING_URL, confirmed(staff.post(FUNDING_URL, data)))


def test_the_funding_url_is_the_admin_one():
    assert reverse("admin:allocations_ledgertransaction_funding") == FUNDING_URL


def test_staff_deposit_through_the_form_and_land_on_the_transaction(staff, staff_user, globex, tbtc):
    response = fund(staff, funding(globex, amount="2.5", memo="Wire 2026-001"))

    posting = LedgerTransaction.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:allocations_ledgertransaction_change", args=[posting.pk])
    assert available(globex, tbtc) == 250_000_000
    assert (posting.kind, posting.memo, posting.created_by) == ("deposit", "Wire 2026-001", staff_user)
    page = staff.get(response["Location"]).content.decode()
    assert "Deposit of 2.5 tbtc (250,000,000 base units) for Globex recorded." in page
    assert "Wire 2026-001" in page and "-2.5 tbtc" in page  # the entries are shown inline, in whole units
    assert "Globex · available · tbtc" in page and "Outside the network · external · tbtc" in page


def test_staff_withdraw_through_the_form(staff, globex, tbtc):
    network_deposit(client=globex, currency=tbtc, amount=1_000, memo="in")
    response = fund(staff, funding(globex, direction="withdrawal", amount="1000 base", memo="Payout"))
    assert response.status_code == 302
    assert available(globex, tbtc) == 0
    assert LedgerTransaction.objects.filter(kind="withdrawal", memo="Payout").exists()


def test_an_overdraft_is_shown_on_the_form_and_nothing_is_written(staff, globex, tbtc):
    network_deposit(client=globex, currency=tbtc, amount=1_000, memo="in")
    data = funding(globex, direction="withdrawal", amount="1001 base", memo="Too much")
    response = staff.post(FUNDING_URL, data)  # refused before the confirmation

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors["amount"] == ["The balance is 0.00001 tbtc: a withdrawal cannot take more (0.00001001 tbtc asked)."]
    assert "Too much</textarea>" in response.content.decode()  # what was typed is kept

    # The balance shrinks between the confirmation and the click: the service refuses, on the form.
    confirmation = confirmed(staff.post(FUNDING_URL, {**data, "amount": "600 base"}))
    staff.post(FUNDING_URL, confirmed(staff.post(FUNDING_URL, {**data, "amount": "500 base"})))
    response = staff.post(FUNDING_URL, confirmation)
    assert response.status_code == 200
    assert "Insufficient tbtc funds" in response.context["form"].errors["amount"][0]
    assert LedgerTransaction.objects.count() == 2 and available(globex, tbtc) == 500


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"memo": ""}, "memo"),
        ({"memo": "   "}, "memo"),
        ({"amount": "0"}, "amount"),
        ({"amount": "0 base"}, "amount"),
        ({"amount": "-5"}, "amount"),
        ({"amount": "0.123456789"}, "amount"),  # tbtc has 8 decimals: never rounded
        ({"amount": "1.5 base"}, "amount"),
        ({"amount": "007 base"}, "amount"),
        ({"amount": "1e3"}, "amount"),
        ({"amount": "9" * 71}, "amount"),  # 79 digits in base units
        ({"amount": "9" * 79 + " base"}, "amount"),
        ({"currency": "nope"}, "currency"),
        ({"direction": "steal"}, "direction"),
    ],
)
def test_bad_input_is_shown_next_to_its_field_and_nothing_is_written(staff, globex, changes, field):
    response = staff.post(FUNDING_URL, funding(globex, **changes))
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert LedgerTransaction.objects.count() == 0 and LedgerAccount.objects.count() == 0


def test_an_amount_whose_balance_the_ledger_cannot_hold_is_refused_on_the_form(staff, globex, tbtc):
    network_deposit(client=globex, currency=tbtc, amount=1, memo="in")  # the external account is at -1

    response = fund(staff, funding(globex, amount="9" * 78 + " base"))  # it would reach -10**78: 79 digits

    assert response.status_code == 200
    assert "more than 78 digits" in response.context["form"].errors["amount"][0]
    assert LedgerTransaction.objects.count() == 1 and available(globex, tbtc) == 1


def test_a_deposit_in_an_inactive_currency_is_refused_on_the_form(staff, globex, tbtc):
    confirmation = confirmed(staff.post(FUNDING_URL, funding(globex)))
    Currency.objects.filter(pk=tbtc.pk).update(active=False)
    response = staff.post(FUNDING_URL, confirmation)
    assert response.status_code == 200
    assert "not active" in response.context["form"].errors["currency"][0]
    assert LedgerTransaction.objects.count() == 0


def test_the_form_shows_the_selected_clients_balances(staff, globex, tbtc):
    network_deposit(client=globex, currency=tbtc, amount=12_345, memo="in")
    response = staff.get(f"{FUNDING_URL}?client={globex.pk}")
    assert response.status_code == 200
    assert response.context["balances"] == [("tbtc", "0.00012345 tbtc", "12,345")]
    assert response.context["form"]["client"].value() == str(globex.pk)


def test_the_network_client_page_links_to_funding(staff, globex):
    page = staff.get(reverse("admin:partners_networkclient_change", args=[globex.pk])).content.decode()
    assert f"{FUNDING_URL}?client={globex.pk}" in page


def test_staff_without_the_permission_cannot_fund(client, globex):
    viewer = UserFactory(is_staff=True, username="viewer")
    viewer.user_permissions.add(Permission.objects.get(codename="view_ledgertransaction"))
    client.force_login(viewer)
    assert client.get(FUNDING_URL).status_code == 403
    assert client.post(FUNDING_URL, funding(globex)).status_code == 403
    assert LedgerTransaction.objects.count() == 0
    # the changelist offers no funding link to them either
    assert FUNDING_URL not in client.get(reverse("admin:allocations_ledgertransaction_changelist")).content.decode()


def test_granting_the_permission_lets_other_staff_fund(client, globex, tbtc):
    treasurer = UserFactory(is_staff=True, username="treasurer")
    treasurer.user_permissions.add(Permission.objects.get(codename="add_ledgertransaction"))
    client.force_login(treasurer)
    assert fund(client, funding(globex)).status_code == 302
    assert available(globex, tbtc) == 100


def test_anonymous_visitors_are_sent_to_sign_in(client, globex):
    response = client.post(FUNDING_URL, funding(globex))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    assert LedgerTransaction.objects.count() == 0


@pytest.mark.parametrize("model", ["ledgeraccount", "ledgertransaction", "ledgerentry"])
def test_ledger_screens_are_read_only(staff, globex, tbtc, model):
    network_deposit(client=globex, currency=tbtc, amount=100, memo="Wire 9")
    changelist = staff.get(reverse(f"admin:allocations_{model}_changelist"))
    assert changelist.status_code == 200
    assert changelist.context["cl"].result_count >= 1
    assert staff.get(reverse(f"admin:allocations_{model}_add")).status_code == 403

    obj = {"ledgeraccount": LedgerAccount, "ledgertransaction": LedgerTransaction, "ledgerentry": LedgerEntry}[model]
    instance = obj.objects.order_by("pk").first()
    change_url = reverse(f"admin:allocations_{model}_change", args=[instance.pk])
    page = staff.get(change_url)
    assert page.status_code == 200
    assert page.context["has_change_permission"] is False
    assert staff.post(change_url, {}).status_code == 403
    delete_url = reverse(f"admin:allocations_{model}_delete", args=[instance.pk])
    assert staff.post(delete_url, {"post": "yes"}).status_code == 403
    assert obj.objects.filter(pk=instance.pk).exists()


def test_ledger_screens_filter_and_search(staff, globex, tbtc):
    other = NetworkClientFactory()
    network_deposit(client=globex, currency=tbtc, amount=100, memo="Wire for Globex")
    network_deposit(client=other, currency=tbtc, amount=7, memo="Wire for other")

    accounts = staff.get(reverse("admin:allocations_ledgeraccount_changelist"), {"q": str(globex.pk)})
    assert [a.owner_id for a in accounts.context["cl"].result_list] == [globex.pk]
    kinds = staff.get(reverse("admin:allocations_ledgeraccount_changelist"), {"kind__exact": "external"})
    assert [a.kind for a in kinds.context["cl"].result_list] == ["external"]
    garbage = staff.get(reverse("admin:allocations_ledgeraccount_changelist"), {"q": "not-a-uuid"})
    assert garbage.status_code == 200

    transactions = staff.get(reverse("admin:allocations_ledgertransaction_changelist"), {"q": "Globex"})
    assert [t.memo for t in transactions.context["cl"].result_list] == ["Wire for Globex"]
    by_kind = staff.get(reverse("admin:allocations_ledgertransaction_changelist"), {"kind__exact": "withdrawal"})
    assert by_kind.context["cl"].result_count == 0

    account = LedgerAccount.objects.get(owner_id=globex.pk)
    entries = staff.get(reverse("admin:allocations_ledgerentry_changelist"), {"q": str(globex.pk)})
    assert [e.account_id for e in entries.context["cl"].result_list] == [account.pk]


def test_an_account_page_names_its_owner(staff, globex, tbtc):
    network_deposit(client=globex, currency=tbtc, amount=100, memo="in")
    account = LedgerAccount.objects.get(owner_id=globex.pk)
    page = staff.get(reverse("admin:allocations_ledgeraccount_change", args=[account.pk])).content.decode()
    assert "Globex · available · tbtc" in page and "0.000001 tbtc" in page and "(100 base units)" in page


def test_staff_fund_a_partners_own_account_and_it_never_overdraws(staff, tbtc):
    partner = PartnerFactory(name="Bravo Exchange")
    data = {"client": "", "partner": str(partner.pk), "direction": "deposit", "currency": "tbtc", "amount": "700 base"}

    response = fund(staff, {**data, "memo": "Partner float"})
    overdraft = staff.post(FUNDING_URL, {**data, "direction": "withdrawal", "amount": "701 base", "memo": "Too much"})
    both = staff.post(FUNDING_URL, {**data, "client": str(NetworkClientFactory().pk), "memo": "Which?"})

    assert response.status_code == 302
    assert account_balance(AccountRef(partner.pk, AccountKind.PARTNER, tbtc)) == 700
    assert "a withdrawal cannot take more" in overdraft.content.decode()
    assert "Choose a client or a partner" in both.content.decode()
    assert LedgerTransaction.objects.count() == 1
    page = staff.get(f"{FUNDING_URL}?partner={partner.pk}").content.decode()
    assert "Balances of the selected account" in page and "0.000007 tbtc" in page


# --- issue 15: the funding page confirms in whole units before money moves; accounts and amounts read by people ---


def test_nothing_moves_before_the_confirmation_and_a_confirmation_moves_money_once(staff, globex, tbtc):
    step1 = staff.post(FUNDING_URL, funding(globex, amount="0.25", memo="Wire 7"))

    assert LedgerTransaction.objects.count() == 0 and available(globex, tbtc) == 0  # the first POST moves nothing
    page = step1.content.decode()
    assert 'data-testid="funding-amount">0.25 tbtc</span>' in page and "(25,000,000 base units)" in page
    assert "Deposit into Globex" in page and "Balance after" in page and "Wire 7" in page
    assert 'class="breadcrumbs"' in page and "admin/css/forms.css" in page  # the admin's own layout
    confirmation = confirmed(step1)
    assert confirmation["amount"] == "25000000 base"

    first = staff.post(FUNDING_URL, confirmation)
    again = staff.post(FUNDING_URL, confirmation)  # a double click, or the browser's resubmit

    assert first.status_code == 302
    assert available(globex, tbtc) == 25_000_000 and LedgerTransaction.objects.count() == 1
    assert again.status_code == 200 and "already used" in again.content.decode()
    assert available(globex, tbtc) == 25_000_000 and LedgerTransaction.objects.count() == 1


def test_a_confirmation_whose_values_were_changed_is_shown_again_and_moves_nothing(staff, globex, tbtc):
    confirmation = confirmed(staff.post(FUNDING_URL, funding(globex, amount="0.25")))

    tampered = staff.post(FUNDING_URL, {**confirmation, "amount": "99000000 base"})

    assert LedgerTransaction.objects.count() == 0
    assert "differ from the ones you confirmed" in tampered.content.decode()
    assert tampered.context["amount_units"] == "0.99 tbtc"  # the values as posted, to confirm afresh
    # Every field is validated again at the confirmation: a bad value is the form's error, nothing moves.
    bad = staff.post(FUNDING_URL, {**confirmation, "memo": " "})
    assert bad.status_code == 200 and "memo" in bad.context["form"].errors
    assert staff.post(FUNDING_URL, confirmed(tampered)).status_code == 302
    assert available(globex, tbtc) == 99_000_000


def test_back_from_the_confirmation_shows_the_form_in_whole_units(staff, globex):
    confirmation = confirmed(staff.post(FUNDING_URL, funding(globex, amount="1,234.5")))
    response = staff.post(FUNDING_URL, {**confirmation, "edit": "1"})
    assert response.templates[0].name == "admin/allocations/funding.html"
    assert response.context["form"]["amount"].value() == "1,234.5"
    assert LedgerTransaction.objects.count() == 0


@pytest.mark.parametrize(
    ("text", "decimals", "base"),
    [("0.25", 8, 25_000_000), ("1,000", 18, 10**21), ("25000000 base", 8, 25_000_000), ("7 BASE UNITS", 0, 7)],
)
def test_funding_amounts_in_whole_or_explicit_base_units(text, decimals, base):
    assert parse_funding_amount(text, decimals) == base


def test_ledger_lists_name_accounts_and_read_amounts_in_constant_queries(staff, tbtc):
    def add(n: int) -> None:
        for _ in range(n):
            network_deposit(client=NetworkClientFactory(), currency=tbtc, amount=150_000_000, memo="in")

    add(1)
    for model, per_deposit in [("ledgeraccount", 1), ("ledgerentry", 2)]:  # a deposit: one account, two entries
        url = reverse(f"admin:allocations_{model}_changelist")
        assert_constant_queries(
            lambda url=url: staff.get(url),
            add,
            lambda response, per_deposit=per_deposit: response.context["cl"].result_count // per_deposit,
            rows=3,
        )
    page = staff.get(reverse("admin:allocations_ledgeraccount_changelist")).content.decode()
    assert "1.5 tbtc" in page and " · available · tbtc" in page and "available:" not in page
    entries = staff.get(reverse("admin:allocations_ledgerentry_changelist")).content.decode()
    assert "-1.5 tbtc" in entries and "Outside the network · external · tbtc" in entries
    assert "Ledger entries" in entries and "entrys" not in entries


def test_connection_accounts_are_named_by_the_connection_and_its_parties(tbtc):
    connection = ConnectionFactory(name="Globex at Bravo", client__enterprise__name="Globex", partner__name="Bravo")
    account = LedgerAccount.objects.create(owner_id=connection.network_account_id, kind="held", currency=tbtc)
    assert str(account) == "Connection “Globex at Bravo” (Globex → Bravo) · held · tbtc"
    listed = LedgerAccount.objects.with_owner_names().get(pk=account.pk)
    assert str(listed) == str(account)


def test_the_allocations_list_reads_quantities_in_whole_units(staff, tbtc):
    connection = ConnectionFactory(client__enterprise__name="Globex")
    Allocation.objects.create(
        type="allocation",
        connection=connection,
        client=connection.client,
        partner=connection.partner,
        currency=tbtc,
        quantity=25_000_000,
        status="released",
        client_external_id="x-1",
        initiated_by="test",
        nonce="n",
        payload="{}",
        signature="s",
        request_hash="h",
    )
    page = staff.get(reverse("admin:allocations_allocation_changelist")).content.decode()
    assert "0.25 tbtc" in page
    detail = staff.get(reverse("admin:allocations_allocation_change", args=[Allocation.objects.get().pk]))
    assert "0.25 tbtc" in detail.content.decode() and "25000000" in detail.content.decode()
