"""Access tokens: HS256 JWTs (PyJWT) bound to one organization.

Claims: `sub` ("client:<uuid>" or "user:<id>"), `org` (organization id), `perms` (permission codes at issue time,
informative only: authorization always re-reads the live client or membership), `iat`, `exp`, `iss`, `jti`; user
tokens also carry `sah`, the user's session auth hash, so a password change ends them as it ends sessions.
"""

import uuid
from dataclasses import dataclass

import jwt
from django.conf import settings
from django.utils import timezone

from organizations.errors import TokenExpired, TokenInvalid
from organizations.models import ApiClient, Membership

ALGORITHM = "HS256"


@dataclass(frozen=True)
class IssuedToken:
    access_token: str
    expires_in: int
    token_type: str = "Bearer"  # noqa: S105 - the OAuth2 token type, not a secret


@dataclass(frozen=True)
class TokenClaims:
    kind: str  # "client" | "user"
    subject: str
    organization_id: uuid.UUID
    session_auth_hash: str = ""


def signing_key() -> str:
    """JWT_SIGNING_KEY, or SECRET_KEY when it is not set: the one place the token key is derived."""
    return settings.JWT_SIGNING_KEY or settings.SECRET_KEY


def _issue(*, subject: str, organization_id: uuid.UUID, permissions: list[str], **extra) -> IssuedToken:
    now = timezone.now()
    lifetime = settings.JWT_ACCESS_TOKEN_LIFETIME
    claims = {
        **extra,
        "sub": subject,
        "org": str(organization_id),
        "perms": sorted(permissions),
        "iat": int(now.timestamp()),
        "exp": int((now + lifetime).timestamp()),
        "iss": settings.JWT_ISSUER,
        "jti": uuid.uuid4().hex,
    }
    token = jwt.encode(claims, signing_key(), algorithm=ALGORITHM)
    return IssuedToken(access_token=token, expires_in=int(lifetime.total_seconds()))


def token_issue_for_client(*, api_client: ApiClient) -> IssuedToken:
    return _issue(
        subject=f"client:{api_client.pk}",
        organization_id=api_client.organization_id,
        permissions=list(api_client.permissions),
    )


def token_issue_for_membership(*, membership: Membership) -> IssuedToken:
    return _issue(
        subject=f"user:{membership.user_id}",
        organization_id=membership.organization_id,
        permissions=list(membership.permissions),
        # Like a session, the token dies when the password changes.
        sah=membership.user.get_session_auth_hash(),
    )


# Tokens whose signature and claims were checked, by the token's text: a token is sent with every request of its
# lifetime, and PyJWT's verification (the key's checks, base64, HMAC, JSON) is a fair part of a request's cost. Only
# what never changes for a given text and key is remembered; the expiry (and the issue time) are checked again on
# every use, and authorization still reads the live API client or membership each time, so revoking a client or
# removing a member ends its tokens at once as before. Per process, at most _VERIFIED_MAX tokens (then emptied).
_VERIFIED_MAX = 4096
_verified: dict[str, tuple[str, str, int, int, "TokenClaims"]] = {}


def token_decode(token: str) -> TokenClaims:
    key, issuer = signing_key(), settings.JWT_ISSUER
    known = _verified.get(token)
    if known is not None and known[0] == key and known[1] == issuer:
        _key, _issuer, expires, issued, claims = known
        now = timezone.now().timestamp()
        if expires <= now:  # PyJWT's rules, without leeway
            raise TokenExpired()
        if issued > now:
            raise TokenInvalid()
        return claims
    try:
        decoded = jwt.decode(
            token,
            key,
            algorithms=[ALGORITHM],
            issuer=issuer,
            options={"require": ["sub", "org", "exp", "iat", "iss"]},
        )
    except jwt.ExpiredSignatureError:
        raise TokenExpired() from None
    except jwt.InvalidTokenError:
        raise TokenInvalid() from None
    kind, _, subject = str(decoded["sub"]).partition(":")
    try:
        organization_id = uuid.UUID(str(decoded["org"]))
    except ValueError:
        raise TokenInvalid() from None
    if kind not in ("client", "user") or not subject:
        raise TokenInvalid()
    claims = TokenClaims(
        kind=kind, subject=subject, organization_id=organization_id, session_auth_hash=str(decoded.get("sah", ""))
    )
    if len(_verified) >= _VERIFIED_MAX:
        _verified.clear()
    _verified[token] = (key, issuer, int(decoded["exp"]), int(decoded["iat"]), claims)
    return claims
