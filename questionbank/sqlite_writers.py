"""SQLite's writers woken in turn: the kits' writes queue on a file lock, not in SQLite's sleeps.

SQLite lets one writer in at a time. A connection that finds the database
locked sleeps before trying again (1 ms, then 2, 5, 10 ms and more), whether
or not the lock is freed meanwhile, while storing a kit holds it for about
0.3 ms. Under `POST /api/v1/kits/` from two server processes, the machine
sat idle for 8 % of the time, and every tenth of a millisecond saved
elsewhere in a request only made the two processes collide more often.
A writer that takes an exclusive `flock` on `<database>-writers` first
waits in the kernel instead, and is woken the moment the other lets go.

Only writes that own their transaction queue (`queued()` does nothing in a
caller's `atomic` block, which may hold SQLite's lock already); any other
writer still meets SQLite's own wait, so the queue is an order, never a
condition for writing. Threads of one process queue on a lock of their own
first: a `flock` does not exclude two holders of the same open file. An
in-memory database, or any other database, has no queue.
"""

import contextlib
import fcntl
import os
import threading

_files: dict[tuple[int, str], object] = {}
_thread_locks: dict[str, threading.Lock] = {}
_guard = threading.Lock()


def queue_path(connection) -> str | None:
    """The lock file of the connection's SQLite database, or None if writers do not queue."""
    if connection.vendor != "sqlite" or connection.is_in_memory_db():
        return None
    return f"{connection.settings_dict['NAME']}-writers"


@contextlib.contextmanager
def queued(connection):
    """Wait for this database's other queued writers, then run the block as the only one."""
    path = queue_path(connection) if not connection.in_atomic_block else None
    if path is None:
        yield
        return
    thread_lock, lock_file = _locks(path)
    with thread_lock:
        fcntl.flock(lock_file, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock_file, fcntl.LOCK_UN)


def _locks(path: str):
    # Opened in each process (a file opened before a fork would be one lock for all children).
    key = (os.getpid(), path)
    with _guard:
        lock_file = _files.get(key)
        if lock_file is None:
            lock_file = _files[key] = open(path, "a")  # noqa: SIM115 (kept open: the queue)
        thread_lock = _thread_locks.setdefault(path, threading.Lock())
    return thread_lock, lock_file
