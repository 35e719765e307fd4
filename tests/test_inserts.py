"""Rows written with prepared INSERTs read back as the ORM would have written them."""

import uuid
from datetime import UTC, datetime

import pytest
from django.db import transaction

from questionbank.inserts import insert, insert_values
from questionbank.models import AuditEvent, Kit, KitQuestion
from tests.factories import QuestionFactory, RoleFactory

pytestmark = pytest.mark.django_db


def new_kit(role, **fields) -> Kit:
    return Kit(
        role=role,
        stage="final",
        language="nl",
        seed=42,
        parameters={"role": role.slug, "strict": False},
        content={"sections": [{"questions": [{"text": "Vertel over één klant", "rubric": []}]}]},
        warnings=[{"code": "time_budget", "requested": 2}],
        total_minutes=12,
        **fields,
    )


def test_an_inserted_kit_reads_back_field_for_field():
    role = RoleFactory()
    kit = new_kit(role, created_at=datetime(2026, 12, 1, 9, 30, tzinfo=UTC))
    insert([kit])
    stored = Kit.objects.get(pk=kit.pk)
    for field in Kit._meta.concrete_fields:
        assert getattr(stored, field.attname) == getattr(kit, field.attname), field.name
    assert isinstance(kit.pk, uuid.UUID)
    assert not kit._state.adding  # a later save() updates the row
    kit.total_minutes = 15
    kit.save()
    assert Kit.objects.get().total_minutes == 15


def test_several_rows_of_every_column_type_read_back_field_for_field(api_user):
    """Several rows of a model go in as one array per column on PostgreSQL (`unnest`)."""
    role = RoleFactory()
    kits = [
        new_kit(role, created_at=datetime(2026, 12, 1, 9, 30, tzinfo=UTC)),
        new_kit(role, created_by=api_user),
    ]
    kits[1].seed, kits[1].content, kits[1].warnings = 2**53 - 1, {"ü": ["—"]}, []
    events = [
        AuditEvent(action="kit.created", target="kit één", via="api", ip="2001:db8::7"),
        AuditEvent(action="kit.created", target="kit two", via="api", ip=None, actor_name="x"),
    ]
    insert([*kits, *events])
    for kit in kits:
        stored = Kit.objects.get(pk=kit.pk)
        for field in Kit._meta.concrete_fields:
            assert getattr(stored, field.attname) == getattr(kit, field.attname), field.name
    stored = list(AuditEvent.objects.order_by("id").values_list("target", "ip", "actor_name"))
    assert stored == [("kit één", "2001:db8::7", ""), ("kit two", None, "x")]


def test_text_that_looks_like_array_syntax_reads_back_as_it_was_written():
    """On PostgreSQL several rows' text goes in as an array literal: quoting must hold."""
    targets = ['say "hi"', "back\\slash \\", "{a,b}", "NULL", "", "kit, één", "'quoted'"]
    insert([AuditEvent(action="kit.created", target=t, via="api") for t in targets])
    assert list(AuditEvent.objects.order_by("id").values_list("target", flat=True)) == targets


def test_rows_of_values_and_instances_with_auto_ids():
    kit = new_kit(RoleFactory())
    questions = QuestionFactory.create_batch(3)
    insert([kit])
    insert_values(
        KitQuestion,
        [
            {"kit_id": kit.pk, "question_id": q.pk, "position": i}
            for i, q in enumerate(questions, 1)
        ],
    )
    assert list(kit.kit_questions.values_list("question_id", "position")) == [
        (q.pk, i) for i, q in enumerate(questions, 1)
    ]
    event = AuditEvent(action="kit.created", target=f"kit {kit.pk}", via="api", ip="192.0.2.7")
    insert([event])
    assert event.pk is None  # not read back
    stored = AuditEvent.objects.get()
    assert (stored.action, stored.ip, stored.actor) == ("kit.created", "192.0.2.7", None)


def test_inserts_belong_to_the_caller_s_transaction():
    role = RoleFactory()
    with pytest.raises(RuntimeError), transaction.atomic():
        insert([new_kit(role)])
        raise RuntimeError
    assert not Kit.objects.exists()


def test_nothing_to_insert_is_no_query(django_assert_num_queries):
    with django_assert_num_queries(0):
        insert([])
        insert_values(KitQuestion, [])


def test_several_models_at_once_are_one_statement_on_postgresql(django_assert_num_queries):
    from django.db import connection

    kit = new_kit(RoleFactory())
    questions = QuestionFactory.create_batch(2)
    event = AuditEvent(action="kit.created", target=f"kit {kit.pk}", via="api")
    links = [
        {"kit_id": kit.pk, "question_id": q.pk, "position": i} for i, q in enumerate(questions)
    ]
    # In the test's transaction: a savepoint and its release around the INSERTs.
    inserts = 1 if connection.vendor == "postgresql" else 3
    with django_assert_num_queries(2 + inserts):
        insert([kit, event], values={KitQuestion: links})
    assert Kit.objects.get().pk == kit.pk
    assert list(KitQuestion.objects.values_list("question_id", flat=True).order_by("position")) == [
        q.pk for q in questions
    ]
    assert AuditEvent.objects.get().target == f"kit {kit.pk}"


def test_many_rows_go_in_chunks(monkeypatch):
    from questionbank import inserts

    monkeypatch.setattr(inserts, "MAX_ROWS", 2)
    kit = new_kit(RoleFactory())
    questions = QuestionFactory.create_batch(5)
    insert(
        [kit],
        values={
            KitQuestion: [
                {"kit_id": kit.pk, "question_id": q.pk, "position": i}
                for i, q in enumerate(questions)
            ]
        },
    )
    assert kit.kit_questions.count() == 5


@pytest.mark.django_db(transaction=True)
def test_a_refused_row_stores_none_of_the_others():
    from django.db import IntegrityError

    kit = new_kit(RoleFactory())
    refused = AuditEvent(action=None, target="kit", via="api")  # NOT NULL
    with pytest.raises(IntegrityError):
        insert([kit, refused])
    assert not Kit.objects.exists()
    assert kit._state.adding  # still unsaved


def test_plain_columns_take_ints_and_strs_as_they_are_and_convert_anything_else():
    from questionbank.inserts import plain_types, statement

    fields, kinds = statement(KitQuestion, "default")[1], plain_types(KitQuestion, "default")
    assert dict(zip((f.name for f in fields), kinds, strict=True)) == {
        "kit": None,  # a UUID: converted for the database (hex text on SQLite)
        "question": int,
        "position": int,
    }
    event_kinds = dict(
        zip(
            (f.name for f in statement(AuditEvent, "default")[1]),
            plain_types(AuditEvent, "default"),
            strict=True,
        )
    )
    assert event_kinds["action"] is str and event_kinds["actor"] is int
    assert event_kinds["ip"] is None and event_kinds["at"] is None  # converted every time
    # A value of another type than the column's plain one still goes through the field.
    kit = new_kit(RoleFactory())
    kit.total_minutes, kit.seed = "25", 7.0
    insert([kit])
    stored = Kit.objects.get()
    assert (stored.total_minutes, stored.seed) == (25, 7)
    assert type(stored.total_minutes) is int and type(stored.seed) is int
