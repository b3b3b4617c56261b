"""A real Celery worker boots from config/celery.py against Redis, answers on the broker, and logs as the web does:
JSON lines that carry the id of the request that published the task."""

import json
import os
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.http import HttpResponse
from django.test import RequestFactory

from config.celery import app
from config.middleware import RequestIdMiddleware
from config.tasks import ping

ROOT = Path(__file__).resolve().parents[1]


def test_celery_is_eager_without_redis_and_uses_json():
    assert app.conf.task_serializer == "json"
    assert app.conf.accept_content == ["json"]
    assert app.conf.task_acks_late is True
    assert app.conf.task_time_limit > app.conf.task_soft_time_limit > 0
    assert app.conf.task_always_eager is (not settings.REDIS_URL)


class Worker:
    """`celery worker` in a subprocess; its output lines are collected by a thread as they come."""

    def __init__(self, **env):
        self.process = subprocess.Popen(
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
                "--loglevel=INFO",
                "--hostname=pytest@%h",
            ],
            cwd=ROOT,
            env={
                **os.environ,
                "DJANGO_SETTINGS_MODULE": "config.settings.test",
                "REDIS_URL": settings.REDIS_URL,
                **env,
            },
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.put(line)

    def wait_until_ready(self) -> None:
        replies = []
        deadline = time.monotonic() + 60
        while not replies and time.monotonic() < deadline and self.process.poll() is None:
            replies = app.control.ping(timeout=1.0)
        assert self.process.poll() is None, self.output()
        assert any(name.startswith("pytest@") for reply in replies for name in reply)

    def json_line(self, predicate, timeout: float = 30) -> dict:
        """The first JSON log line (as a dict) for which `predicate` is true."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.5)
            except queue.Empty:
                continue
            self.seen.append(line)
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if isinstance(record, dict) and predicate(record):
                return record
        raise AssertionError(f"no such log line; the worker wrote:\n{self.output()}")

    def output(self) -> str:
        while not self.lines.empty():
            self.seen.append(self.lines.get_nowait())
        return "".join(self.seen)[-4000:]

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


@pytest.fixture
def worker():
    worker = Worker(LOG_FORMAT="json", LOG_LEVEL="INFO")
    try:
        worker.wait_until_ready()
        yield worker
    finally:
        worker.stop()


@pytest.mark.redis
def test_worker_starts_and_answers_a_ping(worker):
    assert worker.process.poll() is None


@pytest.mark.redis
def test_the_worker_logs_json_lines_with_the_publishing_requests_id(worker):
    def view(request):
        ping.delay()
        return HttpResponse("published")

    response = RequestIdMiddleware(view)(RequestFactory().get("/", HTTP_X_REQUEST_ID="req-celery-42"))
    assert response["X-Request-ID"] == "req-celery-42"

    task_line = worker.json_line(lambda r: r.get("logger") == "config.tasks")
    assert task_line["message"] == "ping from request req-celery-42"
    assert task_line["request_id"] == "req-celery-42"
    assert task_line["level"] == "INFO"
    # Celery's own line about the task carries it too, and the next task does not inherit it.
    done = worker.json_line(lambda r: "succeeded" in r.get("message", ""))
    assert done["request_id"] == "req-celery-42"
    ping.delay()
    assert worker.json_line(lambda r: r.get("logger") == "config.tasks")["request_id"] == "-"
