"""Nonces: each organization may use a nonce once; the database's unique constraint decides, even under races."""

import threading

import pytest
from django.db import connection

from config.errors import ValidationFailed
from organizations.errors import NonceReused
from organizations.models import UsedNonce
from organizations.services import nonce_use
from tests.factories.organizations import OrganizationFactory


@pytest.mark.django_db
def test_nonce_once_per_organization():
    a, b = OrganizationFactory(), OrganizationFactory()
    nonce_use(organization=a, nonce="n-1")
    with pytest.raises(NonceReused):
        nonce_use(organization=a, nonce="n-1")
    nonce_use(organization=b, nonce="n-1")  # another organization may use the same value
    assert UsedNonce.objects.filter(nonce="n-1").count() == 2


@pytest.mark.django_db
@pytest.mark.parametrize("nonce", ["", "x" * 256])
def test_empty_or_overlong_nonce_is_refused(nonce):
    with pytest.raises(ValidationFailed):
        nonce_use(organization=OrganizationFactory(), nonce=nonce)
    assert not UsedNonce.objects.exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_use_of_one_nonce_lets_exactly_one_through():
    organization = OrganizationFactory()
    barrier = threading.Barrier(8)
    outcomes: list[str] = []
    lock = threading.Lock()

    def attempt():
        try:
            barrier.wait()
            nonce_use(organization=organization, nonce="race")
            result = "ok"
        except NonceReused:
            result = "reused"
        finally:
            connection.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=attempt) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["ok"] + ["reused"] * 7
    assert UsedNonce.objects.filter(organization=organization, nonce="race").count() == 1
