"""The organization's own business partner records (DESIGN.md §5; seeds 001-003).

The table kept its name from when the model lived in `organizations` (moved by state only, migration 0001).
"""

import uuid

from django.db import models
from django.db.models import Q
from django.utils.timezone import now
from django_countries.fields import CountryField

from organizations.models import Organization

SALES_AMOUNT_MAX = 2_147_483_647


class PartnerType(models.TextChoices):
    CUSTOMER = "customer", "Customer"
    SUPPLIER = "supplier", "Supplier"


class PartnerInvitationStatus(models.TextChoices):
    INVITED = "invited", "Invited"
    ACCEPTED = "accepted", "Accepted"


class OrganizationPartner(models.Model):
    """A business partner an organization keeps a record of (seeds 002/003, with the fields of seed 001).

    One table for both dialects: the fields one dialect requires and the other lacks (seed 001 has no email, sales
    amount, address...) are blank/null here and required at that dialect's edge. Text fields are "" when absent.
    `country_code` is ISO 3166-1 alpha-2 (django-countries validates against the real list), `timezone` an IANA
    name, `properties` a string → string map; `code` is unique within the organization when given (not "").
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="partners")
    # Seed 001's `organization {id}`: the organization the partner sits under, the owner or one of its
    # sub-organizations; null means the owner itself.
    parent_organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    company_name = models.CharField(max_length=100)
    sales_amount = models.BigIntegerField(null=True, blank=True)
    partner_type = models.CharField(max_length=16, choices=PartnerType.choices, blank=True, default="")
    email = models.EmailField(max_length=100, blank=True, default="")
    frequency = models.CharField(max_length=30, blank=True, default="")
    payment_terms = models.CharField(max_length=50, blank=True, default="")
    address = models.CharField(max_length=500, blank=True, default="")
    city = models.CharField(max_length=100, blank=True, default="")
    state = models.CharField(max_length=100, blank=True, default="")
    postal_code = models.CharField(max_length=30, blank=True, default="")
    country_code = CountryField(blank=True, default="")
    company_registration_number = models.CharField(max_length=255, blank=True, default="")
    code = models.CharField(max_length=100, blank=True, default="")
    timezone = models.CharField(max_length=64, blank=True, default="")
    customer_count = models.BigIntegerField(null=True, blank=True)
    properties = models.JSONField(default=dict, blank=True)
    invitation_status = models.CharField(  # "" (the API's null): never invited
        max_length=16, choices=PartnerInvitationStatus.choices, blank=True, default=""
    )
    guest_organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=now, editable=False)  # `timezone` is a field here
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "code"], condition=~Q(code=""), name="organization_partner_code_unique"
            ),
            models.CheckConstraint(condition=~Q(company_name=""), name="organization_partner_name_not_blank"),
            models.CheckConstraint(
                condition=Q(sales_amount__isnull=True) | Q(sales_amount__gte=0, sales_amount__lte=SALES_AMOUNT_MAX),
                name="organization_partner_sales_amount_range",
            ),
            models.CheckConstraint(
                condition=Q(partner_type__in=["", *PartnerType.values]), name="organization_partner_type_valid"
            ),
            models.CheckConstraint(
                condition=Q(customer_count__isnull=True) | Q(customer_count__gte=0),
                name="organization_partner_customer_count_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(invitation_status__in=["", *PartnerInvitationStatus.values]),
                name="organization_partner_invitation_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(guest_organization__isnull=True) | Q(invitation_status=PartnerInvitationStatus.ACCEPTED),
                name="organization_partner_guest_only_when_accepted",
            ),
        ]
        db_table = "organizations_organizationpartner"
        indexes = [
            # The list's orderings (ties by id) and the scope; search is a scan of one organization's rows.
            models.Index(fields=["organization", "created_at", "id"], name="org_partner_created"),
            models.Index(fields=["organization", "company_name", "id"], name="org_partner_company_name"),
            models.Index(fields=["organization", "sales_amount", "id"], name="org_partner_sales_amount"),
            models.Index(fields=["organization", "partner_type", "id"], name="org_partner_partner_type"),
            models.Index(fields=["organization", "email", "id"], name="org_partner_email"),
            models.Index(fields=["organization", "frequency", "id"], name="org_partner_frequency"),
            models.Index(fields=["organization", "payment_terms", "id"], name="org_partner_payment_terms"),
        ]

    def __str__(self) -> str:
        return self.company_name
