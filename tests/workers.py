"""A real Celery worker in a subprocess, for tests that need one (on the Redis of REDIS_URL)."""

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from django.conf import settings

from config.celery import app

ROOT = Path(__file__).resolve().parents[1]


class Worker:
    """`celery worker` in a subprocess; its output lines are collected by a thread as they come."""

    def __init__(self, name: str = "pytest", **env):
        self.name = name
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and fixed arguments
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
                f"--hostname={name}@%h",
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
        while not self._answered(replies) and time.monotonic() < deadline and self.process.poll() is None:
            replies = app.control.ping(timeout=1.0)
        assert self.process.poll() is None, self.output()
        assert any(node.startswith(f"{self.name}@") for reply in replies for node in reply)

    def _answered(self, replies: list) -> bool:
        return any(node.startswith(f"{self.name}@") for reply in replies for node in reply)

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

    def text(self) -> str:
        """Everything the worker wrote so far."""
        while not self.lines.empty():
            self.seen.append(self.lines.get_nowait())
        return "".join(self.seen)

    def output(self) -> str:
        while not self.lines.empty():
            self.seen.append(self.lines.get_nowait())
        return "".join(self.seen)[-4000:]

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)

    def kill(self) -> None:
        """SIGKILL: the worker gets no chance to acknowledge or hand back what it holds."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)


class Beat:
    """`celery beat` in a subprocess (its schedule file in `schedule`), sending the periodic tasks to the broker."""

    def __init__(self, schedule: Path, **env):
        self.log = open(schedule.with_suffix(".log"), "w")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and fixed arguments
            [sys.executable, "-m", "celery", "-A", "config", "beat", f"--schedule={schedule}", "--loglevel=INFO"],
            cwd=ROOT,
            env={
                **os.environ,
                "DJANGO_SETTINGS_MODULE": "config.settings.test",
                "REDIS_URL": settings.REDIS_URL,
                **env,
            },
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)
        self.log.close()
