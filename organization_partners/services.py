"""Organization partners: the records an organization keeps of its business partners (DESIGN.md §5; seeds 001-003).

Every write goes through `organization_partner_create` / `_update` / `_delete`, whichever edge calls them (the
organization API, the seed-001 API, the pages, the CSV import, the admin). `organization_partner_clean` holds every rule
of a record and reports every failing field at once (ValidationFailed, snake_case domain names), so an edge maps them to
its own dialect and a CSV import to its columns.

Text fields are "" when absent. Which fields must be present is the edge's business (the organization API requires
the seed-003 fields, the seed-001 API only `name`): here a field is checked when it is given.
"""

import uuid
import zoneinfo
from collections.abc import Mapping
from functools import cache

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django_countries import countries

from config.errors import FieldError, ValidationFailed
from config.validators import validate_display_name
from organization_partners.models import SALES_AMOUNT_MAX, OrganizationPartner, PartnerType
from organizations.models import Organization
from organizations.selectors import organization_is_within

# The fields seed 003's create requires, in the seed's order (the organization API, the pages and the CSV require
# them), and the optional ones of seed 001 every edge takes besides.
SEED_003_FIELDS = (
    "company_name",
    "sales_amount",
    "partner_type",
    "email",
    "frequency",
    "payment_terms",
    "address",
    "city",
    "state",
    "postal_code",
    "country_code",
    "company_registration_number",
)
OPTIONAL_FIELDS = ("code", "timezone", "customer_count", "properties")

# Text fields and their longest allowed value (the model's max_length).
TEXT_FIELDS = {
    "company_name": 100,
    "email": 100,
    "frequency": 30,
    "payment_terms": 50,
    "address": 500,
    "city": 100,
    "state": 100,
    "postal_code": 30,
    "company_registration_number": 255,
    "code": 100,
    "timezone": 64,
}
COUNT_MAX = 2**63 - 1  # customer_count: a BIGINT
PROPERTIES_MAX = 100  # entries in `properties`
PROPERTY_KEY_MAX = 100
PROPERTY_VALUE_MAX = 1_000
EDITABLE_FIELDS = frozenset(
    {
        *TEXT_FIELDS,
        "sales_amount",
        "partner_type",
        "country_code",
        "customer_count",
        "properties",
        "parent_organization",
    }
)


@cache
def timezone_names() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _storable(text: str) -> bool:
    """Text a database can hold: no NUL (PostgreSQL refuses it) and no lone surrogate (it has no UTF-8 form)."""
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def organization_partner_clean(
    *,
    organization: Organization,
    data: dict,
    partner: OrganizationPartner | None = None,
    known_codes: Mapping[str, uuid.UUID] | None = None,
) -> dict:
    """`data` (a subset of EDITABLE_FIELDS) checked and normalised: texts stripped, `country_code` upper-case,
    `partner_type` and `timezone` checked against their lists. Raises ValidationFailed naming every failing field.
    `partner` is the record being changed (for the uniqueness of `code`). `known_codes` (code → partner id): the
    organization's codes already read by the caller (a bulk import checks thousands of rows against one query);
    without it the uniqueness of `code` costs a query."""
    unknown = set(data) - EDITABLE_FIELDS
    if unknown:
        raise ValueError(f"not partner fields: {sorted(unknown)}")
    cleaned, errors = {}, []

    def fail(field: str, msg: str, code: str = "invalid") -> None:
        errors.append(FieldError(field, msg, code))

    for field, limit in TEXT_FIELDS.items():
        if field not in data:
            continue
        value = data[field]
        if not isinstance(value, str):
            fail(field, "Must be a string.", "invalid_type")
            continue
        value = value.strip()
        if len(value) > limit:
            fail(field, f"Must be at most {limit} characters.", "max_length")
        elif not _storable(value):
            fail(field, "Must not contain NUL characters or lone surrogates.", "invalid_character")
        else:
            cleaned[field] = value
    if "company_name" in cleaned:
        if not cleaned["company_name"]:
            fail("company_name", "Must not be blank.", "blank")
        else:
            try:
                validate_display_name(cleaned["company_name"])
            except ValidationError as exc:
                fail("company_name", exc.messages[0], "invalid_character")
    if cleaned.get("email"):
        try:
            validate_email(cleaned["email"])
        except ValidationError:
            fail("email", "Enter a valid email address.", "invalid_email")
    if cleaned.get("timezone") and cleaned["timezone"] not in timezone_names():
        fail("timezone", f"Unknown time zone {cleaned['timezone']!r}: use an IANA name such as Europe/Rome.")

    if "sales_amount" in data:
        value = data["sales_amount"]
        if value is not None and not (_is_int(value) and 0 <= value <= SALES_AMOUNT_MAX):
            fail("sales_amount", f"Must be an integer from 0 to {SALES_AMOUNT_MAX}.", "out_of_range")
        else:
            cleaned["sales_amount"] = value
    if "customer_count" in data:
        value = data["customer_count"]
        if value is not None and not (_is_int(value) and 0 <= value <= COUNT_MAX):
            fail("customer_count", "Must be an integer, 0 or more.", "out_of_range")
        else:
            cleaned["customer_count"] = value
    if "partner_type" in data:
        value = data["partner_type"]
        if value not in ("", *PartnerType.values):
            fail("partner_type", f"Must be one of: {', '.join(PartnerType.values)}.", "invalid_choice")
        else:
            cleaned["partner_type"] = value
    if "country_code" in data:
        value = data["country_code"]
        code = value.strip().upper() if isinstance(value, str) else None
        if code is None or (code and (len(code) != 2 or code not in countries)):
            fail("country_code", "Must be an ISO 3166-1 alpha-2 country code, such as US or IT.", "invalid_choice")
        else:
            cleaned["country_code"] = code
    if "properties" in data:
        _clean_properties(data["properties"], cleaned, errors)
    if "parent_organization" in data:
        parent = data["parent_organization"]
        if parent is not None and not organization_is_within(organization=organization, candidate=parent):
            fail("parent_organization", "Must be this organization or one of its sub-organizations.", "invalid")
        else:
            cleaned["parent_organization"] = None if parent is None or parent.pk == organization.pk else parent

    if cleaned.get("code") and "code" not in {e.field for e in errors}:
        if known_codes is not None:
            holder = known_codes.get(cleaned["code"])
            taken = holder is not None and (partner is None or holder != partner.pk)
        else:
            taken = OrganizationPartner.objects.filter(organization=organization, code=cleaned["code"])
            if partner is not None:
                taken = taken.exclude(pk=partner.pk)
            taken = taken.exists()
        if taken:
            fail("code", f"Another partner of this organization has the code {cleaned['code']!r}.", "unique")
    if errors:
        raise ValidationFailed(errors)
    return cleaned


def _clean_properties(value, cleaned: dict, errors: list[FieldError]) -> None:
    if value is None:
        cleaned["properties"] = {}
        return
    if not isinstance(value, dict):
        errors.append(FieldError("properties", "Must be an object of string values.", "invalid_type"))
        return
    if len(value) > PROPERTIES_MAX:
        errors.append(FieldError("properties", f"At most {PROPERTIES_MAX} properties.", "max_length"))
        return
    before = len(errors)
    for key, item in value.items():
        if not isinstance(key, str) or not 1 <= len(key) <= PROPERTY_KEY_MAX or not _storable(key):
            msg = f"Names are 1 to {PROPERTY_KEY_MAX} characters of text."
            errors.append(FieldError(("properties", key), msg, "invalid"))
        elif not isinstance(item, str):
            errors.append(FieldError(("properties", key), "Property values must be strings.", "invalid_type"))
        elif len(item) > PROPERTY_VALUE_MAX or not _storable(item):
            errors.append(
                FieldError(
                    ("properties", key),
                    f"Values are text of at most {PROPERTY_VALUE_MAX} characters, without NUL characters.",
                    "max_length" if len(item) > PROPERTY_VALUE_MAX else "invalid_character",
                )
            )
    if len(errors) == before:
        cleaned["properties"] = dict(value)


@transaction.atomic
def organization_partner_create(*, organization: Organization, **fields) -> OrganizationPartner:
    """A new partner record of `organization`. `fields`: EDITABLE_FIELDS; `company_name` is required."""
    if "company_name" not in fields:
        raise ValidationFailed.single("company_name", "This field is required.", "required")
    cleaned = organization_partner_clean(organization=organization, data=fields)
    return _saved(OrganizationPartner(organization=organization, **cleaned), force_insert=True)


@transaction.atomic
def organization_partner_update(*, partner: OrganizationPartner, **changes) -> OrganizationPartner:
    """Changes the given fields of the record (EDITABLE_FIELDS); the others stay."""
    cleaned = organization_partner_clean(organization=partner.organization, data=changes, partner=partner)
    for field, value in cleaned.items():
        setattr(partner, field, value)
    return _saved(partner)


def _saved(partner: OrganizationPartner, **save_kwargs) -> OrganizationPartner:
    try:
        with transaction.atomic():
            partner.save(**save_kwargs)
    except IntegrityError:  # a concurrent write took the code between the check and the insert
        if not partner.code:
            raise
        raise ValidationFailed.single(
            "code", f"Another partner of this organization has the code {partner.code!r}.", "unique"
        ) from None
    return partner


@transaction.atomic
def organization_partner_delete(*, partner: OrganizationPartner) -> None:
    partner.delete()
