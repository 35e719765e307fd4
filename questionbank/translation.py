"""Translated fields (django-modeltranslation): one column per language, English required.

Change history (django-simple-history) is registered here too, after the
translations, so that the history tables get every language's column.
"""

import simple_history
from modeltranslation.translator import TranslationOptions, register

from .models import (
    Competency,
    CompetencyRubricLevel,
    Question,
    Role,
    RoleCompetency,
    RubricLevel,
    ScreeningOption,
    ScreeningQuestion,
)


class EnglishRequired(TranslationOptions):
    required_languages = ("en",)


@register(Competency)
class CompetencyTranslation(EnglishRequired):
    fields = ("name", "description")


@register(Role)
class RoleTranslation(EnglishRequired):
    fields = ("title", "summary")


@register(Question)
class QuestionTranslation(EnglishRequired):
    fields = ("text", "probes", "guidance")


@register(RubricLevel)
class RubricLevelTranslation(EnglishRequired):
    fields = ("label", "anchor")


@register(CompetencyRubricLevel)
class CompetencyRubricLevelTranslation(EnglishRequired):
    fields = ("label", "anchor")


@register(ScreeningQuestion)
class ScreeningQuestionTranslation(EnglishRequired):
    fields = ("text", "help", "unit")


@register(ScreeningOption)
class ScreeningOptionTranslation(EnglishRequired):
    fields = ("label",)


# Who changed what and when, with the previous values, revertible from the admin.
# `version` (the optimistic lock) and `shuffle_key` are not history: a revert must not roll
# the lock back, and the deck position is no content.
for model in (Question, RubricLevel, Role, RoleCompetency, Competency, CompetencyRubricLevel):
    simple_history.register(
        model, excluded_fields=["version", "shuffle_key"] if model is Question else None
    )
