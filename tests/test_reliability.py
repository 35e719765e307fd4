"""Failure behaviour: health endpoint, 503 without a database, JSON errors under /api/."""

import pytest
from django.core.cache import cache
from django.db import OperationalError, connection

from tests.factories import RoleFactory

pytestmark = pytest.mark.django_db


def lose_the_database(monkeypatch):
    def unavailable(*args, **kwargs):
        raise OperationalError("could not connect to server: Connection refused")

    monkeypatch.setattr(connection, "cursor", unavailable)


def test_healthz_reports_database_and_cache(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "cache": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_healthz_is_503_naming_the_database_when_it_is_down(client, monkeypatch):
    lose_the_database(monkeypatch)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "unavailable", "cache": "ok"}


def test_healthz_is_503_naming_the_cache_when_it_is_down(client, monkeypatch):
    def broken(*args, **kwargs):
        raise ConnectionError("redis: connection refused")

    monkeypatch.setattr(cache, "set", broken)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["cache"] == "unavailable"


def test_the_api_answers_503_with_a_clear_body_without_its_database(api, monkeypatch):
    RoleFactory(slug="agent")
    lose_the_database(monkeypatch)
    response = api.get("/api/v1/roles/agent/")
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    body = response.json()
    assert body["code"] == "service_unavailable"
    assert "database is unavailable" in body["detail"]
    assert "Traceback" not in response.content.decode()


def test_the_admin_answers_503_without_its_database(admin_client, monkeypatch):
    lose_the_database(monkeypatch)
    response = admin_client.get("/admin/questionbank/question/")
    assert response.status_code == 503
    assert b"database is unavailable" in response.content


def test_an_unknown_api_url_is_a_json_404(api):
    response = api.get("/api/v1/nothing/here/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["detail"] == "No such endpoint or object: /api/v1/nothing/here/"


def test_an_unknown_page_outside_the_api_stays_html(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_an_unknown_format_is_a_400_naming_the_formats(api):
    RoleFactory(slug="agent")
    response = api.get("/api/v1/roles/agent/", {"format": "xml"})
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {
            "field": "format",
            "code": "invalid_choice",
            "message": "Unknown format 'xml'. Choose from: json.",
        }
    ]


def test_a_method_the_endpoint_lacks_is_405_whatever_its_parameters(api):
    response = api.generic("TRACE", "/api/v1/questions/?level=entry&bogus=1")
    assert response.status_code == 405


def test_an_empty_filter_value_is_a_400(api):
    response = api.get("/api/v1/kits/", {"created_before": ""})
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "created_before"
