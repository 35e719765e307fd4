"""Which language an API response is in, and which texts fell back to English.

`?lang=` wins and must name a supported language (400 otherwise); without it
the Accept-Language header is negotiated, and English is the default.
"""

from django.utils.translation.trans_real import parse_accept_lang_header
from rest_framework.exceptions import ValidationError

from questionbank.languages import DEFAULT_LANGUAGE, SUPPORTED_LANGUAGES


def requested_language(request) -> str:
    lang = request.query_params.get("lang")
    if lang is not None:
        code = lang.strip().lower()
        if code not in SUPPORTED_LANGUAGES:
            raise ValidationError(
                {
                    "lang": [
                        f"Unsupported language {lang!r}. "
                        f"Supported languages: {', '.join(SUPPORTED_LANGUAGES)}."
                    ]
                },
                code="unsupported_language",
            )
        return code
    return negotiate(request.META.get("HTTP_ACCEPT_LANGUAGE", ""))


def negotiate(accept_language: str) -> str:
    """The first supported language of an Accept-Language header ("nl-BE" counts as nl)."""
    for tag, _quality in parse_accept_lang_header(accept_language):
        primary = tag.split("-")[0].lower()
        if primary in SUPPORTED_LANGUAGES:
            return primary
    return DEFAULT_LANGUAGE
