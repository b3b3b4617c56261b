"""Logs are structured JSON lines that carry the request id, with one access line per request."""

import json
import logging

import pytest
from django.conf import settings
from pythonjsonlogger.json import JsonFormatter

from config.logging import RequestIdFilter

pytestmark = pytest.mark.django_db


def test_access_line_per_request_with_request_id(client, caplog):
    with caplog.at_level(logging.INFO, logger="config.access"):
        client.get("/healthz", HTTP_X_REQUEST_ID="trace-42")
    record = next(r for r in caplog.records if r.name == "config.access")
    assert (record.method, record.path, record.status) == ("GET", "/healthz", 200)
    assert record.request_id == "trace-42"
    assert record.principal == "anonymous"
    assert record.duration_ms >= 0


def test_json_formatter_renders_the_request_id():
    fmt = settings.LOGGING["formatters"]["json"]
    formatter = JsonFormatter(fmt["fmt"], rename_fields=fmt["rename_fields"])
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "hello %s", ("world",), None)
    RequestIdFilter().filter(record)
    line = json.loads(formatter.format(record))
    assert line["message"] == "hello world"
    assert line["level"] == "INFO"
    assert line["request_id"] == "-"
