"""A cap on API request bodies: an over-long body is a 413 before anything reads it.

Django's DATA_UPLOAD_MAX_MEMORY_SIZE guards `request.body`, but the REST
framework reads the stream itself, so the API needs its own check. The
largest legitimate body (a question with five rubric levels at their longest
texts) is well under 100 KB; the default limit is 1 MiB (API_MAX_BODY_BYTES).
Bodies without a Content-Length are read as empty by Django's WSGI handler.
"""

from django.conf import settings
from django.http import JsonResponse

from .api.errors import error_body, is_api


class APIBodySizeLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if is_api(request):
            limit = settings.API_MAX_BODY_BYTES
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                detail = "The Content-Length header is not a number."
                return JsonResponse(error_body(400, "invalid", detail), status=400)
            if length > limit:
                detail = f"The request body is {length:,} bytes; the limit is {limit:,} bytes."
                return JsonResponse(error_body(413, "too_large", detail), status=413)
        return self.get_response(request)
