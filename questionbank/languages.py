"""The content languages and the per-field fallback to English."""

from django.conf import settings

DEFAULT_LANGUAGE = settings.MODELTRANSLATION_DEFAULT_LANGUAGE
SUPPORTED_LANGUAGES = [code for code, _name in settings.LANGUAGES]


def translated(instance, field: str, language: str) -> tuple[str, bool]:
    """The field's text in `language`, else English; and whether it fell back."""
    value = getattr(instance, f"{field}_{language}", None)
    if value or language == DEFAULT_LANGUAGE:
        return value or "", False
    return getattr(instance, f"{field}_{DEFAULT_LANGUAGE}") or "", True
