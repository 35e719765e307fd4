"""Screening evaluation as a service: every answer type and rule, pass and fail, bad answers."""

import pytest

from questionbank.models import ScreeningQuestion
from questionbank.screening import ScreeningAnswerError, evaluate, questionnaire
from tests.factories import (
    RoleFactory,
    RoleScreeningQuestionFactory,
    ScreeningOptionFactory,
    ScreeningQuestionFactory,
)

pytestmark = pytest.mark.django_db

Type = ScreeningQuestion.AnswerType
Rule = ScreeningQuestion.Rule


@pytest.fixture
def role():
    """A questionnaire with one question of every type and rule."""
    role = RoleFactory(slug="agent")
    months = ScreeningQuestionFactory(
        code="months",
        answer_type=Type.NUMBER,
        min_value=0,
        max_value=600,
        rule=Rule.AT_LEAST,
        rule_value=6,
        unit_en="months",
        unit_nl="maanden",
    )
    weekends = ScreeningQuestionFactory(code="weekends", rule=Rule.MUST_BE_YES)
    education = ScreeningQuestionFactory(
        code="education", answer_type=Type.SINGLE_CHOICE, rule=Rule.ONE_OF
    )
    for i, (value, accepted) in enumerate([("none", False), ("secondary", True), ("degree", True)]):
        ScreeningOptionFactory(question=education, value=value, accepted=accepted, position=i)
    languages = ScreeningQuestionFactory(
        code="languages", answer_type=Type.MULTIPLE_CHOICE, rule=Rule.MUST_INCLUDE
    )
    for value, accepted in [("dutch", True), ("english", True), ("german", False)]:
        ScreeningOptionFactory(
            question=languages,
            value=value,
            accepted=accepted,
            label_en=value.title(),
            label_nl=f"{value} (nl)",
        )
    crm = ScreeningQuestionFactory(code="crm", answer_type=Type.MULTIPLE_CHOICE, rule=Rule.ONE_OF)
    for value, accepted in [("salesforce", True), ("zendesk", True), ("other", False)]:
        ScreeningOptionFactory(question=crm, value=value, accepted=accepted)
    typing = ScreeningQuestionFactory(
        code="typing",
        answer_type=Type.NUMBER,
        min_value=0,
        max_value=200,
        rule=Rule.AT_LEAST,
        rule_value=40,
    )
    notes = ScreeningQuestionFactory(code="notes", rule=Rule.NONE)
    items = [
        (months, True, True, None),
        (weekends, True, True, None),
        (education, True, True, None),
        (languages, True, True, None),
        (crm, False, False, None),
        (typing, False, False, 35),
        (notes, False, False, None),
    ]
    for position, (question, knockout, required, rule_value) in enumerate(items):
        RoleScreeningQuestionFactory(
            role=role,
            question=question,
            position=position,
            knockout=knockout,
            required=required,
            rule_value=rule_value,
        )
    return role


GOOD = {
    "months": 12,
    "weekends": True,
    "education": "secondary",
    "languages": ["dutch", "english"],
    "crm": ["zendesk"],
    "typing": 50,
    "notes": False,
}


def run(role, answers, language="en"):
    return evaluate(items=questionnaire(role), answers=answers, language=language)


def by_code(result):
    return {o.code: o for o in result["results"]}


def test_a_good_applicant_passes_with_every_preference_met(role):
    result = run(role, GOOD)
    assert result["passed"] is True
    assert result["knockouts_failed"] == []
    assert result["score"] == {"met": 2, "of": 2}
    outcomes = by_code(result)
    assert [outcomes[c].status for c in ["months", "weekends", "education", "languages"]] == [
        "passed"
    ] * 4
    assert (outcomes["crm"].status, outcomes["crm"].met) == ("scored", True)
    assert outcomes["notes"].status == "recorded"


@pytest.mark.parametrize(
    ("code", "answer", "reason"),
    [
        ("months", 3, "3 months is below the minimum of 6."),
        ("weekends", False, "Answered no; yes is required."),
        ("education", "none", "None of the accepted answers (Secondary, Degree)."),
        ("languages", ["dutch", "german"], "Missing: English."),
    ],
)
def test_each_knockout_rule_fails_the_screening(role, code, answer, reason):
    result = run(role, {**GOOD, code: answer})
    assert result["passed"] is False
    assert result["knockouts_failed"] == [code]
    outcome = by_code(result)[code]
    assert (outcome.status, outcome.met, outcome.reason) == ("failed", False, reason)


def test_at_least_passes_at_the_threshold(role):
    outcome = by_code(run(role, {**GOOD, "months": 6}))["months"]
    assert (outcome.status, outcome.reason) == ("passed", "6 months meets the minimum of 6.")


def test_a_role_threshold_overrides_the_question_threshold(role):
    # The question says 40 words a minute; this role accepts 35.
    outcome = by_code(run(role, {**GOOD, "typing": 36}))["typing"]
    assert (outcome.status, outcome.met) == ("scored", True)


def test_missed_preferences_lower_the_score_but_do_not_fail(role):
    result = run(role, {**GOOD, "crm": ["other"], "typing": 20})
    assert result["passed"] is True
    assert result["score"] == {"met": 0, "of": 2}
    assert by_code(result)["crm"].reason == "None of the accepted answers (Salesforce, Zendesk)."


def test_optional_questions_may_be_left_out(role):
    answers = {k: v for k, v in GOOD.items() if k not in {"crm", "typing", "notes"}}
    result = run(role, answers)
    assert result["passed"] is True
    assert by_code(result)["crm"].status == "unanswered"
    assert result["score"] == {"met": 0, "of": 0}


def test_reasons_come_in_the_requested_language(role):
    result = run(role, {**GOOD, "months": 3, "languages": ["dutch"]}, language="nl")
    outcomes = by_code(result)
    assert outcomes["months"].reason == "3 maanden ligt onder het minimum van 6."
    assert outcomes["languages"].reason == "Ontbreekt: english (nl)."


@pytest.mark.parametrize(
    ("answers", "errors"),
    [
        ({**GOOD, "weekends": "yes"}, {"answers.weekends": "Must be true or false."}),
        ({**GOOD, "months": "twelve"}, {"answers.months": "Must be a whole number."}),
        ({**GOOD, "months": 12.5}, {"answers.months": "Must be a whole number."}),
        ({**GOOD, "months": True}, {"answers.months": "Must be a whole number."}),
        ({**GOOD, "months": 601}, {"answers.months": "Must be from 0 to 600."}),
        ({**GOOD, "months": -1}, {"answers.months": "Must be from 0 to 600."}),
        (
            {**GOOD, "education": "phd"},
            {"answers.education": "Must be one of: none, secondary, degree."},
        ),
        (
            {**GOOD, "education": ["degree"]},
            {"answers.education": "Must be one of: none, secondary, degree."},
        ),
        ({**GOOD, "languages": "dutch"}, {"answers.languages": "Must be a list of option values."}),
        (
            {**GOOD, "languages": ["klingon"]},
            {"answers.languages": "Unknown options: klingon. Choose from: dutch, english, german."},
        ),
        (
            {**GOOD, "languages": ["dutch", "dutch"]},
            {"answers.languages": "An option is given more than once."},
        ),
        (
            {**GOOD, "favourite-colour": "blue"},
            {"answers.favourite-colour": "Not a question of this role's questionnaire."},
        ),
        (
            {k: v for k, v in GOOD.items() if k != "weekends"},
            {"answers.weekends": "An answer is required."},
        ),
        ({**GOOD, "weekends": None}, {"answers.weekends": "An answer is required."}),
    ],
)
def test_each_malformed_answer_is_named(role, answers, errors):
    with pytest.raises(ScreeningAnswerError) as excinfo:
        run(role, answers)
    assert excinfo.value.errors == errors


def test_every_problem_is_listed_at_once(role):
    with pytest.raises(ScreeningAnswerError) as excinfo:
        run(role, {"months": -5, "weekends": 1, "x": 1})
    assert set(excinfo.value.errors) == {
        "answers.months",
        "answers.weekends",
        "answers.education",
        "answers.languages",
        "answers.x",
    }


def test_answers_must_be_an_object(role):
    with pytest.raises(ScreeningAnswerError) as excinfo:
        run(role, ["months", 12])
    assert excinfo.value.errors == {"answers": "Send an object mapping question codes to answers."}


def test_the_questionnaire_costs_two_queries(role, django_assert_num_queries):
    # items with their questions, the questions' options
    with django_assert_num_queries(2):
        items = questionnaire(role)
        assert [len(i.question.options.all()) for i in items] == [0, 0, 3, 3, 3, 0, 0]


def test_a_kit_can_open_with_the_screening_questions(role):
    from questionbank.kits import assemble_kit, store_kit
    from questionbank.models import KitTemplate
    from questionbank.printing import render_kit_html

    KitTemplate.objects.create(
        role=role, stage="phone_screen", time_budget_minutes=20, include_screening=True
    )
    kit = assemble_kit(role=role, stage="phone_screen", language="nl", seed=1)
    screening = kit.content()["screening"]
    assert [item["code"] for item in screening] == [
        "months",
        "weekends",
        "education",
        "languages",
        "crm",
        "typing",
        "notes",
    ]
    assert screening[0]["rule"] == "Minstens 6 maanden"
    assert screening[0]["knockout"] is True
    assert screening[3]["rule"] == "Moet bevatten: dutch (nl), english (nl)"
    assert screening[5]["rule"] == "Minstens 35"
    html = render_kit_html(store_kit(kit))
    assert html.count('class="screening-item"') == 7
    assert html.count("<strong>Knock-out</strong>") == 4


def test_without_the_template_flag_a_kit_has_no_screening_section(role):
    from questionbank.kits import assemble_kit

    assert assemble_kit(role=role, stage="phone_screen", seed=1).content()["screening"] == []
    overridden = assemble_kit(role=role, stage="phone_screen", seed=1, include_screening=True)
    assert len(overridden.content()["screening"]) == 7
