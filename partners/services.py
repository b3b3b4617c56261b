"""Writes of the network: network clients, partner registration, connections. Keyword-only, atomic, domain errors."""

import uuid

from django.db import IntegrityError, transaction

from config.errors import ValidationFailed
from config.validators import clean_display_name
from organizations.errors import LicenseRequired, NonceReused
from organizations.models import Organization
from organizations.selectors import license_current
from organizations.services import signed_request_accept
from organizations.signing import signing_payload
from partners.errors import (
    AlreadyPartner,
    ConnectionKeySchemaMismatch,
    NetworkClientMissing,
    PartnerConfigMissing,
    PartnerInactive,
    PartnerNotFound,
    TrustOrgMismatch,
)
from partners.models import CONNECTION_KEY_FIELDS, Connection, NetworkClient, Partner, PartnerConfig
from partners.payloads import connection_signed_fields
from partners.selectors import network_client_find

# --- network clients -------------------------------------------------------------------------------------------


@transaction.atomic
def network_client_create(*, enterprise: Organization) -> NetworkClient:
    """The enterprise's network client, created on the first call with the trust org of its network license.

    Idempotent: later calls (and concurrent ones: the enterprise is unique) return the same client.
    """
    existing = network_client_find(enterprise=enterprise)
    if existing is not None:
        return existing
    license_ = license_current(organization=enterprise)
    if license_ is None:
        raise LicenseRequired()
    try:
        with transaction.atomic():
            return NetworkClient.objects.create(enterprise=enterprise, trust_org=license_.trust_org)
    except IntegrityError:  # created meanwhile by a concurrent request
        return NetworkClient.objects.get(enterprise=enterprise)


# --- partners ---------------------------------------------------------------------------------------------------


@transaction.atomic
def partner_create(
    *,
    enterprise: Organization,
    name: str,
    broker: bool,
    institution_identifier: str,
    connection_key_schema: str,
    institution_id: uuid.UUID | None = None,
    client_dispute_window_minutes: int | None = None,
    top_up_window_minutes: int | None = None,
    allocation_policies_enabled: bool = False,
) -> Partner:
    """Registers the enterprise as a network partner (seed 000), with the trust org, settlement route and public key
    of the config staff set up for it. The enterprise gets its network client too (the partner's `clientId`)."""
    name = clean_display_name("name", name)
    institution_identifier = clean_display_name("institution_identifier", institution_identifier)
    config = PartnerConfig.objects.select_for_update().filter(enterprise=enterprise).first()
    if config is None:
        raise PartnerConfigMissing()
    if Partner.objects.filter(enterprise=enterprise).exists():
        raise AlreadyPartner()
    client = network_client_create(enterprise=enterprise)
    try:
        with transaction.atomic():
            return Partner.objects.create(
                enterprise=enterprise,
                config=config,
                client=client,
                name=name,
                broker=broker,
                institution_id=institution_id,
                institution_identifier=institution_identifier,
                connection_key_schema=connection_key_schema,
                client_dispute_window_minutes=client_dispute_window_minutes,
                top_up_window_minutes=top_up_window_minutes,
                allocation_policies_enabled=allocation_policies_enabled,
            )
    except IntegrityError:
        raise AlreadyPartner() from None


# --- connections ------------------------------------------------------------------------------------------------


def connection_signing_payload(
    *, enterprise: Organization, partner_id: uuid.UUID, name: str, connection_key: dict, nonce: str
) -> str:
    """The exact string to sign for a connection request, after the same checks the create makes (so a request
    that cannot succeed is refused before anyone signs it)."""
    _connection_parties(enterprise=enterprise, partner_id=partner_id, connection_key=connection_key)
    return signing_payload(
        connection_signed_fields(partner_id=partner_id, name=name, connection_key=connection_key, nonce=nonce)
    )


@transaction.atomic
def connection_create(
    *,
    enterprise: Organization,
    partner_id: uuid.UUID,
    name: str,
    connection_key: dict,
    nonce: str,
    payload: str,
    signature: str,
) -> Connection:
    """Connects the enterprise's network client to a partner, through a signed request.

    Unknown partner: 404; inactive partner, another trust org or a key of another schema: 422; a payload that does
    not match the request, a signature no active key of the enterprise made, or a used nonce (the enterprise's, or
    one the partner already saw in a connection request, whoever sent it): 400. Whatever fails
    leaves no connection and no used nonce.
    """
    name = clean_display_name("name", name)
    client, partner = _connection_parties(enterprise=enterprise, partner_id=partner_id, connection_key=connection_key)
    signing_key = signed_request_accept(
        organization=enterprise,
        payload=payload,
        signature=signature,
        nonce=nonce,
        signed_fields=connection_signed_fields(
            partner_id=partner_id, name=name, connection_key=connection_key, nonce=nonce
        ),
    )
    try:
        with transaction.atomic():
            return Connection.objects.create(
                client=client,
                partner=partner,
                name=name,
                connection_key_schema=connection_key["schema"],
                connection_key=connection_key,
                nonce=nonce,
                payload=payload,
                signature=signature,
                signing_key=signing_key,
            )
    except IntegrityError:  # the partner saw this request's nonce before, from another client (a replay)
        raise NonceReused() from None


@transaction.atomic
def connection_update(*, connection: Connection, name: str | None = None, active: bool | None = None) -> Connection:
    """Renames, deactivates (no new allocations; deallocations still work) or reactivates a connection."""
    connection = Connection.objects.select_for_update().get(pk=connection.pk)
    if name is not None:
        connection.name = clean_display_name("name", name)
    if active is not None:
        connection.active = active
    connection.save(update_fields=["name", "active", "updated_at"])
    return connection


def _connection_parties(
    *, enterprise: Organization, partner_id: uuid.UUID, connection_key: dict
) -> tuple[NetworkClient, Partner]:
    client = network_client_find(enterprise=enterprise)
    if client is None:
        raise NetworkClientMissing()
    partner = Partner.objects.select_related("config").filter(pk=partner_id).first()
    if partner is None:
        raise PartnerNotFound()
    if not partner.active:
        raise PartnerInactive()
    if partner.config.trust_org != client.trust_org:
        raise TrustOrgMismatch(
            f"The partner is held by {partner.config.trust_org}, this client by {client.trust_org}: "
            "connections stay within one trust organization."
        )
    schema = connection_key.get("schema")
    if schema != partner.connection_key_schema:
        raise ConnectionKeySchemaMismatch(
            f"The partner takes connection keys of the '{partner.connection_key_schema}' schema, not '{schema}'."
        )
    missing = [f for f in CONNECTION_KEY_FIELDS[schema] if not connection_key.get(f)]
    if missing:
        raise ValidationFailed.single(("connection_key", missing[0]), "This field is required.", "required")
    return client, partner


@transaction.atomic
def partner_flags_set(*, partner: Partner, active: bool | None = None, stable: bool | None = None) -> Partner:
    """Staff switch a partner off (no new connections or allocations) or on, and mark it stable."""
    partner = Partner.objects.select_for_update().get(pk=partner.pk)
    if active is not None:
        partner.active = active
    if stable is not None:
        partner.stable = stable
    partner.save(update_fields=["active", "stable", "updated_at"])
    return partner
