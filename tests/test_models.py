import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import translation

from questionbank.models import Question
from tests.factories import (
    CompetencyFactory,
    CompetencyRubricLevelFactory,
    QuestionFactory,
    RoleCompetencyFactory,
    RoleFactory,
    RubricLevelFactory,
)

pytestmark = pytest.mark.django_db


def assert_rejected_by_database(create):
    with pytest.raises(IntegrityError), transaction.atomic():
        create()


def test_competency_slug_is_unique():
    CompetencyFactory(slug="empathy")
    assert_rejected_by_database(lambda: CompetencyFactory(slug="empathy"))


def test_role_slug_is_unique():
    RoleFactory(slug="team-leader")
    assert_rejected_by_database(lambda: RoleFactory(slug="team-leader"))


def test_question_code_is_unique():
    QuestionFactory(code="empathy-01")
    assert_rejected_by_database(lambda: QuestionFactory(code="empathy-01"))


@pytest.mark.parametrize("score", [0, 6, 10])
def test_database_rejects_a_rubric_score_outside_1_to_5(score):
    question = QuestionFactory(rubric=False)
    assert_rejected_by_database(lambda: RubricLevelFactory(question=question, score=score))


@pytest.mark.parametrize("score", [0, 6])
def test_database_rejects_a_default_rubric_score_outside_1_to_5(score):
    competency = CompetencyFactory()
    assert_rejected_by_database(
        lambda: CompetencyRubricLevelFactory(competency=competency, score=score)
    )


def test_database_rejects_two_rubric_levels_with_the_same_score_on_a_question():
    question = QuestionFactory(rubric=False)
    RubricLevelFactory(question=question, score=3)
    assert_rejected_by_database(lambda: RubricLevelFactory(question=question, score=3))


def test_the_same_score_on_different_questions_is_fine():
    RubricLevelFactory(score=3)
    RubricLevelFactory(score=3)


def test_database_rejects_two_default_rubric_levels_with_the_same_score():
    competency = CompetencyFactory()
    CompetencyRubricLevelFactory(competency=competency, score=1)
    assert_rejected_by_database(
        lambda: CompetencyRubricLevelFactory(competency=competency, score=1)
    )


@pytest.mark.parametrize("weight", [0, 6])
def test_database_rejects_a_role_competency_weight_outside_1_to_5(weight):
    assert_rejected_by_database(lambda: RoleCompetencyFactory(weight=weight))


def test_a_role_lists_a_competency_once():
    link = RoleCompetencyFactory()
    assert_rejected_by_database(
        lambda: RoleCompetencyFactory(role=link.role, competency=link.competency)
    )


def test_database_rejects_a_question_that_suits_no_level():
    assert_rejected_by_database(
        lambda: QuestionFactory(for_entry=False, for_mid=False, for_senior=False)
    )


def test_model_validation_names_the_missing_level():
    question = QuestionFactory.build(
        competency=CompetencyFactory(), for_entry=False, for_mid=False, for_senior=False
    )
    with pytest.raises(ValidationError, match="at least one role level"):
        question.full_clean()


def test_model_validation_rejects_a_score_outside_1_to_5():
    level = RubricLevelFactory.build(question=QuestionFactory(rubric=False), score=7)
    with pytest.raises(ValidationError) as excinfo:
        level.full_clean()
    assert "score" in excinfo.value.message_dict


def test_texts_fall_back_to_english_per_field():
    question = QuestionFactory(
        text_en="Tell me about a difficult call.",
        text_nl="Vertel over een moeilijk gesprek.",
        guidance_en="Listen for a specific call.",
        guidance_nl="",
    )
    with translation.override("nl"):
        assert question.text == "Vertel over een moeilijk gesprek."
        assert question.guidance == "Listen for a specific call."
    with translation.override("de"):
        assert question.text == "Tell me about a difficult call."


def test_probe_list_has_one_probe_per_non_empty_line():
    question = QuestionFactory(probes_en="What did you say?\n\n  How did they react?  \n")
    assert question.probe_list == ["What did you say?", "How did they react?"]


def test_levels_lists_the_levels_a_question_suits():
    question = QuestionFactory(for_entry=True, for_mid=False, for_senior=True)
    assert question.levels == ["entry", "senior"]


def test_a_question_without_rubric_uses_its_competency_default():
    competency = CompetencyFactory()
    for score in range(1, 6):
        CompetencyRubricLevelFactory(competency=competency, score=score)
    question = QuestionFactory(competency=competency, rubric=False)
    rubric = question.effective_rubric()
    assert [level.score for level in rubric] == [1, 2, 3, 4, 5]
    assert rubric[0].anchor == "Default anchor for 1."


def test_a_question_rubric_wins_over_the_competency_default():
    competency = CompetencyFactory()
    CompetencyRubricLevelFactory(competency=competency, score=1)
    question = QuestionFactory(competency=competency)
    first = question.effective_rubric()[0]
    assert first.anchor == "What a 1 answer sounds like."


def test_suitable_for_respects_level_and_role_restriction():
    agent = RoleFactory(level="entry")
    other_agent = RoleFactory(level="entry")
    leader = RoleFactory(level="mid")
    general = QuestionFactory(for_entry=True)
    only_agent = QuestionFactory(for_entry=True)
    only_agent.roles.add(agent)
    QuestionFactory(for_entry=False, for_mid=True)

    assert set(Question.objects.suitable_for(agent)) == {general, only_agent}
    assert set(Question.objects.suitable_for(other_agent)) == {general}
    assert list(Question.objects.suitable_for(leader).filter(for_entry=True)) == []


def test_saving_a_question_moves_updated_at_forward():
    question = QuestionFactory()
    before = question.updated_at
    question.text_en = "A new wording."
    question.save(update_fields=["text_en"])
    question.refresh_from_db()
    assert question.updated_at > before
