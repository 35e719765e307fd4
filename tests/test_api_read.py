"""Reading roles, competencies and questions: payloads, filters, pagination, languages."""

import pytest

from questionbank.models import Question
from tests.factories import (
    CompetencyFactory,
    CompetencyRubricLevelFactory,
    QuestionFactory,
    RoleCompetencyFactory,
    RoleFactory,
)

pytestmark = pytest.mark.django_db


def codes(response):
    assert response.status_code == 200, response.content
    return [q["code"] for q in response.json()["results"]]


def test_role_detail_lists_competencies_by_weight(api):
    role = RoleFactory(slug="team-leader", title_en="Team leader", level="mid")
    RoleCompetencyFactory(role=role, competency=CompetencyFactory(slug="kpis"), weight=4)
    RoleCompetencyFactory(
        role=role, competency=CompetencyFactory(slug="coaching"), weight=5, essential=True
    )
    response = api.get("/api/v1/roles/team-leader/")
    assert response.status_code == 200
    body = response.json()
    assert body["slug"] == "team-leader"
    assert body["title"] == "Team leader"
    assert body["level"] == "mid"
    assert [(c["slug"], c["weight"], c["essential"]) for c in body["competencies"]] == [
        ("coaching", 5, True),
        ("kpis", 4, False),
    ]


def test_role_competencies_are_named_in_the_language_with_fallback(api):
    # Regression: the competency names inside a role were empty in English and
    # a 500 in any other language (a dotted serializer source).
    role = RoleFactory(slug="agent")
    RoleCompetencyFactory(
        role=role, competency=CompetencyFactory(name_en="Empathy", name_de="Empathie"), weight=5
    )
    RoleCompetencyFactory(
        role=role, competency=CompetencyFactory(name_en="Teamwork", name_de=""), weight=4
    )
    english = api.get("/api/v1/roles/agent/").json()["competencies"]
    assert [c["name"] for c in english] == ["Empathy", "Teamwork"]
    german = api.get("/api/v1/roles/", {"lang": "de"})
    assert german.status_code == 200
    competencies = german.json()["results"][0]["competencies"]
    assert [(c["name"], c["fallbacks"]) for c in competencies] == [
        ("Empathie", []),
        ("Teamwork", ["name"]),
    ]


def test_role_list_is_paginated(api):
    RoleFactory.create_batch(3)
    body = api.get("/api/v1/roles/", {"page_size": 2}).json()
    assert body["count"] == 3
    assert len(body["results"]) == 2
    assert body["next"].endswith("page=2&page_size=2")


def test_unknown_slugs_are_404(api):
    for url in ["/api/v1/roles/nope/", "/api/v1/competencies/nope/", "/api/v1/questions/nope/"]:
        response = api.get(url)
        assert response.status_code == 404
        assert response.json()["status"] == 404


def test_competency_detail_has_its_default_rubric(api):
    competency = CompetencyFactory(slug="empathy", name_en="Empathy", name_nl="Empathie")
    for score in (1, 2, 3, 4, 5):
        CompetencyRubricLevelFactory(competency=competency, score=score)
    body = api.get("/api/v1/competencies/empathy/", {"lang": "nl"}).json()
    assert body["name"] == "Empathie"
    assert [level["score"] for level in body["default_rubric"]] == [1, 2, 3, 4, 5]
    assert body["default_rubric"][0]["fallbacks"] == ["label", "anchor"]
    assert body["fallbacks"] == ["description"]


def test_question_payload(api):
    question = QuestionFactory(
        code="empathy-01",
        competency=CompetencyFactory(slug="empathy", name_en="Empathy"),
        type="situational",
        for_entry=True,
        for_mid=True,
        expected_minutes=6,
        text_en="What would you do?",
        probes_en="First?\nThen?",
        guidance_en="Listen for care.",
    )
    question.roles.add(RoleFactory(slug="inbound"))
    body = api.get("/api/v1/questions/empathy-01/").json()
    assert body["code"] == "empathy-01"
    assert body["competency"] == {
        "slug": "empathy",
        "name": "Empathy",
        "category": "interpersonal",
        "fallbacks": [],
    }
    assert body["type"] == "situational"
    assert body["levels"] == ["entry", "mid"]
    assert body["roles"] == ["inbound"]
    assert body["expected_minutes"] == 6
    assert body["text"] == "What would you do?"
    assert body["probes"] == ["First?", "Then?"]
    assert body["guidance"] == "Listen for care."
    assert body["rubric"]["source"] == "question"
    assert [level["score"] for level in body["rubric"]["levels"]] == [1, 2, 3, 4, 5]
    assert body["rubric"]["levels"][2]["anchor"] == "What a 3 answer sounds like."


def test_a_question_without_rubric_shows_its_competency_default(api):
    competency = CompetencyFactory()
    CompetencyRubricLevelFactory(competency=competency, score=1, anchor_en="Default 1")
    QuestionFactory(code="no-rubric", competency=competency, rubric=False)
    rubric = api.get("/api/v1/questions/no-rubric/").json()["rubric"]
    assert rubric["source"] == "competency"
    assert rubric["levels"][0]["anchor"] == "Default 1"


class TestLanguage:
    def test_lang_parameter_picks_the_language_and_lists_fallbacks(self, api):
        QuestionFactory(code="q", text_en="Hello", text_de="Hallo", guidance_en="Listen")
        response = api.get("/api/v1/questions/q/", {"lang": "de"})
        body = response.json()
        assert response["Content-Language"] == "de"
        assert body["text"] == "Hallo"
        assert body["guidance"] == "Listen"
        assert body["fallbacks"] == ["probes", "guidance"]

    def test_accept_language_header_is_negotiated(self, api):
        QuestionFactory(code="q", text_en="Hello", text_nl="Hallo daar")
        body = api.get("/api/v1/questions/q/", HTTP_ACCEPT_LANGUAGE="fr;q=1, nl-BE;q=0.8").json()
        assert body["text"] == "Hallo daar"

    def test_lang_parameter_wins_over_the_header(self, api):
        QuestionFactory(code="q", text_en="Hello", text_nl="Hallo daar")
        body = api.get("/api/v1/questions/q/?lang=en", HTTP_ACCEPT_LANGUAGE="nl").json()
        assert body["text"] == "Hello"
        assert body["fallbacks"] == []

    def test_an_unsupported_language_is_a_400_listing_the_supported_ones(self, api):
        response = api.get("/api/v1/questions/", {"lang": "fr"})
        assert response.status_code == 400
        assert response.json()["errors"] == [
            {
                "field": "lang",
                "code": "unsupported_language",
                "message": "Unsupported language 'fr'. Supported languages: en, nl, de, it.",
            }
        ]

    def test_an_unsupported_accept_language_falls_back_to_english(self, api):
        QuestionFactory(code="q", text_en="Hello", text_nl="Hallo daar")
        response = api.get("/api/v1/questions/q/", HTTP_ACCEPT_LANGUAGE="fr")
        assert response.json()["text"] == "Hello"
        assert response["Content-Language"] == "en"


class TestQuestionFilters:
    def test_by_competency_one_or_several(self, api):
        a, b, c = (CompetencyFactory(slug=s) for s in ["a", "b", "c"])
        QuestionFactory(code="qa", competency=a)
        QuestionFactory(code="qb", competency=b)
        QuestionFactory(code="qc", competency=c)
        assert codes(api.get("/api/v1/questions/", {"competency": "a"})) == ["qa"]
        assert codes(api.get("/api/v1/questions/", {"competency": "a,c"})) == ["qa", "qc"]
        assert codes(api.get("/api/v1/questions/?competency=b&competency=c")) == ["qb", "qc"]

    def test_an_unknown_competency_is_a_400_naming_it(self, api):
        CompetencyFactory(slug="empathy")
        response = api.get("/api/v1/questions/", {"competency": "empathy,empaty"})
        assert response.status_code == 400
        assert response.json()["errors"][0]["field"] == "competency"
        assert "empaty" in response.json()["errors"][0]["message"]

    def test_by_role_uses_its_level_and_role_restrictions(self, api):
        agent = RoleFactory(slug="agent", level="entry")
        other = RoleFactory(slug="other", level="entry")
        QuestionFactory(code="entry-any", for_entry=True)
        QuestionFactory(code="mid-any", for_entry=False, for_mid=True)
        QuestionFactory(code="entry-other").roles.add(other)
        QuestionFactory(code="entry-agent").roles.add(agent)
        assert sorted(codes(api.get("/api/v1/questions/", {"role": "agent"}))) == [
            "entry-agent",
            "entry-any",
        ]

    def test_an_unknown_role_is_a_400(self, api):
        response = api.get("/api/v1/questions/", {"role": "astronaut"})
        assert response.status_code == 400
        assert response.json()["errors"][0]["field"] == "role"

    def test_by_level(self, api):
        QuestionFactory(code="e", for_entry=True)
        QuestionFactory(code="s", for_entry=False, for_senior=True)
        assert codes(api.get("/api/v1/questions/", {"level": "senior"})) == ["s"]

    def test_by_type_one_or_several(self, api):
        QuestionFactory(code="b", type="behavioural")
        QuestionFactory(code="k", type="knowledge")
        QuestionFactory(code="m", type="motivational")
        assert codes(api.get("/api/v1/questions/", {"type": "knowledge"})) == ["k"]
        assert codes(api.get("/api/v1/questions/?type=knowledge&type=behavioural")) == ["b", "k"]

    def test_by_status(self, api):
        QuestionFactory(code="a", status=Question.Status.ACTIVE)
        QuestionFactory(code="r", status=Question.Status.RETIRED)
        assert codes(api.get("/api/v1/questions/", {"status": "retired"})) == ["r"]

    def test_search_covers_every_language(self, api):
        QuestionFactory(code="hit", text_it="Un cliente arrabbiato")
        QuestionFactory(code="miss", text_en="Something else")
        assert codes(api.get("/api/v1/questions/", {"search": "ARRABBIATO"})) == ["hit"]

    @pytest.mark.parametrize(
        ("param", "value"),
        [("level", "junior"), ("type", "essay"), ("status", "gone"), ("ordering", "text")],
    )
    def test_bad_values_are_a_400_naming_the_parameter(self, api, param, value):
        response = api.get("/api/v1/questions/", {param: value})
        assert response.status_code == 400
        assert response.json()["errors"][0]["field"] == param

    def test_an_unknown_parameter_is_a_400(self, api):
        response = api.get("/api/v1/questions/", {"levle": "mid"})
        assert response.status_code == 400
        assert response.json()["errors"][0]["field"] == "levle"

    def test_ordering_is_stable_and_reversible(self, api):
        QuestionFactory(code="q1", expected_minutes=3)
        QuestionFactory(code="q2", expected_minutes=3)
        QuestionFactory(code="q3", expected_minutes=8)
        assert codes(api.get("/api/v1/questions/", {"ordering": "expected_minutes"})) == [
            "q1",
            "q2",
            "q3",
        ]
        assert codes(api.get("/api/v1/questions/", {"ordering": "-expected_minutes"})) == [
            "q3",
            "q1",
            "q2",
        ]


class TestPagination:
    def test_pages_do_not_overlap_and_cover_everything(self, api):
        competency = CompetencyFactory()
        QuestionFactory.create_batch(5, competency=competency, rubric=False)
        first = api.get("/api/v1/questions/", {"page_size": 2}).json()
        second = api.get("/api/v1/questions/", {"page_size": 2, "page": 2}).json()
        third = api.get("/api/v1/questions/", {"page_size": 2, "page": 3}).json()
        seen = [q["code"] for page in (first, second, third) for q in page["results"]]
        assert first["count"] == 5
        assert sorted(seen) == sorted(Question.objects.values_list("code", flat=True))
        assert third["next"] is None

    @pytest.mark.parametrize(
        ("param", "value"),
        [
            ("page_size", "201"),
            ("page_size", "0"),
            ("page_size", "x"),
            ("page", "0"),
            ("page", "x"),
        ],
    )
    def test_bad_paging_is_a_400(self, api, param, value):
        response = api.get("/api/v1/questions/", {param: value})
        assert response.status_code == 400
        assert response.json()["errors"][0]["field"] == param

    def test_a_page_past_the_end_is_a_404(self, api):
        QuestionFactory()
        assert api.get("/api/v1/questions/", {"page": 9}).status_code == 404
