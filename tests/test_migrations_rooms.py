"""A database made on the old layout (partner records and invitations inside `organizations`) migrates forward to
their own apps with every row kept: the models moved by state only, their tables stayed, and their content types
follow them."""

from datetime import timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

pytestmark = pytest.mark.django_db(transaction=True)

OLD_LAYOUT = [
    ("organizations", "0007_invites_invitation_email_token"),
    ("organization_partners", None),
    ("invitations", None),
]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state([t for t in targets if t[1] is not None]).apps


def test_a_database_on_the_old_layout_migrates_forward_with_every_row_kept():
    from invitations.models import Invitation
    from organization_partners.models import OrganizationPartner

    old = migrate(OLD_LAYOUT)
    organization = old.get_model("organizations", "Organization").objects.create(name="Acme", slug="acme")
    record = old.get_model("organizations", "OrganizationPartner").objects.create(
        organization=organization, company_name="Globex", email="ops@globex.example", invitation_status="invited"
    )
    invitation = old.get_model("organizations", "Invitation").objects.create(
        kind="guest",
        organization=organization,
        email="ops@globex.example",
        partner=record,
        token_hash="0" * 64,
        expired_at=timezone.now() + timedelta(days=7),
    )
    old_type = ContentType.objects.get_or_create(app_label="organizations", model="organizationpartner")[0]

    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes()
    migrate(latest)
    ContentType.objects.clear_cache()  # the relabelled rows replaced ones this process may have cached

    moved = OrganizationPartner.objects.get(pk=record.pk)
    assert (moved.organization_id, moved.company_name, moved.invitation_status) == (
        organization.pk,
        "Globex",
        "invited",
    )
    assert Invitation.objects.get(pk=invitation.pk).partner == moved
    assert ContentType.objects.get(pk=old_type.pk).app_label == "organization_partners"
