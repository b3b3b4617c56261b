"""Diagnostics tasks: check that a worker runs tasks and logs them with the publishing request's id."""

import logging

from celery import shared_task

from config.logging import current_request_id

logger = logging.getLogger(__name__)


@shared_task(name="config.tasks.ping")
def ping() -> str:
    """Logs one line (with the request id of whoever published it) and answers "pong"."""
    logger.info("ping from request %s", current_request_id())
    return "pong"
