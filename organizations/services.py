"""Writes of the organizations app. Keyword-only, atomic, raising domain errors from organizations.errors."""

import json
import re
import secrets
import uuid
from datetime import datetime

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.hashers import check_password, make_password
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify

from config.errors import Conflict, FieldError, Forbidden, ValidationFailed
from config.validators import clean_display_name
from organizations import signing
from organizations.errors import (
    AlreadyMember,
    CustodialKeyExists,
    CustodialKeyMissing,
    InvalidCredentials,
    InvalidPublicKey,
    InvalidSignature,
    LastOwner,
    NonceReused,
    PayloadMismatch,
    SigningKeyExists,
)
from organizations.models import (
    ALL_PERMISSIONS,
    API_CLIENT_MAX_RATE_LIMIT_PER_MINUTE,
    CUSTODIAL_KEY_LABEL,
    ApiClient,
    CustodialSigningKey,
    License,
    LicenseProduct,
    Membership,
    Organization,
    OrganizationConnection,
    PermissionCode,
    Role,
    SigningKey,
    TrustOrg,
    UsedNonce,
)
from organizations.selectors import custodial_key_active
from organizations.tokens import IssuedToken, token_issue_for_client, token_issue_for_membership

CLIENT_ID_PREFIX = "pnc_"
# last_used_at is a hint for humans, not an audit log: write it at most once a minute per client.
LAST_USED_RESOLUTION_SECONDS = 60


# --- organizations and members -------------------------------------------------------------------------------


def organization_slug(name: str) -> str:
    """A free slug for an organization named `name`: its letters and digits in lowercase joined by hyphens
    ("Acme Exchange" → "acme-exchange"), "-2", "-3"... when taken. The seed-001 API's tenant name."""
    base = re.sub(r"-{2,}", "-", slugify(name).replace("_", "-")).strip("-")[:55].strip("-") or "organization"
    taken = set(Organization.objects.filter(slug__startswith=base).values_list("slug", flat=True))
    slug, n = base, 1
    while slug in taken:
        n += 1
        slug = f"{base}-{n}"
    return slug


@transaction.atomic
def organization_create(*, name: str, owner=None, parent: Organization | None = None) -> Organization:
    """A new organization (with `owner` as its owner). Its slug comes from the name; two creates racing for the
    same slug: the unique index refuses the second, which takes the next one."""
    name = clean_display_name("name", name)
    for _ in range(5):
        try:
            with transaction.atomic():
                organization = Organization.objects.create(name=name, slug=organization_slug(name), parent=parent)
            break
        except IntegrityError:
            continue
    else:
        raise Conflict("Could not choose a free slug for the organization; try again.")
    if owner is not None:
        Membership.objects.create(user=owner, organization=organization, role=Role.OWNER)
    return organization


@transaction.atomic
def membership_create(*, organization: Organization, user, role: str) -> Membership:
    if role not in Role.values:
        raise ValidationFailed.single("role", f"'{role}' is not a valid role.", "invalid_choice")
    try:
        with transaction.atomic():
            return Membership.objects.create(organization=organization, user=user, role=role)
    except IntegrityError:
        raise AlreadyMember() from None


def require_owner_for_owner_role(*, actor_role: str | None, touches_owner: bool) -> None:
    """Admins manage members, but only an owner may hand out, change or take away the owner role."""
    if touches_owner and actor_role != Role.OWNER:
        raise Forbidden("Only an owner can grant, change or remove the owner role.")


def _lock_owners(organization: Organization) -> int:
    return len(
        Membership.objects.select_for_update()
        .filter(organization=organization, role=Role.OWNER)
        .values_list("id", flat=True)
    )


@transaction.atomic
def membership_change_role(*, membership: Membership, role: str, actor_role: str | None) -> Membership:
    if role not in Role.values:
        raise ValidationFailed.single("role", f"'{role}' is not a valid role.", "invalid_choice")
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    require_owner_for_owner_role(
        actor_role=actor_role, touches_owner=Role.OWNER in (role, membership.role) and role != membership.role
    )
    if membership.role == Role.OWNER and role != Role.OWNER and _lock_owners(membership.organization) <= 1:
        raise LastOwner()
    membership.role = role
    membership.save(update_fields=["role"])
    return membership


@transaction.atomic
def membership_delete(*, membership: Membership, actor_role: str | None) -> None:
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    require_owner_for_owner_role(actor_role=actor_role, touches_owner=membership.role == Role.OWNER)
    if membership.role == Role.OWNER and _lock_owners(membership.organization) <= 1:
        raise LastOwner("An organization must keep at least one owner; make someone else owner first.")
    membership.delete()


@transaction.atomic
def license_grant(
    *,
    organization: Organization,
    product: str = LicenseProduct.NETWORK,
    valid_from: datetime | None = None,
    valid_until: datetime | None = None,
    trust_org: str = TrustOrg.BITGO_TRUST,
    granted_by=None,
) -> License:
    return License.objects.create(
        organization=organization,
        product=product,
        trust_org=trust_org,
        valid_from=valid_from or timezone.now(),
        valid_until=valid_until,
        granted_by=granted_by,
    )


@transaction.atomic
def organization_connection_create(*, host: Organization, guest: Organization) -> OrganizationConnection:
    connection, _ = OrganizationConnection.objects.get_or_create(host=host, guest=guest)
    return connection


# --- API clients ----------------------------------------------------------------------------------------------


def _validate_permissions(permissions: list[str]) -> list[str]:
    unknown = sorted(set(permissions) - ALL_PERMISSIONS)
    if unknown:
        raise ValidationFailed.single(
            "permissions", f"Unknown permission code(s): {', '.join(unknown)}.", "invalid_choice"
        )
    if not permissions:
        raise ValidationFailed.single("permissions", "Choose at least one permission.", "required")
    return sorted(set(permissions))


@transaction.atomic
def api_client_create(
    *,
    organization: Organization,
    name: str,
    permissions: list[str],
    grantor_permissions: frozenset[str],
    rate_limit_per_minute: int | None = None,
    created_by=None,
) -> tuple[ApiClient, str]:
    """Creates an API client and returns it with its secret: the only time the secret exists in clear.

    A caller can only hand out permissions it holds itself (`grantor_permissions`), so a client cannot be used to
    escalate.
    """
    name = clean_display_name("name", name)
    permissions = _validate_permissions(permissions)
    limit = min(settings.API_CLIENT_MAX_RATE_LIMIT_PER_MINUTE, API_CLIENT_MAX_RATE_LIMIT_PER_MINUTE)
    if rate_limit_per_minute is not None and rate_limit_per_minute > limit:
        raise ValidationFailed.single(
            "rate_limit_per_minute",
            f"An API client may make at most {limit} requests per minute on this installation.",
            "max_value",
        )
    beyond = sorted(set(permissions) - grantor_permissions)
    if beyond:
        raise Forbidden(f"You cannot grant permissions you do not hold: {', '.join(beyond)}.")
    secret = secrets.token_urlsafe(32)
    api_client = ApiClient.objects.create(
        organization=organization,
        name=name,
        client_id=CLIENT_ID_PREFIX + secrets.token_hex(12),
        secret_hash=make_password(secret),
        permissions=permissions,
        rate_limit_per_minute=rate_limit_per_minute,
        created_by=created_by,
    )
    return api_client, secret


@transaction.atomic
def api_client_rotate_secret(*, api_client: ApiClient) -> str:
    """A new secret for the client (shown once); the old one stops working for new tokens."""
    secret = secrets.token_urlsafe(32)
    ApiClient.objects.filter(pk=api_client.pk).update(secret_hash=make_password(secret))
    return secret


@transaction.atomic
def api_client_revoke(*, api_client: ApiClient) -> ApiClient:
    """Deactivates the client; every token issued to it stops working on its next use."""
    ApiClient.objects.filter(pk=api_client.pk, active=True).update(active=False, revoked_at=timezone.now())
    api_client.refresh_from_db(fields=["active", "revoked_at"])
    return api_client


def api_client_authenticate(*, client_id: str, client_secret: str) -> ApiClient:
    api_client = (
        ApiClient.objects.select_related("organization").filter(client_id=client_id, active=True).first()
        if client_id
        else None
    )
    if api_client is None:
        # Run the hasher anyway (as Django's ModelBackend does), so timing does not reveal which client ids exist.
        make_password(client_secret or "")
        raise InvalidCredentials()
    if not check_password(client_secret or "", api_client.secret_hash):
        raise InvalidCredentials()
    api_client_touch(api_client=api_client)
    return api_client


def token_for_client_credentials(*, client_id: str, client_secret: str) -> IssuedToken:
    return token_issue_for_client(api_client=api_client_authenticate(client_id=client_id, client_secret=client_secret))


def token_for_user_credentials(
    *, username: str, password: str, organization_id: uuid.UUID | None = None
) -> IssuedToken:
    """A token for a user in one of their organizations (which one must be said when they have several)."""
    user = authenticate(username=username, password=password)
    if user is None:
        raise InvalidCredentials("Invalid username or password.")
    memberships = Membership.objects.filter(user=user).order_by("created_at", "id")
    if organization_id is not None:
        memberships = memberships.filter(organization_id=organization_id)
    found = list(memberships[:2])
    if not found:
        raise ValidationFailed.single("organization_id", "The user is not a member of that organization.", "not_member")
    if len(found) > 1:
        raise ValidationFailed.single(
            "organization_id", "The user belongs to several organizations; say which one.", "required"
        )
    return token_issue_for_membership(membership=found[0])


def api_client_touch(*, api_client: ApiClient) -> None:
    now = timezone.now()
    last = api_client.last_used_at
    if last is None or (now - last).total_seconds() >= LAST_USED_RESOLUTION_SECONDS:
        ApiClient.objects.filter(pk=api_client.pk).update(last_used_at=now)
        api_client.last_used_at = now


# --- signing keys and nonces ----------------------------------------------------------------------------------


@transaction.atomic
def signing_key_create(
    *, organization: Organization, label: str, public_key: str, challenge: str, signature: str, created_by=None
) -> SigningKey:
    """Registers a public key for the organization's signed requests, with proof of possession.

    `signature` must be the key's signature (the signed-request scheme) over `challenge`, a challenge the server
    issued for this organization (`signing.key_challenge_issue`) that has not expired: so nobody registers a key
    they do not hold, nor one meant for another organization. A public key belongs to one organization at most
    (a unique constraint over every key ever registered, deactivated ones included): 409 otherwise.
    """
    errors = []
    try:
        label = clean_display_name("label", label)
    except ValidationFailed as exc:
        errors.extend(exc.errors)
    compressed = None
    try:
        kind, compressed = signing.normalize_public_key(public_key)
    except InvalidPublicKey as exc:
        errors.append(FieldError("public_key", str(exc), "invalid"))
    challenge_problem = signing.key_challenge_problem(challenge, organization.pk)
    if challenge_problem:
        errors.append(FieldError("challenge", challenge_problem, "invalid"))
    elif compressed and not signing.verify_signature(compressed, challenge, signature):
        errors.append(
            FieldError("signature", "The signature is not this public key's signature over the challenge.", "invalid")
        )
    if errors:
        raise ValidationFailed(errors)
    try:
        with transaction.atomic():
            return SigningKey.objects.create(
                organization=organization,
                label=label,
                kind=kind,
                public_key=public_key.strip(),
                compressed_public_key=compressed,
                created_by=created_by,
            )
    except IntegrityError:
        raise SigningKeyExists() from None


@transaction.atomic
def signing_key_deactivate(*, signing_key: SigningKey, actor_role: str | None, by_staff: bool = False) -> SigningKey:
    """Deactivates the key; when it is the custodial key's, the custodial key is disabled too (its private key
    erased), so the server never signs with a key whose signatures are refused. That erases the custodial key, so
    it is owner only like `custodial_key_disable` (or installation staff, `by_staff`); an API client has no role."""
    backs_custodial = (
        CustodialSigningKey.objects.select_for_update().filter(signing_key=signing_key, active=True).exists()
    )
    if backs_custodial and not by_staff:
        _require_owner(actor_role=actor_role, what="disable")
    SigningKey.objects.filter(pk=signing_key.pk, active=True).update(active=False, deactivated_at=timezone.now())
    _custodial_key_erase(signing_key=signing_key)
    signing_key.refresh_from_db(fields=["active", "deactivated_at"])
    return signing_key


class _DuplicateKey(Exception):
    pass


def _object_without_duplicate_keys(pairs: list[tuple[str, object]]) -> dict:
    """A JSON object whose keys are unique: with duplicates, which one counts depends on the parser that reads the
    signed payload (Python keeps the last), so the signer may have meant another request than the one checked."""
    parsed = {}
    for key, value in pairs:
        if key in parsed:
            raise _DuplicateKey(key)
        parsed[key] = value
    return parsed


def signed_request_accept(
    *, organization: Organization, payload: str, signature: str, nonce: str, signed_fields: dict
) -> SigningKey:
    """The one check of every signed create (connections, allocations, settlements, disputes).

    The payload must parse to exactly `signed_fields` (the request's signed fields, nonce included), the signature
    must verify against one of the organization's active signing keys, and the nonce must be new for the
    organization. The nonce is recorded here, inside the caller's transaction: if the create fails afterwards, its
    rollback releases the nonce too. Returns the key that signed.
    """
    signing_key = signed_request_check(
        organization=organization, payload=payload, signature=signature, signed_fields=signed_fields
    )
    nonce_use(organization=organization, nonce=nonce)
    return signing_key


def signed_request_check(
    *, organization: Organization, payload: str, signature: str, signed_fields: dict, keys: list | None = None
) -> SigningKey:
    """`signed_request_accept` without spending the nonce: for a retry that changes nothing (an update repeated
    after it took effect) and must still be the organization's own signed request. `keys`: the organization's
    active signing keys when the caller read them already (`signing.signed_request_verify`)."""
    try:
        parsed = json.loads(payload, object_pairs_hook=_object_without_duplicate_keys)
    except _DuplicateKey as exc:
        raise PayloadMismatch(f"The payload has a duplicate key “{str(exc)[:50]}”: each key appears once.") from None
    except (ValueError, RecursionError):
        raise PayloadMismatch("The payload is not JSON.") from None
    if parsed != signed_fields:
        raise PayloadMismatch()
    signing_key = signing.signed_request_verify(organization, payload, signature, keys)
    if signing_key is None:
        raise InvalidSignature()
    return signing_key


def nonce_check(nonce: str) -> None:
    """A nonce is 1 to 255 characters (ValidationFailed): what `nonce_use` checks before recording it."""
    if not nonce or len(nonce) > UsedNonce._meta.get_field("nonce").max_length:
        raise ValidationFailed.single("nonce", "The nonce must be 1 to 255 characters.", "invalid")


def nonce_use(*, organization: Organization, nonce: str) -> None:
    """Records the nonce; a nonce this organization used before raises NonceReused (the unique constraint decides).

    INSERT ... ON CONFLICT DO NOTHING rather than catching the IntegrityError: no savepoint, and the caller's
    transaction stays usable either way."""
    nonce_check(nonce)
    connection = transaction.get_connection()
    organization_id = UsedNonce._meta.get_field("organization").get_db_prep_value(organization.pk, connection)
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO organizations_usednonce (organization_id, nonce, used_at) VALUES (%s, %s, %s) "
            "ON CONFLICT (organization_id, nonce) DO NOTHING",
            [organization_id, nonce, timezone.now()],
        )
        if cursor.rowcount != 1:
            raise NonceReused()


# --- custodial signing ----------------------------------------------------------------------------------------


def _require_owner(*, actor_role: str | None, what: str) -> None:
    if actor_role != Role.OWNER:
        raise Forbidden(f"Only an owner can {what} the custodial signing key.")


def _require_password(*, user, password: str) -> None:
    """The user re-enters their password to use the server's key: a stolen session alone cannot sign."""
    if not password:
        raise ValidationFailed.single("password", "Enter your password.", "required")
    if not user.check_password(password):
        raise ValidationFailed.single("password", "The password is not correct.", "invalid")


def _custodial_key_erase(*, signing_key: SigningKey) -> None:
    CustodialSigningKey.objects.filter(signing_key=signing_key, active=True).update(
        active=False, private_key=None, disabled_at=timezone.now()
    )


@transaction.atomic
def custodial_key_enable(*, organization: Organization, user, actor_role: str | None, password: str):
    """Generates a secp256k1 key the server keeps for the organization (private key encrypted at rest) and registers
    its public key as one of the organization's signing keys. Owner only, after re-entering the password."""
    _require_owner(actor_role=actor_role, what="enable")
    _require_password(user=user, password=password)
    if custodial_key_active(organization=organization) is not None:
        raise CustodialKeyExists()
    # The custodial key proves possession like any other key: through the same registration, over a fresh challenge.
    private_key = signing.generate_private_key()
    challenge, _expires_at = signing.key_challenge_issue(organization.pk)
    signing_key = signing_key_create(
        organization=organization,
        label=CUSTODIAL_KEY_LABEL,
        public_key=private_key.public_key.format(compressed=True).hex(),
        challenge=challenge,
        signature=signing.sign_message(private_key, challenge),
        created_by=user,
    )
    try:
        with transaction.atomic():
            return CustodialSigningKey.objects.create(
                organization=organization, signing_key=signing_key, private_key=private_key.to_hex(), created_by=user
            )
    except IntegrityError:  # another owner enabled one at the same moment (the partial unique constraint decides)
        raise CustodialKeyExists() from None


@transaction.atomic
def custodial_key_disable(*, organization: Organization, actor_role: str | None) -> SigningKey:
    """Deactivates the custodial key's signing key and erases the private key. Owner only."""
    _require_owner(actor_role=actor_role, what="disable")
    custodial = (
        CustodialSigningKey.objects.select_for_update()
        .filter(organization=organization, active=True)
        .select_related("signing_key")
        .first()
    )
    if custodial is None:
        raise CustodialKeyMissing()
    return signing_key_deactivate(signing_key=custodial.signing_key, actor_role=actor_role)


@transaction.atomic
def custodial_sign(*, organization: Organization, user, password: str, payload: str) -> str:
    """Signs `payload` with the organization's custodial key for `user` (a member with WRITE_NETWORK who re-entered
    the password) and returns the signature in the reference SDK's format. Web pages only: the API never signs."""
    membership = Membership.objects.filter(organization=organization, user=user).first()
    if membership is None or PermissionCode.WRITE_NETWORK not in membership.permissions:
        raise Forbidden(f"Signing with the custodial key needs the “{PermissionCode.WRITE_NETWORK.label}” permission.")
    _require_password(user=user, password=password)
    if not isinstance(payload, str) or not payload:
        raise ValidationFailed.single("payload", "There is no payload to sign.", "required")
    if len(payload.encode("utf-8")) > signing.MAX_PAYLOAD_BYTES:
        raise ValidationFailed.single("payload", "The payload is too large to sign.", "max_length")
    custodial = custodial_key_active(organization=organization)
    if custodial is None:
        raise CustodialKeyMissing()
    return signing.sign_message(signing.private_key_from_hex(custodial.private_key), payload)
