"""Test data builders. `fixtures/` holds the shipped content only."""

import factory

from questionbank.models import (
    Competency,
    CompetencyRubricLevel,
    Question,
    Role,
    RoleCompetency,
    RoleScreeningQuestion,
    RubricLevel,
    ScreeningOption,
    ScreeningQuestion,
)

LABELS = {1: "Poor", 2: "Weak", 3: "Competent", 4: "Strong", 5: "Outstanding"}


class CompetencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Competency

    slug = factory.Sequence(lambda n: f"competency-{n}")
    name_en = factory.Sequence(lambda n: f"Competency {n}")
    description_en = "What the competency means on the floor."
    category = Competency.Category.INTERPERSONAL


class RoleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Role

    slug = factory.Sequence(lambda n: f"role-{n}")
    title_en = factory.Sequence(lambda n: f"Role {n}")
    level = "entry"
    summary_en = "Answers customers' calls."


class RoleCompetencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RoleCompetency

    role = factory.SubFactory(RoleFactory)
    competency = factory.SubFactory(CompetencyFactory)
    weight = 3


class QuestionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Question
        skip_postgeneration_save = True

    code = factory.Sequence(lambda n: f"question-{n}")
    competency = factory.SubFactory(CompetencyFactory)
    type = Question.Type.BEHAVIOURAL
    for_entry = True
    expected_minutes = 5
    text_en = factory.Sequence(lambda n: f"Tell me about a difficult call number {n}.")
    probes_en = "What did you say?\nWhat happened next?"
    guidance_en = "Listen for a specific example."
    status = Question.Status.ACTIVE

    @factory.post_generation
    def rubric(self, create, extracted, **kwargs):
        """Five rubric levels unless `rubric=False`."""
        if create and extracted is not False:
            for score in range(1, 6):
                RubricLevelFactory(question=self, score=score)


class RubricLevelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RubricLevel

    question = factory.SubFactory(QuestionFactory, rubric=False)
    score = 3
    label_en = factory.LazyAttribute(lambda o: LABELS.get(o.score, "Level"))
    anchor_en = factory.LazyAttribute(lambda o: f"What a {o.score} answer sounds like.")


class CompetencyRubricLevelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CompetencyRubricLevel

    competency = factory.SubFactory(CompetencyFactory)
    score = 3
    label_en = factory.LazyAttribute(lambda o: LABELS.get(o.score, "Level"))
    anchor_en = factory.LazyAttribute(lambda o: f"Default anchor for {o.score}.")


class ScreeningQuestionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ScreeningQuestion

    code = factory.Sequence(lambda n: f"screening-{n}")
    text_en = factory.Sequence(lambda n: f"Screening question {n}?")
    answer_type = ScreeningQuestion.AnswerType.YES_NO
    rule = ScreeningQuestion.Rule.NONE


class ScreeningOptionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ScreeningOption

    question = factory.SubFactory(ScreeningQuestionFactory)
    value = factory.Sequence(lambda n: f"option-{n}")
    label_en = factory.LazyAttribute(lambda o: o.value.replace("-", " ").title())


class RoleScreeningQuestionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RoleScreeningQuestion

    role = factory.SubFactory(RoleFactory)
    question = factory.SubFactory(ScreeningQuestionFactory)
    position = factory.Sequence(lambda n: n)
