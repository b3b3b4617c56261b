"""The invitation expiry sweep, run by the Celery beat task `invitations.tasks.invitations_expire` (kept apart from
invitations.services, which imports the tasks to enqueue emails: nothing the tasks run imports the services)."""

from django.db import transaction
from django.utils import timezone

from invitations.models import Invitation, InvitationStatus


@transaction.atomic
def invitations_expire() -> int:
    """Marks sent invitations whose `expired_at` has passed as expired (the beat task). Returns how many."""
    now = timezone.now()
    return Invitation.objects.filter(status=InvitationStatus.SENT, expired_at__lte=now).update(
        status=InvitationStatus.EXPIRED, updated_at=now
    )
