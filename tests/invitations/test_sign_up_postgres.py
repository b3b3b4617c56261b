"""One account per email (issue 14, H8: six concurrent sign-ups through one invitation link made six accounts with
one email). The database decides: a unique index on the lower-cased email (organizations 0009), so the sign-ups that
lose the race get the form's "already exists" error whatever their timing."""

import threading

import pytest
from django.contrib.auth import get_user_model
from django.db import IntegrityError, connections, transaction

from config.errors import ValidationFailed
from invitations.services import invitation_sign_up
from tests.factories.organizations import OrganizationFactory, UserFactory
from tests.invitations.conftest import guest_invitation

User = get_user_model()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_sign_ups_through_one_link_make_one_account():
    with transaction.atomic():  # the token is read before the email (sent on commit) erases it
        _invitation, token = guest_invitation(OrganizationFactory(), email="Dana@Example.com")
    barrier = threading.Barrier(6)
    outcomes = []

    def sign_up(n: int) -> None:
        try:
            barrier.wait()
            invitation_sign_up(token=token, username=f"dana{n}", password="a long enough password 1")
            outcomes.append("created")
        except ValidationFailed as exc:
            outcomes.append(exc.errors[0].field)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=sign_up, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["created"] + ["email"] * 5
    assert User.objects.filter(email__iexact="dana@example.com").count() == 1


@pytest.mark.django_db
def test_the_database_refuses_a_second_account_with_the_same_email_in_any_case():
    UserFactory(email="sam@example.com")
    UserFactory(email="")  # accounts without an email are not concerned
    UserFactory(email="")
    with pytest.raises(IntegrityError), transaction.atomic():
        UserFactory(email="SAM@example.com")
