"""The domain error hierarchy. Services raise these; each API dialect maps them to a status and a body.

Every error has a stable `code` (used as the network dialect's `name` and the organization dialect's `type`/`code`)
and one HTTP status. Validation errors are the one class whose status depends on the dialect (400 network, 422
organization API), so they carry field-level items instead of a status.
"""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class FieldError:
    """One problem with one input: which field, what is wrong, and a machine code.

    `field` names the input in domain terms: a snake_case name ("company_name") or a path of names and list indexes
    (("amount", "quantity"), ("permissions", 0)); empty means the input as a whole. `source` says where the input
    came from (body, query, header or path). Each dialect maps this to its own wire location and case (DESIGN.md
    §2): `["body", "company_name"]` in the organization API, `"companyName"` in the network API's `details`.
    `wire_names` marks errors raised at the edge (serializers, headers, query parameters) whose names are already
    the dialect's own and must not be mapped again.
    """

    field: str | tuple[str | int, ...]
    msg: str
    code: str = "invalid"
    source: str = "body"
    wire_names: bool = False

    @property
    def path(self) -> tuple[str | int, ...]:
        if isinstance(self.field, str):
            return (self.field,) if self.field else ()
        return tuple(self.field)


class DomainError(Exception):
    status: int = 400
    code: str = ""  # stable name, e.g. "PartnerConfigMissing"; empty = the dialect's generic name for the status
    default_message: str = "The request could not be processed."

    def __init__(self, message: str | None = None) -> None:
        self.message = message or self.default_message
        super().__init__(self.message)


class ValidationFailed(DomainError):
    """Input did not validate. `errors` says which field and why."""

    status = 422  # the organization dialect's status; the network dialect answers 400
    default_message = "The request is invalid."

    def __init__(self, errors: list[FieldError] | None = None, message: str | None = None) -> None:
        self.errors = list(errors or [])
        super().__init__(message or (self.errors[0].msg if len(self.errors) == 1 else None))

    @classmethod
    def single(
        cls, field: str | tuple[str | int, ...], msg: str, code: str = "invalid", **kwargs
    ) -> "ValidationFailed":
        return cls([FieldError(field, msg, code, **kwargs)])


class Unauthenticated(DomainError):
    status = 401
    default_message = "Authentication credentials were not provided or are not valid."


class Forbidden(DomainError):
    status = 403
    default_message = "You do not have permission to perform this action."


class ObjectNotFound(DomainError):
    status = 404
    default_message = "Not found."


class Conflict(DomainError):
    status = 409
    default_message = "The request conflicts with the current state."


class UnprocessableEntity(DomainError):
    """A well-formed request that a business rule refuses (e.g. a missing partner config)."""

    status = 422
    default_message = "The request cannot be processed."


@dataclass
class ApiError:
    """An error normalised for rendering: what every dialect needs to build its body."""

    status: int
    message: str
    code: str = ""  # a specific name (a domain error's code); empty means "the generic one for the status"
    errors: list[FieldError] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)
