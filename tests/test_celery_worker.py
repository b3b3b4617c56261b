"""A real Celery worker boots from config/celery.py against Redis, answers on the broker, and logs as the web does:
JSON lines that carry the id of the request that published the task."""

import pytest
from django.conf import settings
from django.http import HttpResponse
from django.test import RequestFactory

from config.celery import app
from config.middleware import RequestIdMiddleware
from config.tasks import ping
from tests.workers import Worker


def test_celery_is_eager_without_redis_and_uses_json():
    assert app.conf.task_serializer == "json"
    assert app.conf.accept_content == ["json"]
    assert app.conf.task_acks_late is True
    assert app.conf.task_time_limit > app.conf.task_soft_time_limit > 0
    assert app.conf.task_always_eager is (not settings.REDIS_URL)


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
