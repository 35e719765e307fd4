"""Creating, updating, translating and retiring questions over the API."""

import pytest

from questionbank.models import Question
from tests.factories import CompetencyFactory, QuestionFactory, RoleFactory

pytestmark = pytest.mark.django_db

RUBRIC = [
    {"score": s, "label": label, "anchor": f"A {s} answer."}
    for s, label in enumerate(["Poor", "Weak", "Competent", "Strong", "Outstanding"], 1)
]


@pytest.fixture
def empathy():
    return CompetencyFactory(slug="empathy", name_en="Empathy")


def new_question(**changes):
    payload = {
        "code": "empathy-42",
        "competency": "empathy",
        "type": "behavioural",
        "levels": ["entry", "mid"],
        "expected_minutes": 5,
        "text": "Tell me about an upset customer.",
        "probes": ["What did you say first?", "How did it end?"],
        "guidance": "Listen for the feeling before the facts.",
        "rubric_levels": RUBRIC,
    }
    payload.update(changes)
    return payload


def test_create_returns_201_with_location_and_the_question(recruiter_api, empathy):
    RoleFactory(slug="inbound")
    response = recruiter_api.post(
        "/api/v1/questions/", new_question(roles=["inbound"]), format="json"
    )
    assert response.status_code == 201, response.json()
    assert response["Location"].endswith("/api/v1/questions/empathy-42/")
    body = response.json()
    assert body["code"] == "empathy-42"
    assert body["status"] == "draft"
    assert body["levels"] == ["entry", "mid"]
    assert body["roles"] == ["inbound"]
    assert body["probes"] == ["What did you say first?", "How did it end?"]
    assert body["rubric"]["source"] == "question"
    assert [level["label"] for level in body["rubric"]["levels"]] == [
        "Poor",
        "Weak",
        "Competent",
        "Strong",
        "Outstanding",
    ]
    question = Question.objects.get(code="empathy-42")
    assert question.text_en == "Tell me about an upset customer."
    assert question.probes_en == "What did you say first?\nHow did it end?"


def test_create_without_rubric_uses_the_competency_default(recruiter_api, empathy):
    payload = new_question()
    del payload["rubric_levels"]
    response = recruiter_api.post("/api/v1/questions/", payload, format="json")
    assert response.status_code == 201
    assert response.json()["rubric"]["source"] == "competency"


def test_adding_a_dutch_translation_with_patch(recruiter_api, empathy):
    recruiter_api.post("/api/v1/questions/", new_question(), format="json")
    response = recruiter_api.patch(
        "/api/v1/questions/empathy-42/?lang=nl",
        {
            "text": "Vertel over een boze klant.",
            "rubric_levels": [{"score": 3, "label": "Voldoende", "anchor": "Een 3-antwoord."}],
        },
        format="json",
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["text"] == "Vertel over een boze klant."
    assert body["fallbacks"] == ["probes", "guidance"]
    assert body["rubric"]["levels"][2]["anchor"] == "Een 3-antwoord."
    question = Question.objects.get(code="empathy-42")
    assert question.text_en == "Tell me about an upset customer."
    assert question.rubric_levels.get(score=3).anchor_en == "A 3 answer."


def test_put_replaces_the_fields(recruiter_api, empathy):
    recruiter_api.post("/api/v1/questions/", new_question(), format="json")
    response = recruiter_api.put(
        "/api/v1/questions/empathy-42/",
        new_question(type="situational", levels=["senior"], status="active"),
        format="json",
    )
    assert response.status_code == 200
    question = Question.objects.get(code="empathy-42")
    assert (question.type, question.levels, question.status) == (
        "situational",
        ["senior"],
        "active",
    )


def test_retire_keeps_the_question(recruiter_api):
    QuestionFactory(code="old-one")
    response = recruiter_api.post("/api/v1/questions/old-one/retire/")
    assert response.status_code == 200
    assert response.json()["status"] == "retired"
    assert Question.objects.get(code="old-one").status == "retired"


def test_delete_is_not_offered(recruiter_api):
    QuestionFactory(code="old-one")
    assert recruiter_api.delete("/api/v1/questions/old-one/").status_code == 405
    assert Question.objects.filter(code="old-one").exists()


class TestValidation:
    def post(self, client, payload):
        response = client.post("/api/v1/questions/", payload, format="json")
        assert response.status_code == 400, response.content
        assert not Question.objects.filter(code=payload.get("code", "")).exists()
        return {e["field"] for e in response.json()["errors"]}

    def test_each_bad_field_is_named(self, recruiter_api, empathy):
        fields = self.post(
            recruiter_api,
            new_question(
                competency="empaty",
                type="essay",
                levels=["junior"],
                expected_minutes=0,
                text="",
                code="not a slug",
            ),
        )
        assert fields == {"competency", "type", "levels", "expected_minutes", "text", "code"}

    def test_missing_required_fields(self, recruiter_api, empathy):
        assert self.post(recruiter_api, {}) == {
            "code",
            "competency",
            "type",
            "levels",
            "expected_minutes",
            "text",
        }

    def test_duplicate_code(self, recruiter_api, empathy):
        QuestionFactory(code="empathy-42")
        response = recruiter_api.post("/api/v1/questions/", new_question(), format="json")
        assert response.status_code == 400
        assert response.json()["errors"][0]["field"] == "code"

    def test_an_incomplete_rubric_writes_nothing(self, recruiter_api, empathy):
        assert self.post(recruiter_api, new_question(rubric_levels=RUBRIC[:3])) == {"rubric_levels"}

    def test_a_score_out_of_range_or_repeated(self, recruiter_api, empathy):
        bad = [*RUBRIC[:4], {"score": 6, "label": "Beyond", "anchor": "?"}]
        assert self.post(recruiter_api, new_question(rubric_levels=bad)) == {
            "rubric_levels.4.score"
        }
        twice = [*RUBRIC[:4], RUBRIC[0]]
        assert self.post(recruiter_api, new_question(rubric_levels=twice)) == {"rubric_levels"}

    def test_a_probe_with_a_line_break(self, recruiter_api, empathy):
        fields = self.post(recruiter_api, new_question(probes=["one\ntwo"]))
        assert fields == {"probes.0"}

    def test_over_long_text(self, recruiter_api, empathy):
        assert self.post(recruiter_api, new_question(text="x" * 2001)) == {"text"}

    def test_creating_in_another_language_is_refused(self, recruiter_api, empathy):
        response = recruiter_api.post("/api/v1/questions/?lang=de", new_question(), format="json")
        assert response.status_code == 400
        assert response.json()["errors"][0]["field"] == "lang"
        assert not Question.objects.exists()

    def test_translating_a_missing_rubric_level_is_refused_and_nothing_changes(self, recruiter_api):
        QuestionFactory(code="q", rubric=False, text_nl="Oud")
        response = recruiter_api.patch(
            "/api/v1/questions/q/?lang=nl",
            {"text": "Nieuw", "rubric_levels": [{"score": 1, "label": "Zwak", "anchor": "..."}]},
            format="json",
        )
        assert response.status_code == 400
        assert response.json()["errors"][0]["field"] == "rubric_levels"
        assert Question.objects.get(code="q").text_nl == "Oud"

    def test_malformed_json_is_a_400(self, recruiter_api):
        response = recruiter_api.post(
            "/api/v1/questions/", data='{"code": ', content_type="application/json"
        )
        assert response.status_code == 400
        assert response.json()["code"] == "parse_error"

    def test_a_json_list_instead_of_an_object_is_a_400(self, recruiter_api):
        response = recruiter_api.post("/api/v1/questions/", data=[1, 2], format="json")
        assert response.status_code == 400
