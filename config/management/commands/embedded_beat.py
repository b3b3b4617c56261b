"""The periodic tasks of CELERY_BEAT_SCHEDULE for the embedded default (`make run` without REDIS_URL), where there is
no broker for `celery beat` to send to: each task runs in this process (eagerly) when its interval has passed.

With REDIS_URL, `celery -A config worker --beat` does this job and this command refuses to run (two beats would
repeat the work for nothing; the tasks are safe to run twice, but there is no reason to).
"""

import logging
import time

from celery import current_app
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Run the periodic tasks in this process, for the embedded default (no Redis)."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Run every periodic task once, then stop.")

    def handle(self, *args, once: bool = False, **options):
        if not settings.CELERY_TASK_ALWAYS_EAGER:
            raise CommandError("REDIS_URL is set: run `celery -A config worker --beat` instead.")
        current_app.loader.import_default_modules()  # the apps' tasks (autodiscovery)
        schedule = {
            name: (entry["task"], float(entry["schedule"])) for name, entry in settings.CELERY_BEAT_SCHEDULE.items()
        }
        due = dict.fromkeys(schedule, 0.0)
        while True:
            now = time.monotonic()
            for name, (task, interval) in schedule.items():
                if now >= due[name]:
                    due[name] = now + interval
                    self._run(name, task)
            if once:
                return
            time.sleep(max(0.5, min(due.values()) - time.monotonic()))
            close_old_connections()  # a long-lived process: drop a connection the database closed meanwhile

    @staticmethod
    def _run(name: str, task: str) -> None:
        try:
            current_app.tasks[task].apply(throw=True)
        except Exception:  # one failing periodic task must not stop the others
            logger.exception("Periodic task %s (%s) failed.", name, task)
