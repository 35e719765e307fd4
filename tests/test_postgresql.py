"""What only PostgreSQL does, against the real server the suite runs on: the backend's health
check (no round trip on a quiet connection, the real check otherwise: questionbank/postgresql/
base.py), and kit snapshots compressed with lz4 (migration 0012)."""

import time
from unittest import mock

import psycopg
import pytest
from django.db import connection
from django.db.backends.postgresql import base as django_base

from questionbank.kits import assemble_kit, store_kit
from questionbank.postgresql.base import quiet
from tests.factories import CompetencyFactory, QuestionFactory, RoleCompetencyFactory, RoleFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only"),
]


def backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def from_another_connection(sql: str, params=()) -> None:
    settings = connection.settings_dict
    with psycopg.connect(
        host=settings["HOST"],
        port=settings["PORT"],
        user=settings["USER"],
        password=settings["PASSWORD"],
        dbname=settings["NAME"],
        autocommit=True,
    ) as other:
        other.execute(sql, params)


def wait_until_readable() -> None:
    """The server's message (or the closed socket) arrives a moment after it is sent."""
    for _ in range(200):
        if not quiet(connection.connection):
            return
        time.sleep(0.01)
    raise AssertionError("nothing arrived on the connection")


def new_request() -> None:
    """What Django does at the start of every request: the health check is due again."""
    connection.close_if_unusable_or_obsolete()
    assert connection.health_check_done is False


def test_the_suite_runs_on_the_backend_with_the_quiet_health_check():
    assert connection.settings_dict["ENGINE"] == "questionbank.postgresql"
    assert connection.settings_dict["CONN_HEALTH_CHECKS"] is True


def test_a_quiet_connection_is_checked_without_a_query():
    pid = backend_pid()
    new_request()
    with mock.patch.object(django_base.DatabaseWrapper, "is_usable") as select_one:
        assert backend_pid() == pid
    select_one.assert_not_called()
    assert connection.health_check_done is True


def test_a_connection_the_server_ended_is_replaced_before_the_request_uses_it():
    pid = backend_pid()
    from_another_connection("SELECT pg_terminate_backend(%s)", [pid])
    wait_until_readable()
    new_request()
    select_one_for_real = django_base.DatabaseWrapper.is_usable
    with mock.patch.object(
        django_base.DatabaseWrapper, "is_usable", autospec=True, side_effect=select_one_for_real
    ) as select_one:
        new_pid = backend_pid()  # no error: a new connection
    select_one.assert_called_once()
    assert new_pid != pid


def test_the_real_check_runs_when_the_server_has_something_to_say():
    with connection.cursor() as cursor:
        cursor.execute("LISTEN questionbank_test")
    from_another_connection("NOTIFY questionbank_test")
    wait_until_readable()
    new_request()
    with mock.patch.object(
        django_base.DatabaseWrapper, "is_usable", autospec=True, return_value=True
    ) as select_one:
        backend_pid()
    select_one.assert_called_once()


def test_the_real_check_runs_after_an_error():
    backend_pid()
    connection.errors_occurred = True
    with mock.patch.object(
        django_base.DatabaseWrapper, "is_usable", autospec=True, return_value=True
    ) as select_one:
        assert connection.is_usable() is True
    select_one.assert_called_once()


def test_a_connection_inside_a_transaction_gets_the_real_check():
    backend_pid()
    connection.set_autocommit(False)
    try:
        backend_pid()  # the transaction is open on the server
        with mock.patch.object(
            django_base.DatabaseWrapper, "is_usable", autospec=True, return_value=True
        ) as select_one:
            assert connection.is_usable() is True
        select_one.assert_called_once()
    finally:
        connection.rollback()
        connection.set_autocommit(True)


def test_a_closed_connection_is_not_usable():
    backend_pid()
    raw = connection.connection
    raw.close()
    assert connection.is_usable() is False
    connection.close()


def test_a_kit_snapshot_is_stored_compressed_with_lz4():
    role = RoleFactory(slug="agent")
    for weight in range(1, 6):
        competency = CompetencyFactory()
        RoleCompetencyFactory(role=role, competency=competency, weight=weight)
        QuestionFactory.create_batch(3, competency=competency, guidance_en="Listen for. " * 100)
    kit = store_kit(assemble_kit(role=role, stage="final", seed=1))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_column_compression(content), octet_length(content::text) "
            "FROM questionbank_kit WHERE id = %s",
            [kit.pk],
        )
        method, length = cursor.fetchone()
    assert length > 8192  # long enough to be compressed at all
    assert method == "lz4"
