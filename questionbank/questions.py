"""Writing questions: create, update, retire. Each is one transaction.

Texts are written in one language at a time. English is the source: a new
question, or a new rubric level, needs its English text first; other
languages add translations to what exists.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from .languages import DEFAULT_LANGUAGE
from .models import MAX_SCORE, MIN_SCORE, Question, RubricLevel

TRANSLATED = ("text", "probes", "guidance")


def create_question(*, data: dict, language: str = DEFAULT_LANGUAGE) -> Question:
    if language != DEFAULT_LANGUAGE:
        raise ValidationError(
            {"lang": f"Create questions in English (lang=en), then add the {language} translation."}
        )
    question = Question()
    with transaction.atomic():
        _apply(question, data, language)
        return question


def update_question(*, question: Question, data: dict, language: str) -> Question:
    with transaction.atomic():
        _apply(question, data, language)
        return question


def retire_question(*, question: Question) -> Question:
    """Retire rather than delete: kits and printed interviews keep referring to it."""
    if question.status != Question.Status.RETIRED:
        question.status = Question.Status.RETIRED
        question.save(update_fields=["status"])
    return question


def _apply(question: Question, data: dict, language: str) -> None:
    data = dict(data)
    roles = data.pop("roles", None)
    rubric = data.pop("rubric_levels", None)
    levels = data.pop("levels", None)
    if levels is not None:
        question.levels = levels
    if "probes" in data:
        data["probes"] = "\n".join(data["probes"])
    for field, value in data.items():
        name = f"{field}_{language}" if field in TRANSLATED else field
        setattr(question, name, value)
    question.full_clean()
    question.save()
    if roles is not None:
        question.roles.set(roles)
    if rubric is not None:
        _save_rubric(question, rubric, language)


def _save_rubric(question: Question, levels: list[dict], language: str) -> None:
    existing = {level.score: level for level in question.rubric_levels.all()}
    for item in levels:
        level = existing.get(item["score"])
        if level is None:
            if language != DEFAULT_LANGUAGE:
                raise ValidationError(
                    {
                        "rubric_levels": f"Score {item['score']} has no English text yet: "
                        "write it with lang=en before translating it."
                    }
                )
            level = RubricLevel(question=question, score=item["score"])
        setattr(level, f"label_{language}", item["label"])
        setattr(level, f"anchor_{language}", item["anchor"])
        level.full_clean(validate_unique=False)
        level.save()
        existing[level.score] = level
    scores = sorted(existing)
    if scores and scores != list(range(MIN_SCORE, MAX_SCORE + 1)):
        raise ValidationError(
            {
                "rubric_levels": "A question's own rubric needs all five scores 1-5 "
                f"(it would have {', '.join(map(str, scores))})."
            }
        )


def set_status(*, questions, status: str) -> int:
    """Move questions to a status, saving each (history and version follow); returns the count."""
    changed = 0
    with transaction.atomic():
        for question in questions.exclude(status=status):
            question.status = status
            question.save(update_fields=["status"])
            changed += 1
    return changed


def reassign(*, questions, competency=None, levels: list[str] | None = None) -> int:
    """Give questions another competency and/or other role levels."""
    if competency is None and not levels:
        raise ValidationError("Choose a competency or at least one level.")
    changed = 0
    with transaction.atomic():
        for question in questions:
            if competency is not None:
                question.competency = competency
            if levels:
                question.levels = levels
            question.full_clean()
            question.save()
            changed += 1
    return changed


def duplicate_as_draft(*, question: Question) -> Question:
    """A draft copy with its rubric and role restrictions, under a new code."""
    with transaction.atomic():
        roles = list(question.roles.all())
        levels = list(question.rubric_levels.all())
        copy = Question.objects.get(pk=question.pk)
        copy.pk = None
        copy.id = None
        copy.version = 1
        copy.code = free_code(f"{question.code}-copy")
        copy.status = Question.Status.DRAFT
        copy.created_at = copy.updated_at = timezone.now()
        copy.save()
        copy.roles.set(roles)
        for level in levels:
            level.pk = None
            level.id = None
            level.question = copy
            level.save()
    return copy


def free_code(base: str) -> str:
    """`base`, or `base-2`, `base-3`, ... whichever no question uses yet."""
    taken = set(Question.objects.filter(code__startswith=base).values_list("code", flat=True))
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"
