"""Django's PostgreSQL backend with a health check that costs no round trip.

With CONN_HEALTH_CHECKS (on in production), Django checks a persistent connection before its first query of each
request; its PostgreSQL backend does it with a `SELECT 1`, one round trip to the server on every request. Here the
check asks the operating system instead: an idle connection whose socket has something to read has been spoken to by
the server unprompted, which it does when it goes away (PostgreSQL's FATAL "terminating connection" before closing,
or the closed socket itself; PgBouncer's likewise). Nothing to read, and psycopg holding it as open and not broken,
means the connection is as the last request left it: usable. Anything to read gets Django's own `SELECT 1`, which
tells a dead connection from a stray message.

What it cannot see, neither can a check that finds the server answering a moment before the query: a server that
vanished without closing its side (a network cut) fails the request's first query, and Django replaces the
connection after that request, as it does without health checks.

ENGINE = "config.postgresql" (config.settings.base sets it for a `postgres://` DATABASE_URL).
"""

import select

from django.db.backends.postgresql import base

# Readable, hung up, or in error: each means the idle connection has something to say, or is gone.
_SPOKEN_TO = select.POLLIN | select.POLLPRI | select.POLLHUP | select.POLLERR | getattr(select, "POLLRDHUP", 0)


class DatabaseWrapper(base.DatabaseWrapper):
    def is_usable(self) -> bool:
        connection = self.connection
        if connection is None or connection.closed or connection.broken:
            return False
        poller = select.poll()
        poller.register(connection.fileno(), _SPOKEN_TO)
        if not poller.poll(0):
            return True
        return super().is_usable()  # the server said something while the connection was idle: ask it
