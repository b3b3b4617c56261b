"""Demo data for `make run`. Idempotent: running it again changes nothing that is already there.

Creates a staff superuser, three organizations with members (all licensed for the network, Acme connected to
Globex), an API client per organization (created by the organization's owner) and a signing key per organization.
Client secrets are printed and kept in `.demo/api-clients.json`; signing private keys go to
`.demo/<org>-signing-key.json` so demo scripts can sign.

The network: a partner config for Acme (supporting tbtc and teth, the currencies Globex is funded in) and Acme
registered as a partner ("Acme Prime", token connection keys); a network client for Globex and a connection from
Globex to Acme Prime, signed with Globex's demo signing key. Globex's network account is funded with tbtc and teth (a
staff deposit), only while its balance is still 0. Vandelay Custody is the asynchronous partner "Vandelay Vault"
(its config keeps allocations reserved until the partner answers): Globex is connected to it and has allocated
0.5 tbtc, reserved, waiting for Vandelay to confirm or refuse it.

Settlements: Globex allocates 1 tBTC to Acme Prime; Acme Prime settles once at once (v1, completed: Globex loses
0.1 tBTC), then, with disputes enabled on its config, stages a v2 settlement (pending until its windows pass: Globex
loses 0.05 tBTC) that Globex disputes. So after `make run` every state shows: a completed settlement, a pending one, a
dispute; the admin's "Finalize now" (or the worker, once the windows pass) finalizes it.

Acme has the slug `acme` (the seed-001 tenant) and five partner records (both types, five countries, four with
codes): two invited, one (Globex Trading) accepted by Globex.
"""

import hashlib
import json
import secrets
from datetime import timedelta
from pathlib import Path

from coincurve import PrivateKey
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import check_password
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from allocations.models import AccountKind, AccountRef, Allocation
from allocations.payloads import AllocationFields
from allocations.selectors.ledger import account_balance
from allocations.services.allocations import allocation_create
from allocations.services.funding import network_deposit
from invitations.models import Invitation, InvitationKind, InvitationStatus
from organization_partners.models import OrganizationPartner, PartnerInvitationStatus
from organization_partners.services import organization_partner_create
from organizations import services
from organizations.models import ALL_PERMISSIONS, ApiClient, License, Membership, Organization, Role, SigningKey
from organizations.signing import key_challenge_issue, new_nonce, sign_message, signing_payload
from partners import services as network
from partners.models import Connection, Currency, NetworkClient, Partner, PartnerConfig
from settlements.models import Dispute, Settlement, SettlementStatus
from settlements.payloads import DisputeFields, Movement, SettlementFields
from settlements.services.disputes import dispute_create
from settlements.services.settlements import settlement_create

User = get_user_model()
DEMO_PASSWORD = "demo-pass-2026"  # noqa: S105 - demo data only, printed on purpose
ORGANIZATIONS = [
    {
        "name": "Acme Exchange",
        "slug": "acme",
        "network_license": True,
        "members": [("alice", Role.OWNER), ("olivia", Role.OPERATOR), ("victor", Role.VIEWER)],
    },
    {"name": "Globex Trading", "slug": "globex", "network_license": True, "members": [("gary", Role.OWNER)]},
    {"name": "Vandelay Custody", "slug": "vandelay", "network_license": True, "members": [("vera", Role.OWNER)]},
]
DEMO_PARTNER = {
    "name": "Acme Prime",
    "broker": False,
    "institution_identifier": "LEI-DEMO-ACME-0001",
    "connection_key_schema": "token",
    "client_dispute_window_minutes": 60,
    "top_up_window_minutes": 30,
}
DEMO_CONNECTION_NAME = "Globex at Acme Prime"
DEMO_CONNECTION_NONCE = "demo-connection-globex-acme-prime"
# The asynchronous partner: its config keeps allocations reserved until the partner clears or releases them.
DEMO_ASYNC_PARTNER = {
    "name": "Vandelay Vault",
    "broker": False,
    "institution_identifier": "LEI-DEMO-VANDELAY-0001",
    "connection_key_schema": "apiKeyAndSecret",
}
DEMO_ASYNC_CONNECTION = {
    "name": "Globex treasury",
    "connection_key": {"schema": "apiKeyAndSecret", "apiKey": "demo-globex-key", "apiSecret": "demo-globex-secret"},
    "nonce": "demo-connection-globex-vandelay-vault",
}
DEMO_RESERVED_ALLOCATION = "demo-allocation-reserved-1"
# Acme's partner records (seed 003 fields; seed 001's code, timezone, customer count and properties on some).
# `invitation`: "invited" or "accepted" (by Globex), made as the invitation services would leave them.
DEMO_ORGANIZATION_PARTNERS = [
    {
        "company_name": "Globex Trading",
        "code": "ACME-C-001",
        "partner_type": "customer",
        "email": "gary@example.com",
        "country_code": "US",
        "city": "Springfield",
        "state": "IL",
        "postal_code": "62701",
        "timezone": "America/Chicago",
        "customer_count": 120,
        "invitation": "accepted",
    },
    {
        "company_name": "Initech Components",
        "code": "ACME-S-001",
        "partner_type": "supplier",
        "email": "orders@initech.example",
        "country_code": "DE",
        "city": "Berlin",
        "state": "BE",
        "postal_code": "10115",
        "timezone": "Europe/Berlin",
        "invitation": "invited",
    },
    {
        "company_name": "Umbrella Retail",
        "code": "ACME-C-002",
        "partner_type": "customer",
        "email": "buyers@umbrella.example",
        "country_code": "IT",
        "city": "Rome",
        "state": "RM",
        "postal_code": "00184",
        "timezone": "Europe/Rome",
        "properties": {"region": "south", "tier": "gold"},
        "invitation": "invited",
    },
    {
        "company_name": "Stark Logistics",
        "code": "ACME-S-002",
        "partner_type": "supplier",
        "email": "freight@stark.example",
        "country_code": "JP",
        "city": "Osaka",
        "state": "Osaka",
        "postal_code": "530-0001",
        "timezone": "Asia/Tokyo",
    },
    {
        "company_name": "Wayne Foods",
        "partner_type": "customer",
        "email": "accounts@wayne.example",
        "country_code": "GB",
        "city": "London",
        "state": "London",
        "postal_code": "EC1A 1BB",
    },
]
DEMO_SETTLEMENTS = ("demo-settlement-day-1", "demo-settlement-day-2")
DEMO_FUNDING = {"tbtc": 10 * 10**8, "teth": 100 * 10**18}  # base units: 10 tBTC, 100 tETH


class Command(BaseCommand):
    help = "Load demo data (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--output-dir", default=str(Path(settings.BASE_DIR) / ".demo"))

    def handle(self, *args, output_dir: str, **options):
        out = Path(output_dir)
        out.mkdir(parents=True, exist_ok=True)
        with transaction.atomic():
            staff = self._user("admin", staff=True)
            organizations = {spec["slug"]: self._organization(spec) for spec in ORGANIZATIONS}
            services.organization_connection_create(host=organizations["acme"], guest=organizations["globex"])
            self._organization_partners(organizations["acme"], organizations["globex"])
        secrets_file = out / "api-clients.json"
        saved = json.loads(secrets_file.read_text()) if secrets_file.exists() else {}
        for slug, organization in organizations.items():
            saved[slug] = self._api_client(organization, saved.get(slug))
            self._signing_key(organization, out / f"{slug}-signing-key.json")
        secrets_file.write_text(json.dumps(saved, indent=2))
        secrets_file.chmod(0o600)
        with transaction.atomic():
            partner = self._partner(organizations["acme"], DEMO_PARTNER)
            self._connection(
                organizations["globex"],
                partner,
                out / "globex-signing-key.json",
                name=DEMO_CONNECTION_NAME,
                connection_key={"schema": "token", "connectionToken": "demo-token-globex-at-acme"},
                nonce=DEMO_CONNECTION_NONCE,
            )
            async_partner = self._partner(organizations["vandelay"], DEMO_ASYNC_PARTNER, asynchronous=True)
            self._connection(
                organizations["globex"], async_partner, out / "globex-signing-key.json", **DEMO_ASYNC_CONNECTION
            )
        self._funding(organizations["globex"], staff)
        self._settlements(organizations["acme"], organizations["globex"], out)
        self._reserved_allocation(organizations["globex"], async_partner, out)

        self.stdout.write(self.style.SUCCESS("Demo data ready."))
        self.stdout.write(f"  Sign in at /accounts/login/ or /admin/ — password for every demo user: {DEMO_PASSWORD}")
        self.stdout.write(
            "  admin (staff superuser); alice (Acme owner), olivia (Acme operator), victor (Acme viewer),"
        )
        self.stdout.write("  gary (Globex owner), vera (Vandelay owner)")
        self.stdout.write("  Network: Acme is the partner “Acme Prime”; Globex is connected to it (see /network/)")
        self.stdout.write(
            "  Vandelay is the asynchronous partner “Vandelay Vault”: Globex's allocation to it waits for vera"
        )
        for slug, organization in organizations.items():
            creds = saved[slug]
            self.stdout.write(
                f"  {organization.name} ({organization.pk}): client_id={creds['client_id']} "
                f"client_secret={creds['client_secret']}"
            )
        self.stdout.write(f"  Secrets and signing keys are in {out}/")

    def _user(self, username: str, *, staff: bool = False):
        user, created = User.objects.get_or_create(
            username=username, defaults={"email": f"{username}@example.com", "is_staff": staff, "is_superuser": staff}
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        return user

    def _organization(self, spec: dict) -> Organization:
        organization = Organization.objects.filter(name=spec["name"]).first()
        if organization is None:
            organization = services.organization_create(name=spec["name"])
        # The seed-001 tenant name (`X-Servitly-Tenant: acme`), unless another organization already has it.
        if organization.slug != spec["slug"] and not Organization.objects.filter(slug=spec["slug"]).exists():
            organization.slug = spec["slug"]
            organization.save(update_fields=["slug", "updated_at"])
        for username, role in spec["members"]:
            user = self._user(username)
            if not Membership.objects.filter(user=user, organization=organization).exists():
                services.membership_create(organization=organization, user=user, role=role)
        if spec["network_license"] and not License.objects.filter(organization=organization).exists():
            services.license_grant(organization=organization)
        return organization

    def _organization_partners(self, acme: Organization, globex: Organization) -> None:
        """Acme's partner records, through the partner service. The invitations are made with the models directly,
        as sending and accepting them leave them: "invited" partners have a sent invitation; the one Globex accepted
        has an accepted invitation, `invitation_status` "accepted" and Globex as its guest organization (Acme →
        Globex is connected above)."""
        gary = User.objects.get(username="gary")
        for spec in DEMO_ORGANIZATION_PARTNERS:
            fields = dict(spec)
            invitation = fields.pop("invitation", None)
            lookup = {"code": fields["code"]} if fields.get("code") else {"company_name": fields["company_name"]}
            if OrganizationPartner.objects.filter(organization=acme, **lookup).exists():
                continue
            partner = organization_partner_create(
                organization=acme,
                sales_amount=250_000,
                frequency="monthly",
                payment_terms="Net 30",
                address=f"1 Demo Street, {fields['city']}",
                company_registration_number=f"REG-{fields['country_code']}-{fields['postal_code']}",
                **fields,
            )
            if invitation is None:
                continue
            now = timezone.now()
            accepted = invitation == PartnerInvitationStatus.ACCEPTED
            Invitation.objects.create(
                kind=InvitationKind.GUEST,
                organization=acme,
                email=partner.email,
                partner=partner,
                token_hash=hashlib.sha256(secrets.token_bytes(32)).hexdigest(),  # no link: the token is not kept
                status=InvitationStatus.ACCEPTED if accepted else InvitationStatus.SENT,
                expired_at=now + timedelta(days=14),
                first_invitation_sent_at=now,
                last_invitation_sent_at=now,
                accepted_at=now if accepted else None,
                accepted_by=gary if accepted else None,
                accepted_organization=globex if accepted else None,
            )
            partner.invitation_status = invitation
            partner.guest_organization = globex if accepted else None
            partner.save(update_fields=["invitation_status", "guest_organization", "updated_at"])

    @staticmethod
    def _owner(organization: Organization):
        return (
            Membership.objects.filter(organization=organization, role=Role.OWNER)
            .select_related("user")
            .order_by("created_at", "id")
            .first()
            .user
        )

    def _api_client(self, organization: Organization, saved: dict | None) -> dict:
        """The organization's demo API client, made by its owner (so the API clients page names its creator)."""
        owner = self._owner(organization)
        api_client = ApiClient.objects.filter(organization=organization, name="Demo client", active=True).first()
        if api_client is None:
            api_client, secret = services.api_client_create(
                organization=organization,
                name="Demo client",
                permissions=sorted(ALL_PERMISSIONS),
                grantor_permissions=ALL_PERMISSIONS,
                created_by=owner,
            )
            return {"organization_id": str(organization.pk), "client_id": api_client.client_id, "client_secret": secret}
        if api_client.created_by_id is None:  # made by an earlier version of this command, which named no creator
            ApiClient.objects.filter(pk=api_client.pk).update(created_by=owner)
        if (
            saved
            and saved.get("client_id") == api_client.client_id
            and check_password(saved.get("client_secret", ""), api_client.secret_hash)
        ):
            secret = saved["client_secret"]
        else:  # the saved secret is gone or stale: issue a new one so the printed credentials work
            secret = services.api_client_rotate_secret(api_client=api_client)
        return {"organization_id": str(organization.pk), "client_id": api_client.client_id, "client_secret": secret}

    def _signing_key(self, organization: Organization, path: Path) -> None:
        if path.exists():
            saved = json.loads(path.read_text())
            if SigningKey.objects.filter(
                organization=organization, compressed_public_key=saved["public_key"], active=True
            ).exists():
                return
        private_key = PrivateKey()
        public_key = private_key.public_key.format(compressed=True).hex()
        challenge, _expires_at = key_challenge_issue(organization.pk)
        services.signing_key_create(
            organization=organization,
            label="Demo key",
            public_key=public_key,
            challenge=challenge,
            signature=sign_message(private_key, challenge),
            created_by=self._owner(organization),
        )
        path.write_text(
            json.dumps(
                {
                    "organization_id": str(organization.pk),
                    "public_key": public_key,
                    "private_key": private_key.to_hex(),
                },
                indent=2,
            )
        )
        path.chmod(0o600)

    def _partner(self, enterprise: Organization, spec: dict, *, asynchronous: bool = False) -> Partner:
        """Staff's partner config for the enterprise (as the admin would make it: supporting the currencies Globex is
        funded in, so the demo can allocate; `asynchronous`: allocations wait for the partner's answer), then its
        registration as a partner."""
        config = PartnerConfig.objects.filter(enterprise=enterprise).first()
        if config is None:
            trust_org = License.objects.filter(organization=enterprise).order_by("-valid_from").first().trust_org
            config = PartnerConfig.objects.create(
                enterprise=enterprise,
                trust_org=trust_org,
                settlement_transaction_route_id=f"demo-route-{enterprise.slug}",
                async_allocations_enabled=asynchronous,
            )
        missing = Currency.objects.filter(code__in=DEMO_FUNDING).exclude(partner_configs=config)
        if missing.exists():  # only then: an `add` of nothing would still write a history row
            config.supported_currencies.add(*missing)
        return Partner.objects.filter(enterprise=enterprise).first() or network.partner_create(
            enterprise=enterprise, **spec
        )

    def _funding(self, globex: Organization, staff) -> None:
        """Globex's demo funds, deposited as staff would in the admin; skipped for a currency already funded."""
        client = NetworkClient.objects.get(enterprise=globex)
        for code, amount in DEMO_FUNDING.items():
            currency = Currency.objects.get(code=code)
            if account_balance(AccountRef(client.pk, AccountKind.AVAILABLE, currency)) == 0:
                network_deposit(client=client, currency=currency, amount=amount, memo="Demo funding", created_by=staff)

    def _settlements(self, acme: Organization, globex: Organization, out: Path) -> None:
        """The demo's settlements (module docstring), made through the services with the demo signing keys; each
        step skipped once done."""
        partner = Partner.objects.select_related("config").get(enterprise=acme)
        connection = Connection.objects.get(client__enterprise=globex, partner=partner)
        acme_key = self._private_key(out / "acme-signing-key.json")
        globex_key = self._private_key(out / "globex-signing-key.json")
        if not Allocation.objects.filter(client_external_id="demo-allocation-1", connection=connection).exists():
            fields = AllocationFields(
                connection_id=connection.pk,
                currency="tbtc",
                quantity=10**8,
                client_external_id="demo-allocation-1",
                nonce=new_nonce(),
                notes="Demo collateral",
            )
            payload = signing_payload(fields.signed())
            allocation_create(
                enterprise=globex,
                fields=fields,
                payload=payload,
                signature=sign_message(globex_key, payload),
                initiated_by="user gary",
            )
        for external_id, quantity, version in zip(DEMO_SETTLEMENTS, (-(10**7), -5 * 10**6), (1, 2), strict=True):
            settlement = Settlement.objects.filter(partner=partner, external_id=external_id).first()
            if settlement is not None:
                continue
            # A v1 settlement needs disputes off; the partner then turns them on (as staff would in its config).
            PartnerConfig.objects.filter(pk=partner.config.pk).update(disputes_enabled=version == 2)
            now = timezone.now()
            fields = SettlementFields(
                external_id=external_id,
                movements=(Movement(connection.pk, "tbtc", quantity),),
                counterparty_form=False,
                nonce=new_nonce(),
                notes=f"Demo trading day {version}",
                cutoff_at=now if version == 2 else None,
                cutoff_at_text=now.isoformat().replace("+00:00", "Z") if version == 2 else "",
            )
            payload = signing_payload(fields.signed())
            settlement_create(
                enterprise=acme,
                fields=fields,
                payload=payload,
                signature=sign_message(acme_key, payload),
                initiated_by="user alice",
                version=version,
            )
        pending = Settlement.objects.get(partner=partner, external_id=DEMO_SETTLEMENTS[1])
        if (
            pending.status == SettlementStatus.PENDING
            and timezone.now() < pending.dispute_deadline
            and not Dispute.objects.filter(settlement=pending).exists()
        ):
            fields = DisputeFields(
                settlement_id=pending.pk,
                connection_id=connection.pk,
                expected_transfers={"tbtc": -2 * 10**6},
                nonce=new_nonce(),
                reason="Our records show a smaller loss for that day.",
            )
            payload = signing_payload(fields.signed())
            dispute_create(
                enterprise=globex,
                fields=fields,
                payload=payload,
                signature=sign_message(globex_key, payload),
                user_label="user gary",
            )

    def _reserved_allocation(self, globex: Organization, partner: Partner, out: Path) -> None:
        """Globex allocates 0.5 tbtc to the asynchronous partner: it stays reserved until Vandelay confirms or
        refuses it (Vandelay's Incoming allocations page). Made once; once decided, it is left as decided."""
        connection = Connection.objects.get(client__enterprise=globex, partner=partner)
        if Allocation.objects.filter(client_external_id=DEMO_RESERVED_ALLOCATION, connection=connection).exists():
            return
        fields = AllocationFields(
            connection_id=connection.pk,
            currency="tbtc",
            quantity=5 * 10**7,
            client_external_id=DEMO_RESERVED_ALLOCATION,
            nonce=new_nonce(),
            notes="Demo collateral, waiting for the partner",
        )
        payload = signing_payload(fields.signed())
        allocation_create(
            enterprise=globex,
            fields=fields,
            payload=payload,
            signature=sign_message(self._private_key(out / "globex-signing-key.json"), payload),
            initiated_by="user gary",
        )

    @staticmethod
    def _private_key(path: Path) -> PrivateKey:
        return PrivateKey.from_hex(json.loads(path.read_text())["private_key"])

    def _connection(
        self, globex: Organization, partner: Partner, key_file: Path, *, name: str, connection_key: dict, nonce: str
    ) -> None:
        """Globex's network client and its connection to the partner, signed with Globex's demo signing key."""
        network.network_client_create(enterprise=globex)
        if Connection.objects.filter(client__enterprise=globex, partner=partner).exists():
            return
        request = {"partner_id": partner.pk, "name": name, "connection_key": connection_key, "nonce": nonce}
        payload = network.connection_signing_payload(enterprise=globex, **request)
        private_key = PrivateKey.from_hex(json.loads(key_file.read_text())["private_key"])
        network.connection_create(
            enterprise=globex, payload=payload, signature=sign_message(private_key, payload), **request
        )
