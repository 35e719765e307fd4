"""Screening: a role's questionnaire, and evaluating an applicant's answers against it.

A pure service. `evaluate()` first validates every answer (type, range,
options, required, unknown questions) and raises `ScreeningAnswerError`
listing each problem; only a fully valid set of answers is judged. Nothing
about the applicant is stored.

Outcomes per question:
- a knockout question is `passed` or `failed`; one failure fails the screening;
- any other question with a rule is `scored`, with `met` true or false: it
  counts towards the score (preferred, not required);
- a question without a rule is `recorded`; an optional one left out is
  `unanswered`.
"""

from dataclasses import dataclass

from django.db.models import Prefetch
from django.utils import translation
from django.utils.translation import gettext as _

from .languages import translated
from .models import Role, RoleScreeningQuestion, ScreeningOption, ScreeningQuestion

Type = ScreeningQuestion.AnswerType
Rule = ScreeningQuestion.Rule


class ScreeningAnswerError(Exception):
    """The answers cannot be evaluated: `errors` maps `answers.<code>` to a message."""

    def __init__(self, errors: dict[str, str]):
        self.errors = errors
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))


@dataclass
class Outcome:
    code: str
    status: str  # passed | failed | scored | recorded | unanswered
    knockout: bool
    met: bool | None
    answer: object
    reason: str


def questionnaire(role: Role) -> list[RoleScreeningQuestion]:
    """The role's questionnaire in order, with questions and options: two queries."""
    return list(
        RoleScreeningQuestion.objects.filter(role=role)
        .select_related("question")
        .prefetch_related(
            Prefetch(
                "question__options",
                queryset=ScreeningOption.objects.order_by("position", "value"),
            )
        )
        .order_by("position", "id")
    )


def evaluate(*, items: list[RoleScreeningQuestion], answers, language: str) -> dict:
    """Judge validated answers; raise ScreeningAnswerError if any answer is malformed."""
    answers = validate_answers(items, answers)
    with translation.override(language):
        outcomes = [judge(item, answers.get(item.question.code), language) for item in items]
    scored = [o for o in outcomes if o.status == "scored"]
    return {
        "passed": not any(o.status == "failed" for o in outcomes),
        "knockouts_failed": [o.code for o in outcomes if o.status == "failed"],
        "score": {"met": sum(1 for o in scored if o.met), "of": len(scored)},
        "results": outcomes,
    }


def validate_answers(items: list[RoleScreeningQuestion], answers) -> dict:
    if not isinstance(answers, dict):
        raise ScreeningAnswerError({"answers": "Send an object mapping question codes to answers."})
    by_code = {item.question.code: item for item in items}
    errors = {}
    for code in answers:
        if code not in by_code:
            errors[f"answers.{code}"] = "Not a question of this role's questionnaire."
    for code, item in by_code.items():
        if code not in answers or answers[code] is None:
            if item.required:
                errors[f"answers.{code}"] = "An answer is required."
            continue
        problem = answer_problem(item.question, answers[code])
        if problem:
            errors[f"answers.{code}"] = problem
    if errors:
        raise ScreeningAnswerError(errors)
    return {code: value for code, value in answers.items() if value is not None}


def answer_problem(question: ScreeningQuestion, value) -> str | None:
    """What is wrong with the answer for its question's type, or None."""
    kind = question.answer_type
    if kind == Type.YES_NO:
        return None if isinstance(value, bool) else "Must be true or false."
    if kind == Type.NUMBER:
        if isinstance(value, bool) or not isinstance(value, int):
            return "Must be a whole number."
        if not question.min_value <= value <= question.max_value:
            return f"Must be from {question.min_value} to {question.max_value}."
        return None
    values = [option.value for option in question.options.all()]
    if kind == Type.SINGLE_CHOICE:
        if not isinstance(value, str) or value not in values:
            return f"Must be one of: {', '.join(values)}."
        return None
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        return "Must be a list of option values."
    unknown = sorted(set(value) - set(values))
    if unknown:
        return f"Unknown options: {', '.join(unknown)}. Choose from: {', '.join(values)}."
    if len(set(value)) != len(value):
        return "An option is given more than once."
    return None


def judge(item: RoleScreeningQuestion, value, language: str) -> Outcome:
    question = item.question
    if value is None:
        return Outcome(question.code, "unanswered", item.knockout, None, None, _("Not answered."))
    if question.rule == Rule.NONE:
        return Outcome(
            question.code, "recorded", False, None, value, _("Recorded; no rule applies.")
        )
    met, reason = rule_result(item, value, language)
    status = ("passed" if met else "failed") if item.knockout else "scored"
    return Outcome(question.code, status, item.knockout, met, value, reason)


def rule_result(item: RoleScreeningQuestion, value, language: str) -> tuple[bool, str]:
    question = item.question
    labels = {o.value: translated(o, "label", language)[0] for o in question.options.all()}
    accepted = [o.value for o in question.options.all() if o.accepted]

    def names(values):
        return ", ".join(labels[v] for v in values)

    if question.rule == Rule.MUST_BE_YES:
        return (True, _("Answered yes.")) if value else (False, _("Answered no; yes is required."))
    if question.rule == Rule.AT_LEAST:
        threshold = item.threshold
        unit = translated(question, "unit", language)[0]
        numbers = {"answer": value, "threshold": threshold, "unit": unit}
        if value >= threshold:
            return True, _("%(answer)s %(unit)s meets the minimum of %(threshold)s.") % numbers
        return False, _("%(answer)s %(unit)s is below the minimum of %(threshold)s.") % numbers
    chosen = value if isinstance(value, list) else [value]
    if question.rule == Rule.ONE_OF:
        if set(chosen) & set(accepted):
            return True, _("Accepted answer: %(chosen)s.") % {
                "chosen": names(v for v in chosen if v in accepted)
            }
        return False, _("None of the accepted answers (%(accepted)s).") % {
            "accepted": names(accepted)
        }
    missing = [v for v in accepted if v not in chosen]
    if missing:
        return False, _("Missing: %(missing)s.") % {"missing": names(missing)}
    return True, _("Includes every required option.")


def describe_rule(item: RoleScreeningQuestion, language: str) -> str:
    """The rule in words, for interviewers: "At least 6 months", "Must be yes", ..."""
    question = item.question
    accepted = [translated(o, "label", language)[0] for o in question.options.all() if o.accepted]
    if question.rule == Rule.MUST_BE_YES:
        return _("Must be yes")
    if question.rule == Rule.AT_LEAST:
        unit = translated(question, "unit", language)[0]
        numbers = {"threshold": item.threshold, "unit": unit}
        return (_("At least %(threshold)s %(unit)s") % numbers).strip()
    if question.rule == Rule.ONE_OF:
        return _("One of: %(accepted)s") % {"accepted": ", ".join(accepted)}
    if question.rule == Rule.MUST_INCLUDE:
        return _("Must include: %(accepted)s") % {"accepted": ", ".join(accepted)}
    return ""
