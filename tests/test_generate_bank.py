"""The synthetic bank generator used by the benchmarks."""

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from questionbank.kits import assemble_kit
from questionbank.models import Competency, Question, Role, RubricLevel

pytestmark = pytest.mark.django_db


def test_it_generates_questions_with_rubrics_in_four_languages(capsys):
    call_command("generate_bank", questions=250, competencies=5, roles=4, prefix="g")
    assert Question.objects.count() == 250
    assert RubricLevel.objects.count() == 1250
    assert Competency.objects.count() == 5
    assert Role.objects.count() == 4
    question = Question.objects.first()
    assert all(getattr(question, f"text_{lang}") for lang in ("en", "nl", "de", "it"))
    assert len({q.shuffle_key for q in Question.objects.all()}) > 240
    assert "Generated 250 questions" in capsys.readouterr().out


def test_the_generated_bank_assembles_kits():
    call_command("generate_bank", questions=400, competencies=6, roles=3, prefix="g")
    role = Role.objects.get(slug="g-role-0")
    kit = assemble_kit(role=role, stage="final", seed=3, time_budget_minutes=240)
    assert len(kit.questions) == 12
    assert kit.warnings == []


def test_it_refuses_an_existing_prefix():
    call_command("generate_bank", questions=10, competencies=2, roles=1, prefix="g")
    with pytest.raises(CommandError, match="exists"):
        call_command("generate_bank", questions=10, prefix="g")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="statistics are PostgreSQL's")
def test_the_planner_knows_the_generated_bank_at_once():
    call_command("generate_bank", questions=300, competencies=5, roles=4, prefix="g")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, reltuples FROM pg_class WHERE relname IN "
            "('questionbank_question', 'questionbank_rubriclevel', 'questionbank_question_roles')"
        )
        estimates = dict(cursor.fetchall())
    # Never analysed, a table's estimate is -1 (or 0): the planner would plan for it empty.
    assert estimates["questionbank_question"] == 300
    assert estimates["questionbank_rubriclevel"] == 1500
    assert "questionbank_question_roles" in estimates
