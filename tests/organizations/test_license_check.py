"""organization_has_license (one prepared EXISTS, asked by every licensed API request) answers as license_current."""

import datetime

import pytest
from django.utils import timezone

from organizations.models import LicenseProduct
from organizations.selectors import license_current, organization_has_license
from tests.factories.organizations import LicenseFactory, OrganizationFactory

pytestmark = pytest.mark.django_db
DAY = datetime.timedelta(days=1)


def agree(organization, product=LicenseProduct.NETWORK, at=None) -> bool:
    found = organization_has_license(organization=organization, product=product, at=at)
    assert found == (license_current(organization=organization, product=product, at=at) is not None)
    return found


def test_it_follows_the_validity_window_and_the_product():
    now = timezone.now()
    none = OrganizationFactory()
    open_ended = LicenseFactory(valid_from=now - DAY).organization
    expired = LicenseFactory(valid_from=now - 2 * DAY, valid_until=now - DAY).organization
    future = LicenseFactory(valid_from=now + DAY).organization
    ending = LicenseFactory(valid_from=now - DAY, valid_until=now + DAY).organization

    assert agree(none) is False
    assert agree(open_ended) is True
    assert agree(expired) is False
    assert agree(future) is False
    assert agree(future, at=now + 2 * DAY) is True
    assert agree(ending) is True
    assert agree(ending, at=now + DAY) is False  # valid in [valid_from, valid_until)
    assert agree(ending, at=now - DAY) is True
    assert agree(open_ended, product="another product") is False
