"""The shipped contact-centre content pack: loadable, idempotent and complete."""

from collections import Counter

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count

from questionbank.content import load_content_pack
from questionbank.kits import assemble_kit
from questionbank.models import (
    Competency,
    CompetencyRubricLevel,
    KitTemplate,
    Question,
    Role,
    RoleCompetency,
    RoleScreeningQuestion,
    RubricLevel,
    ScreeningOption,
    ScreeningQuestion,
    Stage,
)

pytestmark = pytest.mark.django_db

LANGS = [code for code, _name in settings.LANGUAGES]
TRANSLATED = {
    Competency: ("name", "description"),
    CompetencyRubricLevel: ("label", "anchor"),
    Role: ("title", "summary"),
    Question: ("text", "probes", "guidance"),
    RubricLevel: ("label", "anchor"),
    ScreeningQuestion: ("text",),
    ScreeningOption: ("label",),
}


@pytest.fixture(scope="module")
def shared_content_pack(django_db_setup, django_db_blocker):
    """The pack loaded once for this module (2.5 s a load), in a transaction rolled back at the
    module's end. Each test runs in a savepoint inside it, so what one test changes is gone
    before the next."""
    with django_db_blocker.unblock(), transaction.atomic():
        load_content_pack()
        yield
        transaction.set_rollback(True)


@pytest.fixture
def content_pack(shared_content_pack, db):
    """This module's tests read the shared copy (an empty bank is tested in test_load_content)."""


def counts():
    models = [*TRANSLATED, RoleCompetency, RoleScreeningQuestion, KitTemplate]
    return {model.__name__: model.objects.count() for model in models}


def test_loading_the_pack_twice_gives_the_same_rows(content_pack):
    first = counts()
    ids = set(Question.objects.values_list("pk", flat=True))
    load_content_pack()
    assert counts() == first
    assert set(Question.objects.values_list("pk", flat=True)) == ids


def test_the_pack_has_the_promised_size(content_pack):
    assert Role.objects.count() >= 10
    assert Competency.objects.count() >= 15
    assert Question.objects.active().count() >= 150


def test_every_role_has_at_least_three_weighted_competencies(content_pack):
    for role in Role.objects.annotate(n=Count("role_competencies")):
        assert role.n >= 3, role.slug
    weights = RoleCompetency.objects.values_list("weight", flat=True)
    assert all(1 <= weight <= 5 for weight in weights)
    assert RoleCompetency.objects.filter(essential=True).exists()


def test_every_competency_of_every_role_has_four_active_suitable_questions(content_pack):
    shortfalls = []
    for link in RoleCompetency.objects.select_related("role", "competency"):
        available = (
            Question.objects.active()
            .suitable_for(link.role)
            .filter(competency=link.competency)
            .count()
        )
        if available < 4:
            shortfalls.append(f"{link.role.slug}/{link.competency.slug}: {available}")
    assert shortfalls == []


def test_every_role_has_an_interview_plan_for_every_stage(content_pack):
    plans = set(KitTemplate.objects.values_list("role__slug", "stage"))
    assert plans == {
        (slug, stage)
        for slug in Role.objects.values_list("slug", flat=True)
        for stage in Stage.values
    }
    for template in KitTemplate.objects.all():
        template.full_clean()


def test_every_shipped_plan_assembles_in_full_whatever_the_seed(content_pack):
    """Strict: any shortfall (too few questions, budget too small) would raise."""
    for template in KitTemplate.objects.select_related("role"):
        for seed in range(8):
            kit = assemble_kit(
                role=template.role, stage=template.stage, seed=seed, language="nl", strict=True
            )
            assert kit.plan.template == template
            assert kit.total_minutes <= template.time_budget_minutes
            assert len(kit.questions) == template.questions_per_competency * len(kit.sections)
            assert kit.fallbacks == []
            if template.include_screening:
                assert kit.screening


def test_every_question_has_five_rubric_levels_scored_1_to_5(content_pack):
    scores = {}
    for code, score in RubricLevel.objects.values_list("question__code", "score"):
        scores.setdefault(code, []).append(score)
    codes = Question.objects.values_list("code", flat=True)
    assert {code: sorted(scores.get(code, [])) for code in codes} == {
        code: [1, 2, 3, 4, 5] for code in codes
    }


def test_every_competency_has_a_five_level_default_rubric(content_pack):
    per_competency = Counter(
        CompetencyRubricLevel.objects.values_list("competency__slug", flat=True)
    )
    assert per_competency == {slug: 5 for slug in Competency.objects.values_list("slug", flat=True)}


@pytest.mark.parametrize("model", list(TRANSLATED), ids=lambda m: m.__name__)
def test_every_text_is_filled_in_all_four_languages(content_pack, model):
    columns = [f"{field}_{lang}" for field in TRANSLATED[model] for lang in LANGS]
    empty = [
        (row[0], column)
        for row in model.objects.values_list("pk", *columns)
        for column, value in zip(columns, row[1:], strict=True)
        if not (value or "").strip()
    ]
    assert empty == []


def test_probes_are_the_same_in_number_in_every_language(content_pack):
    mismatched = [
        q.code
        for q in Question.objects.all()
        if len({len(getattr(q, f"probes_{lang}").splitlines()) for lang in LANGS}) != 1
    ]
    assert mismatched == []


def test_translations_are_not_copies_of_the_english(content_pack):
    copied = [
        (q.code, lang)
        for q in Question.objects.all()
        for lang in LANGS[1:]
        if getattr(q, f"text_{lang}") == q.text_en
    ]
    assert copied == []


def test_every_question_type_is_represented(content_pack):
    types = set(Question.objects.values_list("type", flat=True))
    assert {"behavioural", "situational", "knowledge", "motivational"} <= types


def test_load_content_does_not_overwrite_an_existing_bank(content_pack, capsys):
    question = Question.objects.get(code="de-escalation-01")
    question.text_en = "Edited by a recruiter."
    question.save()
    call_command("load_content")
    assert "already has content" in capsys.readouterr().out
    question.refresh_from_db()
    assert question.text_en == "Edited by a recruiter."


def test_load_content_force_restores_the_shipped_text(content_pack):
    question = Question.objects.get(code="de-escalation-01")
    shipped = question.text_en
    question.text_en = "Edited by a recruiter."
    question.save()
    call_command("load_content", "--force")
    question.refresh_from_db()
    assert question.text_en == shipped


def test_every_role_has_a_screening_questionnaire_with_a_knockout(content_pack):
    for role in Role.objects.all():
        items = list(role.screening_items.select_related("question"))
        assert len(items) >= 4, role.slug
        assert any(item.knockout for item in items), role.slug
        for item in items:
            item.full_clean()
            item.question.full_clean()


def test_number_screening_questions_have_units_in_every_language(content_pack):
    numbers = ScreeningQuestion.objects.filter(answer_type="number")
    assert numbers.exists()
    for question in numbers:
        assert all(getattr(question, f"unit_{lang}") for lang in LANGS), question.code
