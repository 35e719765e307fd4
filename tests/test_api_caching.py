"""Clients revalidate with ETag / Last-Modified and get 304 when nothing changed."""

import pytest
from django.utils import timezone
from django.utils.http import http_date

from questionbank.models import Question
from tests.factories import QuestionFactory, RoleFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "url", ["/api/v1/questions/", "/api/v1/questions/q1/", "/api/v1/roles/", "/api/v1/roles/r/"]
)
def test_a_matching_etag_gets_304(api, url):
    QuestionFactory(code="q1")
    RoleFactory(slug="r")
    first = api.get(url)
    assert first.status_code == 200
    etag = first["ETag"]
    second = api.get(url, HTTP_IF_NONE_MATCH=etag)
    assert second.status_code == 304
    assert second.content == b""


def test_the_etag_changes_when_the_question_changes(api):
    question = QuestionFactory(code="q1")
    etag = api.get("/api/v1/questions/q1/")["ETag"]
    question.text_en = "Reworded."
    question.save()
    response = api.get("/api/v1/questions/q1/", HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200
    assert response.json()["text"] == "Reworded."
    assert response["ETag"] != etag


def test_each_language_has_its_own_etag(api):
    QuestionFactory(code="q1", text_nl="Vraag")
    english = api.get("/api/v1/questions/q1/")
    dutch = api.get("/api/v1/questions/q1/", {"lang": "nl"}, HTTP_IF_NONE_MATCH=english["ETag"])
    assert dutch.status_code == 200
    assert dutch["ETag"] != english["ETag"]
    assert "Accept-Language" in english["Vary"]


def test_question_detail_has_last_modified_and_honours_if_modified_since(api):
    question = QuestionFactory(code="q1")
    response = api.get("/api/v1/questions/q1/")
    assert response["Last-Modified"] == http_date(question.updated_at.timestamp())
    later = http_date(timezone.now().timestamp() + 60)
    assert api.get("/api/v1/questions/q1/", HTTP_IF_MODIFIED_SINCE=later).status_code == 304
    Question.objects.filter(pk=question.pk).update(
        updated_at=timezone.now() + timezone.timedelta(minutes=5)
    )
    assert api.get("/api/v1/questions/q1/", HTTP_IF_MODIFIED_SINCE=later).status_code == 200
