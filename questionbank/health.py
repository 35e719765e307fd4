"""Health and failure behaviour: /healthz, and 503 when the database is unreachable."""

import logging
import uuid

from django.core.cache import cache
from django.db import DatabaseError, InterfaceError, OperationalError, connection
from django.http import HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache

from .api.errors import error_body, is_api

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 30


def check_database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        logger.error("Health check: database unavailable: %s", exc)
        return "unavailable"
    return "ok"


def check_cache() -> str:
    key = f"healthz:{uuid.uuid4().hex}"
    try:
        cache.set(key, "1", 10)
        ok = cache.get(key) == "1"
        cache.delete(key)
    except Exception as exc:  # any backend error means the cache is down
        logger.error("Health check: cache unavailable: %s", exc)
        return "unavailable"
    return "ok" if ok else "unavailable"


@never_cache
def healthz(request):
    """For load balancers and monitoring: no authentication, nothing confidential."""
    checks = {"database": check_database(), "cache": check_cache()}
    healthy = all(state == "ok" for state in checks.values())
    body = {"status": "ok" if healthy else "unavailable", **checks}
    return JsonResponse(body, status=200 if healthy else 503)


class DatabaseUnavailableMiddleware:
    """A lost database connection is a 503 with a clear body, never a stack trace."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, (OperationalError, InterfaceError)):
            return None
        logger.error("Database unavailable while serving %s: %s", request.path, exception)
        return database_unavailable_response(request)


def database_unavailable_response(request):
    detail = "The database is unavailable; please try again shortly."
    if is_api(request):
        response = JsonResponse(error_body(503, "service_unavailable", detail), status=503)
    else:
        response = HttpResponse(detail, status=503, content_type="text/plain; charset=utf-8")
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
