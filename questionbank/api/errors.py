"""One error body for every 4xx the API returns.

    {"status": 400, "code": "invalid", "detail": "competency: Unknown competency 'x'.",
     "errors": [{"field": "competency", "code": "does_not_exist", "message": "..."}]}

`field` is the request field or query parameter at fault, dotted for nested
input (`rubric_levels.2.score`), and null when the error concerns the whole
request (authentication, permissions, throttling).
"""

import sys

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db import InterfaceError, OperationalError
from django.http import Http404, JsonResponse
from django.views import defaults
from rest_framework import exceptions
from rest_framework.exceptions import ErrorDetail, ValidationError
from rest_framework.views import exception_handler as drf_exception_handler

from .renderers import JSONRenderer


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


def error_body(status: int, code: str, detail: str) -> dict:
    return {
        "status": status,
        "code": code,
        "detail": detail,
        "errors": [{"field": None, "code": code, "message": detail}],
    }


def is_api(request) -> bool:
    return request.path.startswith("/api/")


def not_found(request, exception):
    """404 for URLs no route matches: the API's error body under /api/, HTML elsewhere."""
    if is_api(request):
        detail = f"No such endpoint or object: {request.path}"
        return JsonResponse(error_body(404, "not_found", detail), status=404)
    return defaults.page_not_found(request, exception)


def server_error(request):
    """The last resort: no stack trace, JSON under /api/, and 503 when the database is down."""
    from questionbank.health import database_unavailable_response

    if isinstance(sys.exc_info()[1], (OperationalError, InterfaceError)):
        return database_unavailable_response(request)
    if is_api(request):
        detail = "The server failed to handle the request; it has been logged."
        return JsonResponse(error_body(500, "server_error", detail), status=500)
    return defaults.server_error(request)
