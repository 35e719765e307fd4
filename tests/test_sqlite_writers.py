"""SQLite's writers queue on a file lock and are woken in turn (see sqlite_writers.py)."""

import fcntl
import threading
from types import SimpleNamespace

import pytest
from django.db import connection

from questionbank import sqlite_writers
from questionbank.inserts import insert
from questionbank.models import AuditEvent, Kit
from tests.factories import RoleFactory
from tests.test_inserts import new_kit


def database(path, vendor="sqlite", in_memory=False, in_atomic_block=False):
    return SimpleNamespace(
        vendor=vendor,
        is_in_memory_db=lambda: in_memory,
        settings_dict={"NAME": str(path)},
        in_atomic_block=in_atomic_block,
    )


def held(path) -> bool:
    """Whether a writer is in: tried from an open file of our own, without waiting."""
    with open(path, "a") as lock_file:
        try:
            fcntl.flock(lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(lock_file, fcntl.LOCK_UN)
        return False


def test_a_writer_waits_for_another_process_s_and_goes_in_when_it_leaves(tmp_path):
    bank = database(tmp_path / "bank.sqlite3")
    inside = threading.Event()

    def write():
        with sqlite_writers.queued(bank):
            inside.set()

    writer = threading.Thread(target=write)
    # Another process's writer: an open file of its own.
    with open(tmp_path / "bank.sqlite3-writers", "a") as other_process:
        fcntl.flock(other_process, fcntl.LOCK_EX)
        writer.start()
        assert not inside.wait(0.3)
        fcntl.flock(other_process, fcntl.LOCK_UN)
    assert inside.wait(5)
    writer.join()
    assert not held(tmp_path / "bank.sqlite3-writers")


def test_threads_of_one_process_queue_too(tmp_path):
    bank = database(tmp_path / "bank.sqlite3")
    first_inside, first_may_leave, second_inside = (threading.Event() for _ in range(3))

    def first():
        with sqlite_writers.queued(bank):
            first_inside.set()
            first_may_leave.wait(5)

    def second():
        first_inside.wait(5)
        with sqlite_writers.queued(bank):
            second_inside.set()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    assert first_inside.wait(5)
    assert not second_inside.wait(0.3)
    first_may_leave.set()
    assert second_inside.wait(5)
    for thread in threads:
        thread.join()


def test_a_writer_that_fails_leaves_the_queue(tmp_path):
    bank = database(tmp_path / "bank.sqlite3")
    with pytest.raises(RuntimeError), sqlite_writers.queued(bank):
        assert held(tmp_path / "bank.sqlite3-writers")
        raise RuntimeError
    assert not held(tmp_path / "bank.sqlite3-writers")


@pytest.mark.parametrize(
    "kind",
    [
        {"vendor": "postgresql"},
        {"in_memory": True},
        {"in_atomic_block": True},  # the caller's transaction may hold SQLite's lock already
    ],
    ids=["postgresql", "in memory", "in a caller's transaction"],
)
def test_no_queue_where_it_has_no_use(kind, tmp_path):
    with sqlite_writers.queued(database(tmp_path / "bank", **kind)):
        pass
    assert not (tmp_path / "bank-writers").exists()


@pytest.mark.django_db(transaction=True)
def test_storing_rows_holds_the_queue_for_its_statements_and_lets_go(tmp_path, monkeypatch):
    lock_path = tmp_path / "writers"
    monkeypatch.setattr(sqlite_writers, "queue_path", lambda connection: str(lock_path))
    seen = []

    def spy(execute, sql, params, many, context):
        seen.append((sql.split()[0], held(lock_path)))
        return execute(sql, params, many, context)

    kit = new_kit(RoleFactory())
    with connection.execute_wrapper(spy):
        insert([kit, AuditEvent(action="kit.created", target=f"kit {kit.pk}", via="api")])
    assert seen and all(inside for _, inside in seen), seen
    assert not held(lock_path)
    assert Kit.objects.filter(pk=kit.pk).exists()
