"""config.settings.production: `check --deploy` is clean, and required secrets have no defaults."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from config.crypto import DEVELOPMENT_KEY, TEST_KEY

ROOT = Path(__file__).resolve().parents[2]


def _manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 - fixed argv, no shell
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _production_env() -> dict[str, str]:
    """What a deployment sets, and nothing the test run itself put in the environment (DJANGO_ALLOW_ASYNC_UNSAFE...)."""
    passed_through = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "DATABASE_URL", "REDIS_URL")
    return {
        **{name: os.environ[name] for name in passed_through if name in os.environ},
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "example.com",
        "ENCRYPTION_KEYS": Fernet.generate_key().decode(),
    }


def test_check_deploy_is_clean():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=_production_env())

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.parametrize("required", ["SECRET_KEY", "ALLOWED_HOSTS", "ENCRYPTION_KEYS"])
def test_refuses_to_start_without_a_required_setting(required):
    env = _production_env()
    del env[required]

    result = _manage("check", env=env)

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert required in result.stderr


@pytest.mark.parametrize(("variable", "value"), [("JWT_SIGNING_KEY", "abc"), ("SECRET_KEY", "short-secret-key")])
def test_check_deploy_refuses_a_weak_jwt_signing_key(variable, value):
    env = {**_production_env(), variable: value}

    result = _manage("check", "--deploy", env=env)

    assert result.returncode != 0
    assert "organizations.E001" in result.stderr
    assert "shorter than 32 bytes" in result.stderr


def test_a_long_jwt_signing_key_passes_check_deploy():
    env = {**_production_env(), "JWT_SIGNING_KEY": secrets.token_urlsafe(32)}

    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=env)

    assert result.returncode == 0, result.stdout + result.stderr


def test_refuses_to_start_with_an_empty_encryption_key_list():
    result = _manage("check", env={**_production_env(), "ENCRYPTION_KEYS": ""})

    assert result.returncode != 0
    assert "ImproperlyConfigured: ENCRYPTION_KEYS is required in production" in result.stderr


@pytest.mark.parametrize(
    ("keys", "expected"),
    [
        ("not-a-fernet-key", "config.E001"),
        (f"{Fernet.generate_key().decode()},{'x' * 44}", "config.E001"),
        (DEVELOPMENT_KEY, "config.E002"),
        (f"{Fernet.generate_key().decode()},{TEST_KEY}", "config.E002"),
    ],
    ids=["malformed", "second-malformed", "development-key", "test-key-listed"],
)
def test_check_deploy_refuses_malformed_or_published_encryption_keys(keys, expected):
    result = _manage("check", "--deploy", env={**_production_env(), "ENCRYPTION_KEYS": keys})

    assert result.returncode != 0
    assert expected in result.stderr
