"""Celery app. Redis is the broker when REDIS_URL is set; otherwise tasks run eagerly in-process.

Workers log as the web does: Celery leaves logging to Django's LOGGING (JSON lines with `request_id`). The request
id of whatever published a task travels in the message headers and is the worker's request id while the task runs,
so its log lines (and Celery's own "Task ... succeeded") can be joined with the request that caused them.
"""

import os

from celery import Celery
from celery.signals import before_task_publish, setup_logging, task_postrun, task_prerun

from config.logging import request_id_var

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("partner_network")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

REQUEST_ID_HEADER = "request_id"


@setup_logging.connect
def configure_logging(**kwargs) -> None:
    """Connecting this signal stops Celery from configuring logging itself; use Django's LOGGING instead."""
    from logging.config import dictConfig

    from django.conf import settings

    dictConfig(settings.LOGGING)


@before_task_publish.connect
def add_request_id_header(headers: dict | None = None, **kwargs) -> None:
    if headers is not None:
        headers.setdefault(REQUEST_ID_HEADER, request_id_var.get())


_tokens: dict[str, object] = {}  # task id → contextvar token, reset when the task is done


@task_prerun.connect
def set_request_id(task_id: str, task, **kwargs) -> None:
    # Eagerly run tasks publish nothing: they keep the caller's request id.
    request_id = getattr(task.request, REQUEST_ID_HEADER, None) or request_id_var.get()
    _tokens[task_id] = request_id_var.set(request_id)


@task_postrun.connect
def reset_request_id(task_id: str, **kwargs) -> None:
    token = _tokens.pop(task_id, None)
    if token is not None:
        request_id_var.reset(token)
