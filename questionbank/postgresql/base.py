"""Django's PostgreSQL backend, with a health check that needs no round trip on a quiet connection.

With CONN_HEALTH_CHECKS, Django checks a kept connection with `SELECT 1` before
the first query of every request: a round trip and a statement for the server
on every request, a sixth of the server's work on `POST /api/v1/kits/`.

Between two requests the server has nothing to say on an idle connection. When
it does speak, the socket becomes readable: a server that shut down or
restarted, a backend that was terminated or timed out (`idle_session_timeout`),
and a proxy that dropped the connection all send an error message or close the
socket first. So a connection that is idle, had no error and has nothing to
read is taken as usable, which costs one `poll()`. Anything else (something
to read, a transaction left open, an error since the last commit) gets
Django's `SELECT 1`. A peer that vanished without a word is caught by neither,
as before: the query then fails and the request gets the 503 from
`health.DatabaseUnavailableMiddleware`.
"""

import select

from django.db.backends.postgresql import base
from psycopg.pq import TransactionStatus


class DatabaseWrapper(base.DatabaseWrapper):
    def is_usable(self):
        if self.connection is not None and not self.errors_occurred and quiet(self.connection):
            return True
        return super().is_usable()


def quiet(connection) -> bool:
    """Open, idle outside any transaction, and with nothing from the server waiting to be read."""
    if connection.closed or connection.info.transaction_status != TransactionStatus.IDLE:
        return False
    poller = select.poll()
    try:
        poller.register(connection.fileno(), select.POLLIN | select.POLLPRI)
    except (OSError, ValueError):
        return False
    return not poller.poll(0)
