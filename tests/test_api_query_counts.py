"""Every list and detail endpoint runs a fixed number of SQL queries, whatever the size.

Each test builds a small and a larger bank and pins the same count for both.
"""

import pytest
from django.core.cache import cache
from django.db import connection

from questionbank import bank_cache
from tests.factories import (
    CompetencyFactory,
    CompetencyRubricLevelFactory,
    QuestionFactory,
    RoleCompetencyFactory,
    RoleFactory,
)

pytestmark = pytest.mark.django_db

# A new kit, its question links and its audit record: one INSERT on PostgreSQL, three on SQLite.
STORE = 1 if connection.vendor == "postgresql" else 3


def build_bank(size: int):
    competencies = CompetencyFactory.create_batch(size)
    for competency in competencies:
        for score in range(1, 6):
            CompetencyRubricLevelFactory(competency=competency, score=score)
    for i in range(size):
        role = RoleFactory(slug=f"role-{size}-{i}")
        for competency in competencies:
            RoleCompetencyFactory(role=role, competency=competency)
    for i, competency in enumerate(competencies * 2):
        # Half the questions have their own rubric, half fall back to the default.
        question = QuestionFactory(competency=competency, rubric=i % 2 == 0)
        if i % 3 == 0:
            question.roles.add(RoleFactory())
    return competencies


@pytest.fixture(params=[2, 8], ids=["small-bank", "larger-bank"])
def bank(request):
    return build_bank(request.param)


def test_question_list(api, bank, django_assert_num_queries):
    # token+user, count, the page's ids, its questions with competency, rubric levels,
    # default rubric levels, roles
    with django_assert_num_queries(7):
        response = api.get("/api/v1/questions/", {"page_size": 200})
    assert response.json()["count"] == len(bank) * 2


def test_question_list_filtered_by_role_and_competencies(api, bank, django_assert_num_queries):
    slugs = ",".join(c.slug for c in bank)
    role = f"role-{len(bank)}-0"
    # token+user, role look-up, competency look-up, then as the plain list
    with django_assert_num_queries(9):
        response = api.get("/api/v1/questions/", {"competency": slugs, "role": role})
    assert response.json()["count"] > 0


def test_question_detail(api, bank, django_assert_num_queries):
    code = QuestionFactory(competency=bank[0]).code
    # token+user, question with competency, rubric levels, default rubric levels, roles
    with django_assert_num_queries(5):
        assert api.get(f"/api/v1/questions/{code}/").status_code == 200


def test_role_list(api, bank, django_assert_num_queries):
    # token+user, count, roles, role competencies with their competency
    with django_assert_num_queries(4):
        assert api.get("/api/v1/roles/", {"page_size": 200}).status_code == 200


def test_role_detail(api, bank, django_assert_num_queries):
    slug = RoleFactory().slug
    # token+user, role, role competencies with their competency
    with django_assert_num_queries(3):
        assert api.get(f"/api/v1/roles/{slug}/").status_code == 200


def test_competency_list(api, bank, django_assert_num_queries):
    # token+user, count, competencies, default rubric levels
    with django_assert_num_queries(4):
        assert api.get("/api/v1/competencies/", {"page_size": 200}).status_code == 200


def test_competency_detail(api, bank, django_assert_num_queries):
    # token+user, competency, default rubric levels
    with django_assert_num_queries(3):
        assert api.get(f"/api/v1/competencies/{bank[0].slug}/").status_code == 200


@pytest.fixture(params=[(2, 3), (6, 12)], ids=["small-kit", "large-kit"])
def kit_bank(request):
    """A role with `competencies` competencies of `per_competency` questions each."""
    competencies, per_competency = request.param
    role = RoleFactory(slug="agent", level="entry")
    for weight in range(competencies):
        competency = CompetencyFactory()
        RoleCompetencyFactory(role=role, competency=competency, weight=1 + weight % 5)
        for score in range(1, 6):
            CompetencyRubricLevelFactory(competency=competency, score=score)
        for i in range(per_competency):
            QuestionFactory(competency=competency, rubric=i % 2 == 0)
    return competencies


def test_kit_creation_with_a_cold_bank_cache(interviewer_api, kit_bank, django_assert_num_queries):
    previous = interviewer_api.post(
        "/api/v1/kits/", {"role": "agent", "stage": "final"}, format="json"
    ).json()["id"]
    payload = {
        "role": "agent",
        "stage": "final",
        "time_budget_minutes": 240,
        "questions_per_competency": 3,
        "exclude_kits": [previous],
    }
    bank_cache.forget()  # as in a process that has not assembled a kit since the last change
    # (the token and the user's permissions are remembered from the first request), the
    # bank's version token, role, exclude_kits look-up, template (none
    # here; its competencies are a second query), role competencies, excluded kits'
    # questions, the decks of every competency (questions, role restrictions), the chosen
    # questions with their rubric levels, default rubric levels, then savepoint, the kit, its
    # question links and its audit record (STORE), release (the savepoint pair is the
    # transaction, uncounted outside tests)
    with django_assert_num_queries(12 + STORE):
        response = interviewer_api.post("/api/v1/kits/", payload, format="json")
    assert response.status_code == 201
    assert len(response.json()["sections"]) == kit_bank


def test_kit_creation_with_a_warm_bank_cache(interviewer_api, kit_bank, django_assert_num_queries):
    payload = {"role": "agent", "stage": "final", "time_budget_minutes": 240, "seed": 5}
    first = interviewer_api.post("/api/v1/kits/", payload, format="json").json()
    # the bank's version token, then savepoint, the kit with its links and audit record
    # (STORE), release: nothing else is read while the bank and the user's permissions are
    # unchanged. (Outside a transaction, as in production, PostgreSQL needs neither the token
    # nor the savepoints: one statement in all, pinned in test_postgresql.py.)
    with django_assert_num_queries(3 + STORE):
        response = interviewer_api.post("/api/v1/kits/", payload, format="json")
    assert response.status_code == 201
    again = response.json()
    assert again["id"] != first["id"]
    assert again["sections"] == first["sections"]
    assert len(again["sections"]) == kit_bank


def test_kit_retrieval(api, interviewer_api, kit_bank, django_assert_num_queries):
    kit_id = interviewer_api.post(
        "/api/v1/kits/",
        {"role": "agent", "stage": "final", "time_budget_minutes": 240},
        format="json",
    ).json()["id"]
    cache.clear()  # as on a server that did not create the kit
    # token+user, the kit with its role and creator
    with django_assert_num_queries(2):
        assert api.get(f"/api/v1/kits/{kit_id}/").status_code == 200


def test_a_kit_just_created_is_served_from_the_cache(
    api, interviewer_api, kit_bank, django_assert_num_queries
):
    created = interviewer_api.post(
        "/api/v1/kits/", {"role": "agent", "stage": "final"}, format="json"
    )
    api.get("/api/v1/roles/")  # remember the reader's token
    with django_assert_num_queries(0):
        fetched = api.get(f"/api/v1/kits/{created.json()['id']}/")
    assert fetched.content == created.content
    assert fetched["ETag"] == created["ETag"]


def test_kit_list(api, interviewer_api, kit_bank, django_assert_num_queries):
    for _ in range(kit_bank):
        interviewer_api.post("/api/v1/kits/", {"role": "agent", "stage": "final"}, format="json")
    # token+user, count, kits with their role and creator
    with django_assert_num_queries(3):
        assert api.get("/api/v1/kits/").json()["count"] == kit_bank


def test_kit_preview(api, kit_bank, django_assert_num_queries):
    bank_cache.forget()
    # token+user, role, the bank's version token, template (none here), role competencies,
    # the decks (questions, role restrictions), the chosen questions with their rubric
    # levels, default rubric levels
    with django_assert_num_queries(9):
        response = api.get("/api/v1/roles/agent/kit-preview/", {"stage": "final"})
    assert len(response.json()["sections"]) == kit_bank


def test_a_stored_kit_is_served_from_the_cache_after_the_first_fetch(
    api, interviewer_api, kit_bank, django_assert_num_queries
):
    kit_id = interviewer_api.post(
        "/api/v1/kits/", {"role": "agent", "stage": "final"}, format="json"
    ).json()["id"]
    cache.clear()
    first = api.get(f"/api/v1/kits/{kit_id}/")
    # none: the token is remembered and the kit's JSON comes from the cache
    with django_assert_num_queries(0):
        second = api.get(f"/api/v1/kits/{kit_id}/")
    assert second.content == first.content
    assert second["ETag"] == f'"kit-{kit_id}"'
    with django_assert_num_queries(1):  # the kit: the PDF is rendered once
        pdf = api.get(f"/api/v1/kits/{kit_id}/", {"format": "pdf"})
    with django_assert_num_queries(0):
        again = api.get(f"/api/v1/kits/{kit_id}/", {"format": "pdf"})
    assert again.content == pdf.content
    assert pdf.content.startswith(b"%PDF-")
