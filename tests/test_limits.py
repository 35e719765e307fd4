"""Input limits: an over-limit request is a 400 or 413 naming the limit, and changes nothing."""

import json

import pytest

from questionbank import kits
from questionbank.models import Kit, Question
from tests.factories import CompetencyFactory, QuestionFactory, RoleCompetencyFactory, RoleFactory
from tests.test_api_write import new_question

pytestmark = pytest.mark.django_db


@pytest.fixture
def empathy():
    return CompetencyFactory(slug="empathy")


def test_an_over_long_body_is_a_413_before_it_is_read(recruiter_api, empathy, settings):
    settings.API_MAX_BODY_BYTES = 10_000
    body = json.dumps(new_question(guidance="x" * 20_000))
    response = recruiter_api.post("/api/v1/questions/", body, content_type="application/json")
    assert response.status_code == 413
    assert response.json()["code"] == "too_large"
    assert "the limit is 10,000 bytes" in response.json()["detail"]
    assert not Question.objects.exists()


def test_the_default_body_limit_is_one_mebibyte(recruiter_api, empathy):
    body = json.dumps(new_question(guidance="x" * (1024 * 1024)))
    response = recruiter_api.post("/api/v1/questions/", body, content_type="application/json")
    assert response.status_code == 413


def test_a_body_within_the_limit_is_parsed_as_usual(recruiter_api, empathy):
    response = recruiter_api.post("/api/v1/questions/", new_question(), format="json")
    assert response.status_code == 201


@pytest.mark.parametrize(
    "field,value,message",
    [
        ("text", "x" * 2001, "Ensure this field has no more than 2000 characters."),
        ("probes", ["x"] * 11, "Ensure this field has no more than 10 elements."),
        ("probes", ["x" * 501], "Ensure this field has no more than 500 characters."),
        ("expected_minutes", 500, "Ensure this value is less than or equal to 60."),
    ],
)
def test_text_and_list_caps_name_the_field(recruiter_api, empathy, field, value, message):
    response = recruiter_api.post(
        "/api/v1/questions/", new_question(**{field: value}), format="json"
    )
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert any(e["field"].startswith(field) and e["message"] == message for e in errors), errors
    assert not Question.objects.exists()


@pytest.fixture
def agent(empathy):
    role = RoleFactory(slug="agent")
    RoleCompetencyFactory(role=role, competency=empathy)
    QuestionFactory.create_batch(5, competency=empathy)
    return role


@pytest.mark.parametrize(
    "field,value,code,message",
    [
        (
            "questions_per_competency",
            1000,
            "max_value",
            "Ensure this value is less than or equal to 10.",
        ),
        (
            "time_budget_minutes",
            10_000,
            "max_value",
            "Ensure this value is less than or equal to 240.",
        ),
        ("competencies", [f"c{i}" for i in range(21)], "invalid", "At most 20 competencies."),
        ("exclude_kits", "21 kits", "invalid", "At most 20 kits can be excluded."),
    ],
)
def test_kit_size_caps(interviewer_api, agent, field, value, code, message):
    for i in range(21):
        CompetencyFactory(slug=f"c{i}")
    if value == "21 kits":
        value = [
            str(kits.store_kit(kits.assemble_kit(role=agent, stage="final")).pk) for _ in range(21)
        ]
    before = Kit.objects.count()
    body = {"role": "agent", "stage": "final", field: value}
    response = interviewer_api.post("/api/v1/kits/", body, format="json")
    assert response.status_code == 400
    assert response.json()["errors"] == [{"field": field, "code": code, "message": message}]
    assert Kit.objects.count() == before


def test_the_kit_preview_caps_competencies_too(api, agent):
    slugs = ",".join(f"c{i}" for i in range(21))
    response = api.get(
        "/api/v1/roles/agent/kit-preview/", {"stage": "final", "competencies": slugs}
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["message"] == "At most 20 competencies."


def test_page_size_is_capped(api):
    response = api.get("/api/v1/questions/", {"page_size": 201})
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "page_size"
