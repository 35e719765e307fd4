"""What only PostgreSQL does, against the real server the suite runs on: the backend's health
check (no round trip on a quiet connection, the real check otherwise) and the bank's token read
only after a change is announced (questionbank/postgresql/base.py), and kit snapshots
compressed with lz4 (migration 0012)."""

import time
from unittest import mock

import psycopg
import pytest
from django.db import connection, transaction
from django.db.backends.postgresql import base as django_base
from django.test.utils import CaptureQueriesContext

from questionbank import bank_cache
from questionbank.kits import assemble_kit, store_kit
from questionbank.models import BankVersion, bank_changed
from questionbank.postgresql.base import BANK_CHANNEL, quiet
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


@pytest.fixture
def bank():
    """A role with questions (so a token row), and this process's copy of the bank dropped."""
    role = RoleFactory(slug="agent")
    competency = CompetencyFactory()
    RoleCompetencyFactory(role=role, competency=competency, weight=5)
    QuestionFactory.create_batch(3, competency=competency)
    bank_cache.forget()
    assert BankVersion.objects.exists()
    return role


def token_reads(run) -> int:
    with CaptureQueriesContext(connection) as queries:
        run()
    return sum("questionbank_bankversion" in q["sql"] for q in queries.captured_queries)


def test_the_token_is_read_once_and_then_not_while_nothing_changes(bank):
    assert token_reads(bank_cache.current) == 1
    first = bank_cache.current()
    with CaptureQueriesContext(connection) as queries:
        assert bank_cache.current() is first
        assemble_kit(role=bank, stage="final", seed=1)
    assert token_reads(bank_cache.current) == 0
    assert not any("bankversion" in q["sql"] for q in queries.captured_queries)


def test_a_change_committed_by_another_server_is_heard_and_read(bank):
    first = bank_cache.current()
    from_another_connection("UPDATE questionbank_bankversion SET token = gen_random_uuid()")
    wait_until_readable()
    assert token_reads(bank_cache.current) == 1
    second = bank_cache.current()
    assert second is not first
    assert second.token == BankVersion.objects.get().token
    assert token_reads(bank_cache.current) == 0


def test_a_change_taken_in_by_another_query_first_is_not_missed(bank):
    """The health check's SELECT 1, or any query, may read the announcement off the socket."""
    first = bank_cache.current()
    from_another_connection("UPDATE questionbank_bankversion SET token = gen_random_uuid()")
    wait_until_readable()
    backend_pid()
    assert quiet(connection.connection)
    assert token_reads(bank_cache.current) == 1
    assert bank_cache.current() is not first


def test_a_question_retired_by_another_server_is_never_in_the_next_kit(bank):
    codes = lambda: {  # noqa: E731
        q["code"]
        for section in assemble_kit(role=bank, stage="final", seed=1).sections
        for q in section["questions"]
    }
    before = codes()
    retired = sorted(before)[0]
    from_another_connection(  # one transaction, as the admin's retire writes it
        "WITH retired AS (UPDATE questionbank_question SET status = 'retired' WHERE code = %s) "
        "UPDATE questionbank_bankversion SET token = gen_random_uuid()",
        [retired],
    )
    wait_until_readable()
    assert retired not in codes()


def test_a_change_written_on_this_connection_is_heard_too(bank):
    first = bank_cache.current()
    with connection.cursor() as cursor:  # no bank_changed(), no forget(): only the trigger
        cursor.execute("UPDATE questionbank_bankversion SET token = gen_random_uuid()")
    assert bank_cache.current() is not first


def test_a_change_rolled_back_is_not_announced(bank):
    first = bank_cache.current()
    with pytest.raises(RuntimeError), transaction.atomic():
        bank_changed()
        raise RuntimeError
    bank_cache._current = first  # as if this process had not dropped its copy
    assert token_reads(bank_cache.current) == 0


def test_inside_a_transaction_the_token_is_always_read(bank):
    bank_cache.current()
    with transaction.atomic():
        assert token_reads(bank_cache.current) == 1


def test_a_new_connection_reads_the_token_again(bank):
    bank_cache.current()
    connection.close()
    assert token_reads(bank_cache.current) == 1
    assert token_reads(bank_cache.current) == 0


def test_a_change_announced_while_the_token_is_read_gets_it_read_again(bank):
    """The read may have started before the change committed: its token is not trusted."""
    connection.ensure_connection()
    listener = connection.bank_listener
    token = BankVersion.objects.get().token

    def read_while_announced():
        listener._notified(mock.Mock(channel=BANK_CHANNEL))
        return token

    connection.read_bank_token(read_while_announced)
    assert connection.bank_unchanged(token) is False
    connection.read_bank_token(lambda: token)
    assert connection.bank_unchanged(token) is True


def test_a_connection_for_one_request_does_not_listen(bank):
    max_age = connection.settings_dict["CONN_MAX_AGE"]
    connection.close()
    connection.settings_dict["CONN_MAX_AGE"] = 0
    try:
        connection.ensure_connection()
        assert connection.bank_listener is None
        bank_cache.current()
        assert token_reads(bank_cache.current) == 1
    finally:
        connection.settings_dict["CONN_MAX_AGE"] = max_age
        connection.close()


def test_with_listening_off_every_kit_reads_the_token(bank, settings):
    settings.BANK_LISTEN = False
    connection.close()
    try:
        bank_cache.current()
        assert token_reads(bank_cache.current) == 1
        assert connection.bank_listener is None
    finally:
        connection.close()  # the next test's connection listens again


def test_a_kit_created_over_the_api_costs_one_query_while_the_bank_is_unchanged(
    bank, interviewer_api
):
    body = {"role": "agent", "stage": "final", "seed": 7}
    for _ in range(2):  # the token, the plan, the decks and the snapshots read once
        assert interviewer_api.post("/api/v1/kits/", body, format="json").status_code == 201
    with CaptureQueriesContext(connection) as queries:
        response = interviewer_api.post("/api/v1/kits/", body, format="json")
    assert response.status_code == 201
    # The kit, its links and its audit record in one statement; no token, no health check.
    assert [q["sql"].split()[0] for q in queries.captured_queries] == ["WITH"]
