"""Domain errors of the organizations app (codes are stable: clients match on them)."""

from config.errors import Conflict, DomainError, Forbidden, Unauthenticated, UnprocessableEntity


class InvalidPublicKey(ValueError):
    """A signing key that does not parse (organizations.signing); the services turn it into a field error."""


class InvalidCredentials(Unauthenticated):
    code = "InvalidCredentials"
    default_message = "Invalid client credentials."


class TokenExpired(Unauthenticated):
    code = "TokenExpired"
    default_message = "The access token has expired."


class TokenInvalid(Unauthenticated):
    code = "TokenInvalid"
    default_message = "The access token is not valid."


class NotAMember(Unauthenticated):
    code = "NotAMember"
    default_message = "Caller is not a member of the enterprise."


class LicenseRequired(Forbidden):
    code = "LicenseRequired"
    default_message = "Enterprise does not have the network license."


class LastOwner(UnprocessableEntity):
    code = "LastOwner"
    default_message = "An organization must keep at least one owner."


class AlreadyMember(Conflict):
    code = "AlreadyMember"
    default_message = "That user is already a member of this organization."


class SigningKeyExists(Conflict):
    code = "SigningKeyExists"
    default_message = "This public key is already registered: a key is registered once, for one organization."


class NonceReused(DomainError):
    status = 400
    code = "NonceReused"
    default_message = "This nonce has already been used."


class InvalidSignature(DomainError):
    status = 400
    code = "InvalidSignature"
    default_message = "The signature does not verify against any active signing key of the organization."


class PayloadMismatch(DomainError):
    status = 400
    code = "PayloadMismatch"
    default_message = (
        "The signed payload does not match the request: sign exactly the payload the signing endpoint returns."
    )


class CustodialKeyExists(Conflict):
    code = "CustodialKeyExists"
    default_message = "This organization already has an active custodial signing key."


class CustodialKeyMissing(UnprocessableEntity):
    code = "CustodialKeyMissing"
    default_message = "This organization has no active custodial signing key."
