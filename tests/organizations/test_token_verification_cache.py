"""organizations.tokens remembers tokens it verified (issue 16): what it may skip the second time, and what not."""

from datetime import timedelta

import jwt
import pytest
import time_machine
from django.utils import timezone

from organizations import tokens
from organizations.errors import TokenExpired, TokenInvalid
from organizations.tokens import token_decode, token_issue_for_client
from tests.factories.organizations import ApiClientFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def token():
    tokens._verified.clear()
    return token_issue_for_client(api_client=ApiClientFactory()).access_token


def test_a_token_is_verified_by_pyjwt_once(token, monkeypatch):
    first = token_decode(token)
    monkeypatch.setattr(jwt, "decode", lambda *a, **k: pytest.fail("verified again"))

    assert token_decode(token) == first


def test_a_remembered_token_still_expires(token, settings):
    token_decode(token)

    later = timezone.now() + settings.JWT_ACCESS_TOKEN_LIFETIME + timedelta(seconds=1)
    with time_machine.travel(later), pytest.raises(TokenExpired):
        token_decode(token)


def test_a_remembered_token_is_not_valid_before_it_was_issued(token):
    token_decode(token)

    with time_machine.travel(timezone.now() - timedelta(minutes=5)), pytest.raises(TokenInvalid):
        token_decode(token)


def test_a_remembered_token_dies_with_its_signing_key_or_issuer(token, settings):
    token_decode(token)
    settings.JWT_SIGNING_KEY = "another key, long enough to be a real HMAC key for HS256 tokens"
    with pytest.raises(TokenInvalid):
        token_decode(token)

    settings.JWT_SIGNING_KEY = ""
    settings.JWT_ISSUER = "someone-else"
    with pytest.raises(TokenInvalid):
        token_decode(token)


def test_another_text_is_verified_on_its_own(token):
    token_decode(token)
    header, payload, signature = token.split(".")

    with pytest.raises(TokenInvalid):
        token_decode(f"{header}.{payload}.{signature[:-2]}AA")


def test_the_memory_is_bounded(token, monkeypatch):
    monkeypatch.setattr(tokens, "_VERIFIED_MAX", 3)
    issued = [token_issue_for_client(api_client=ApiClientFactory()).access_token for _ in range(5)]

    for each in issued:
        token_decode(each)

    assert len(tokens._verified) <= 3
    assert issued[-1] in tokens._verified
