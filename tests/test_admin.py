"""The recruiters' admin: lists, filters, per-language forms with inlines, actions."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from questionbank.models import Question, RubricLevel
from tests.factories import (
    CompetencyFactory,
    CompetencyRubricLevelFactory,
    QuestionFactory,
    RoleCompetencyFactory,
    RoleFactory,
    ScreeningQuestionFactory,
)

pytestmark = pytest.mark.django_db


def changelist(model):
    return reverse(f"admin:questionbank_{model}_changelist")


@pytest.mark.parametrize("model", ["question", "role", "competency"])
def test_changelists_render(admin_client, model):
    QuestionFactory()
    RoleCompetencyFactory()
    response = admin_client.get(changelist(model))
    assert response.status_code == 200


def test_question_list_shows_type_competency_levels_and_status(admin_client):
    QuestionFactory(
        code="empathy-07",
        competency=CompetencyFactory(name_en="Empathy"),
        type=Question.Type.SITUATIONAL,
        for_entry=True,
        for_mid=True,
        status=Question.Status.DRAFT,
    )
    page = admin_client.get(changelist("question")).content.decode()
    assert "empathy-07" in page
    assert "Situational" in page
    assert "Empathy" in page
    assert "entry, mid" in page
    assert "Draft" in page


def test_question_list_filters_by_level_and_status(admin_client):
    QuestionFactory(code="for-agents", for_entry=True, for_mid=False)
    QuestionFactory(code="for-leaders", for_entry=False, for_mid=True)
    QuestionFactory(code="retired-one", for_mid=True, status=Question.Status.RETIRED)
    page = admin_client.get(changelist("question"), {"level": "mid", "status": "active"})
    codes = [q.code for q in page.context["cl"].result_list]
    assert codes == ["for-leaders"]


def test_question_list_searches_every_language(admin_client):
    QuestionFactory(code="dutch-hit", text_nl="Vertel over een boze beller.")
    QuestionFactory(code="other")
    page = admin_client.get(changelist("question"), {"q": "boze beller"})
    assert [q.code for q in page.context["cl"].result_list] == ["dutch-hit"]


def test_question_list_filters_questions_missing_a_language(admin_client):
    QuestionFactory(code="complete", text_de="Frage", probes_de="Nachfrage", guidance_de="Hinweis")
    QuestionFactory(code="no-german")
    page = admin_client.get(changelist("question"), {"missing": "de"})
    assert [q.code for q in page.context["cl"].result_list] == ["no-german"]


def test_question_change_form_has_language_fieldsets_and_rubric_inline(admin_client):
    question = QuestionFactory()
    response = admin_client.get(reverse("admin:questionbank_question_change", args=[question.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    for heading in ["English", "Nederlands", "Deutsch", "Italiano"]:
        assert heading in page
    for lang in ["en", "nl", "de", "it"]:
        assert f'name="text_{lang}"' in page
        assert f'name="rubric_levels-0-anchor_{lang}"' in page
    assert 'name="rubric_levels-4-score"' in page


@pytest.mark.parametrize("model", ["question", "role", "competency"])
def test_add_forms_render(admin_client, model):
    response = admin_client.get(reverse(f"admin:questionbank_{model}_add"))
    assert response.status_code == 200


def test_role_change_form_has_competencies_inline(admin_client):
    link = RoleCompetencyFactory(weight=5, essential=True)
    response = admin_client.get(reverse("admin:questionbank_role_change", args=[link.role.pk]))
    assert response.status_code == 200
    assert 'name="role_competencies-0-weight"' in response.content.decode()


def test_competency_change_form_has_default_rubric_inline(admin_client):
    level = CompetencyRubricLevelFactory(score=2)
    url = reverse("admin:questionbank_competency_change", args=[level.competency.pk])
    response = admin_client.get(url)
    assert response.status_code == 200
    assert 'name="rubric_levels-0-anchor_nl"' in response.content.decode()


def question_form_data(question, **changes):
    competency = question.competency
    data = {
        "code": question.code,
        "competency": competency.pk,
        "type": question.type,
        "for_entry": "on",
        "expected_minutes": question.expected_minutes,
        "status": question.status,
        "text_en": question.text_en,
        "probes_en": question.probes_en,
        "guidance_en": question.guidance_en,
        "rubric_levels-TOTAL_FORMS": "5",
        "rubric_levels-INITIAL_FORMS": "5",
        "rubric_levels-MIN_NUM_FORMS": "0",
        "rubric_levels-MAX_NUM_FORMS": "5",
    }
    for i, level in enumerate(question.rubric_levels.order_by("score")):
        data[f"rubric_levels-{i}-id"] = level.pk
        data[f"rubric_levels-{i}-question"] = question.pk
        data[f"rubric_levels-{i}-score"] = level.score
        data[f"rubric_levels-{i}-label_en"] = level.label_en
        data[f"rubric_levels-{i}-anchor_en"] = level.anchor_en
    data.update(changes)
    return data


def test_recruiter_edits_dutch_text_and_a_rubric_anchor_in_one_save(admin_client):
    question = QuestionFactory()
    url = reverse("admin:questionbank_question_change", args=[question.pk])
    data = question_form_data(
        question,
        text_nl="Vertel over een gesprek met een boze klant.",
        **{"rubric_levels-2-anchor_nl": "Laat de klant uitpraten en erkent de frustratie."},
    )
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["errors"]
    question.refresh_from_db()
    assert question.text_nl == "Vertel over een gesprek met een boze klant."
    level = question.rubric_levels.get(score=3)
    assert level.anchor_nl == "Laat de klant uitpraten en erkent de frustratie."


def test_admin_refuses_a_question_without_english_text(admin_client):
    question = QuestionFactory()
    url = reverse("admin:questionbank_question_change", args=[question.pk])
    response = admin_client.post(url, question_form_data(question, text_en=""))
    assert response.status_code == 200
    assert "text_en" in response.context["adminform"].form.errors
    question.refresh_from_db()
    assert question.text_en


def test_admin_refuses_two_rubric_levels_with_the_same_score(admin_client):
    question = QuestionFactory()
    url = reverse("admin:questionbank_question_change", args=[question.pk])
    response = admin_client.post(url, question_form_data(question, **{"rubric_levels-1-score": 1}))
    assert response.status_code == 200
    assert sorted(
        RubricLevel.objects.filter(question=question).values_list("score", flat=True)
    ) == [
        1,
        2,
        3,
        4,
        5,
    ]


@pytest.mark.parametrize(
    ("action", "start", "end"),
    [
        ("activate", Question.Status.DRAFT, Question.Status.ACTIVE),
        ("retire", Question.Status.ACTIVE, Question.Status.RETIRED),
        ("make_draft", Question.Status.RETIRED, Question.Status.DRAFT),
    ],
)
def test_status_actions_change_only_the_selected_questions(admin_client, action, start, end):
    chosen = QuestionFactory.create_batch(2, status=start)
    untouched = QuestionFactory(status=start)
    response = admin_client.post(
        changelist("question"),
        {"action": action, "_selected_action": [q.pk for q in chosen]},
        follow=True,
    )
    assert response.status_code == 200
    assert "2 questions set to" in response.content.decode()
    assert {q.status for q in Question.objects.filter(pk__in=[q.pk for q in chosen])} == {end}
    untouched.refresh_from_db()
    assert untouched.status == start


def test_retiring_moves_updated_at_forward(admin_client):
    question = QuestionFactory()
    before = question.updated_at
    admin_client.post(
        changelist("question"), {"action": "retire", "_selected_action": [question.pk]}
    )
    question.refresh_from_db()
    assert question.status == Question.Status.RETIRED
    assert question.updated_at > before


def test_questions_cannot_be_deleted_only_retired(admin_client):
    question = QuestionFactory()
    response = admin_client.get(reverse("admin:questionbank_question_delete", args=[question.pk]))
    assert response.status_code == 403
    actions = admin_client.get(changelist("question")).context["action_form"].fields["action"]
    assert "delete_selected" not in dict(actions.choices)
    assert Question.objects.filter(pk=question.pk).exists()


def test_screening_admin_pages_render(admin_client):
    from questionbank.models import ScreeningQuestion
    from tests.factories import RoleScreeningQuestionFactory, ScreeningOptionFactory

    item = RoleScreeningQuestionFactory(
        question__answer_type=ScreeningQuestion.AnswerType.SINGLE_CHOICE,
        question__rule=ScreeningQuestion.Rule.ONE_OF,
        knockout=True,
    )
    ScreeningOptionFactory(question=item.question, value="degree", accepted=True)
    assert admin_client.get(changelist("screeningquestion")).status_code == 200
    page = admin_client.get(
        reverse("admin:questionbank_screeningquestion_change", args=[item.question.pk])
    )
    assert page.status_code == 200
    assert 'name="options-0-label_nl"' in page.content.decode()
    role_page = admin_client.get(reverse("admin:questionbank_role_change", args=[item.role.pk]))
    assert 'name="screening_items-0-knockout"' in role_page.content.decode()


def test_a_knockout_needs_a_rule(admin_client):
    from questionbank.models import RoleScreeningQuestion
    from tests.factories import RoleScreeningQuestionFactory

    item = RoleScreeningQuestionFactory.build(
        role=RoleFactory(), question=ScreeningQuestionFactory(), knockout=True
    )
    with pytest.raises(ValidationError, match="cannot knock out"):
        item.full_clean()
    assert not RoleScreeningQuestion.objects.exists()


def test_question_list_pages_hold_the_rows_of_their_ids_in_order(admin_client, monkeypatch):
    from questionbank.admin import QuestionAdmin

    monkeypatch.setattr(QuestionAdmin, "list_per_page", 4)
    for competency in ("b-comp", "a-comp"):
        owner = CompetencyFactory(slug=competency)
        for i in (3, 1, 2):
            QuestionFactory(code=f"{competency}-q{i}", competency=owner)
    with CaptureQueriesContext(connection) as queries:
        pages = [admin_client.get(changelist("question"), {"p": n}).context["cl"] for n in (1, 2)]
    # Each page sorted as ids alone, then its rows read by id.
    id_pages = [
        q["sql"]
        for q in queries
        if q["sql"].startswith('SELECT "questionbank_question"."id" AS "pk"')
        and "LIMIT" in q["sql"]
    ]
    assert len(id_pages) == 2, [q["sql"] for q in queries]
    assert pages[0].result_count == 6
    assert [[q.code for q in page.result_list] for page in pages] == [
        ["a-comp-q1", "a-comp-q2", "a-comp-q3", "b-comp-q1"],
        ["b-comp-q2", "b-comp-q3"],
    ]
    assert [q.competency.slug for q in pages[1].result_list] == ["b-comp", "b-comp"]
