"""Translated fields (django-modeltranslation): one column per language, English required."""

from modeltranslation.translator import TranslationOptions, register

from .models import (
    Competency,
    CompetencyRubricLevel,
    Question,
    Role,
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
