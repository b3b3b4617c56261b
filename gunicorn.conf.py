"""Gunicorn configuration for production: `gunicorn -c gunicorn.conf.py config.wsgi`.

Every value can be changed from the environment. Threads (gthread) rather than more processes: a request spends much
of its time waiting on PostgreSQL and Redis, and threads share one process's memory. Django keeps one database
connection per thread (persistent with CONN_MAX_AGE), so one web host holds up to `workers x threads` connections
to PostgreSQL: keep the sum over all hosts (plus Celery workers) well under PostgreSQL's `max_connections`
(100 by default), or put a pooler (PgBouncer) in front.
"""

import os


def _cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0))  # the CPUs this process may use (containers, taskset)
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "gthread")
workers = int(os.environ.get("WEB_CONCURRENCY", _cpu_count()))
threads = int(os.environ.get("GUNICORN_THREADS", 4))
# Seconds an idle client connection is kept open; longer than the proxy's upstream idle timeout is pointless,
# shorter makes the proxy reconnect. Behind nginx, keep its `keepalive_timeout` for upstreams below this.
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", 5))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 30))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", 30))
# Off by default; set to recycle each worker after that many requests (with jitter) if memory creeps up.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", 0))
max_requests_jitter = int(os.environ.get("GUNICORN_MAX_REQUESTS_JITTER", 0))
# The heartbeat file on tmpfs: a disk-backed /tmp can stall workers into timeouts (Docker's overlay filesystem).
if os.path.isdir("/dev/shm"):  # noqa: S108 - gunicorn's documented choice; it holds only the heartbeat
    worker_tmp_dir = "/dev/shm"  # noqa: S108
# Django logs every request itself (one JSON line with the request id), so gunicorn's access log stays off.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
