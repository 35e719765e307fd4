"""Django's PostgreSQL backend, with two round trips less per kit.

**A health check that needs no round trip on a quiet connection.** With
CONN_HEALTH_CHECKS, Django checks a kept connection with `SELECT 1` before
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

**The bank's version token, read again only after a change.** Kit assembly
compares its copy of the bank with the token in `BankVersion` before every
kit (bank_cache.py). A trigger (migration 0014) announces every write to that
table with `NOTIFY questionbank_bank`, delivered when the write commits; each
connection kept between requests LISTENs from the moment it opens
(`BANK_LISTEN`, on by default).
`bank_unchanged(token)` then answers without a query: yes when the token was
read on this very connection, nothing was announced since, the connection is
outside any transaction (a transaction would hold the announcements back until
it ends) and nothing waits to be read on its socket (an announcement not yet
taken in). Otherwise the token is read as before. Behind PgBouncer in
transaction mode a LISTEN stays on whichever server connection ran it: set
`DATABASE_LISTEN=0` there.
"""

import select

from django.conf import settings
from django.db.backends.postgresql import base
from psycopg.pq import TransactionStatus

# Also in migration 0014, which creates the trigger that sends it.
BANK_CHANNEL = "questionbank_bank"


class DatabaseWrapper(base.DatabaseWrapper):
    bank_listener = None

    def init_connection_state(self):
        super().init_connection_state()
        self.bank_listener = None
        # Not for a connection used for one request only (CONN_MAX_AGE=0): the LISTEN would
        # cost a round trip and the token is read anyway. Not with Django's pool either: a
        # pooled connection comes back with its LISTEN and handler.
        kept = self.settings_dict["CONN_MAX_AGE"] != 0
        if settings.BANK_LISTEN and kept and self.connection is not None and not self.pool:
            self.bank_listener = BankListener(self.connection)

    def is_usable(self):
        if self.connection is not None and not self.errors_occurred and quiet(self.connection):
            return True
        return super().is_usable()

    def bank_unchanged(self, token) -> bool:
        """True when `token` is still the bank's token, known without a query (see above)."""
        listener = self.bank_listener
        return (
            listener is not None
            and listener.connection is self.connection
            and listener.unchanged(token)
            and not self.in_atomic_block
            and not self.errors_occurred
            and quiet(self.connection)
        )

    def read_bank_token(self, read):
        """`read()` the token, and remember it for `bank_unchanged` if this connection listens."""
        self.ensure_connection()
        listener = self.bank_listener
        announced = listener.announced if listener is not None else 0
        token = read()
        # Not if the connection was replaced meanwhile (a failed health check).
        if listener is not None and self.bank_listener is listener:
            listener.read(token, announced)
        return token


class BankListener:
    """A connection's LISTEN for changes to the bank, and the token last read on it."""

    def __init__(self, connection):
        self.connection = connection
        self.announced = 0
        self.token = None
        self.announced_at_read = -1
        connection.add_notify_handler(self._notified)
        connection.execute(f"LISTEN {BANK_CHANNEL}")
        if not connection.autocommit:  # a LISTEN starts at commit
            connection.commit()

    def _notified(self, notify) -> None:
        if notify.channel == BANK_CHANNEL:
            self.announced += 1

    def read(self, token, announced: int) -> None:
        # What was announced before the read started: a change announced during the read
        # may not be in it, and gets the token read again next time.
        self.token, self.announced_at_read = token, announced

    def unchanged(self, token) -> bool:
        return token == self.token and self.announced == self.announced_at_read


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
