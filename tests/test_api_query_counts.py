"""Every list and detail endpoint runs a fixed number of SQL queries, whatever the size.

Each test builds a small and a larger bank and pins the same count for both.
"""

import pytest

from tests.factories import (
    CompetencyFactory,
    CompetencyRubricLevelFactory,
    QuestionFactory,
    RoleCompetencyFactory,
    RoleFactory,
)

pytestmark = pytest.mark.django_db


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
    # token+user, count, questions with competency, rubric levels, default rubric levels, roles
    with django_assert_num_queries(6):
        response = api.get("/api/v1/questions/", {"page_size": 200})
    assert response.json()["count"] == len(bank) * 2


def test_question_list_filtered_by_role_and_competencies(api, bank, django_assert_num_queries):
    slugs = ",".join(c.slug for c in bank)
    role = f"role-{len(bank)}-0"
    # token+user, role look-up, competency look-up, then as the plain list
    with django_assert_num_queries(8):
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
