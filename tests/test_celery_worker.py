"""A real Celery worker boots from config/celery.py against Redis and answers on the broker."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings

from config.celery import app

ROOT = Path(__file__).resolve().parents[1]


def test_celery_is_eager_without_redis_and_uses_json():
    assert app.conf.task_serializer == "json"
    assert app.conf.accept_content == ["json"]
    assert app.conf.task_acks_late is True
    assert app.conf.task_time_limit > app.conf.task_soft_time_limit > 0
    assert app.conf.task_always_eager is (not settings.REDIS_URL)


@pytest.mark.redis
def test_worker_starts_and_answers_a_ping():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test", "REDIS_URL": settings.REDIS_URL}
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool=solo",
            "--without-mingle",
            "--without-gossip",
            "--loglevel=WARNING",
            "--hostname=pytest@%h",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        replies = []
        deadline = time.monotonic() + 60
        while not replies and time.monotonic() < deadline and worker.poll() is None:
            replies = app.control.ping(timeout=1.0)
        assert worker.poll() is None, worker.stdout.read().decode()[-2000:]
        assert any(name.startswith("pytest@") for reply in replies for name in reply)
    finally:
        worker.terminate()
        worker.wait(timeout=30)
