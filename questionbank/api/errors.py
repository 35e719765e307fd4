"""One error body for every 4xx the API returns.

    {"status": 400, "code": "invalid", "detail": "competency: Unknown competency 'x'.",
     "errors": [{"field": "competency", "code": "does_not_exist", "message": "..."}]}

`field` is the request field or query parameter at fault, dotted for nested
input (`rubric_levels.2.score`), and null when the error concerns the whole
request (authentication, permissions, throttling).
"""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from rest_framework import exceptions
from rest_framework.exceptions import ErrorDetail, ValidationError
from rest_framework.renderers import JSONRenderer
from rest_framework.views import exception_handler as drf_exception_handler


def flatten(detail, path: str = "") -> list[dict]:
    if isinstance(detail, dict):
        return [
            item
            for key, value in detail.items()
            for item in flatten(value, f"{path}.{key}" if path else str(key))
        ]
    if isinstance(detail, list):
        if all(isinstance(item, (str, ErrorDetail)) for item in detail):
            return [error(path, item) for item in detail]
        return [item for i, value in enumerate(detail) for item in flatten(value, f"{path}.{i}")]
    return [error(path, detail)]


def error(path: str, message) -> dict:
    field = None if path in ("", "non_field_errors") else path
    return {"field": field, "code": getattr(message, "code", "invalid"), "message": str(message)}


def exception_handler(exc, context):
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(str(exc) or None)
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    request = context.get("request")
    if request is not None and not isinstance(
        getattr(request, "accepted_renderer", None), JSONRenderer
    ):
        # Errors are JSON even when a PDF was asked for.
        request.accepted_renderer = JSONRenderer()
        request.accepted_media_type = JSONRenderer.media_type
    if isinstance(exc, ValidationError):
        errors = flatten(exc.detail)
        detail = "; ".join(
            f"{e['field']}: {e['message']}" if e["field"] else e["message"] for e in errors
        )
        code = "invalid"
    else:
        detail = str(exc.detail)
        code = getattr(exc.detail, "code", None) or exc.default_code
        errors = [{"field": None, "code": code, "message": detail}]
    response.data = {
        "status": response.status_code,
        "code": code,
        "detail": detail,
        "errors": errors,
    }
    shortfalls = getattr(exc, "shortfalls", None)
    if shortfalls is not None:
        response.data["errors"] = [
            {"field": "competencies", "code": s["code"], "message": s["message"]}
            for s in shortfalls
        ]
        response.data["shortfalls"] = shortfalls
    return response
