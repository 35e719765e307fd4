"""Screening over the API: the questionnaire, evaluation, malformed answers, never a 500."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from tests.test_screening import GOOD, role  # noqa: F401  (the questionnaire fixture)

pytestmark = pytest.mark.django_db

URL = "/api/v1/roles/agent/screening/"
EVALUATE = "/api/v1/roles/agent/screening/evaluate/"


def test_the_questionnaire_in_order_with_types_options_and_rules(api, role):  # noqa: F811
    response = api.get(URL, {"lang": "nl"})
    assert response.status_code == 200
    body = response.json()
    assert body["role"]["slug"] == "agent"
    assert body["language"] == "nl"
    questions = body["questions"]
    assert [q["code"] for q in questions] == [
        "months",
        "weekends",
        "education",
        "languages",
        "crm",
        "typing",
        "notes",
    ]
    months = questions[0]
    assert months["answer_type"] == "number"
    assert (months["min_value"], months["max_value"], months["unit"]) == (0, 600, "maanden")
    assert months["rule"] == {"type": "at_least", "threshold": 6, "accepted": []}
    assert (months["knockout"], months["required"]) == (True, True)
    languages = questions[3]
    assert [o["value"] for o in languages["options"]] == ["dutch", "english", "german"]
    assert languages["options"][0]["label"] == "dutch (nl)"
    assert languages["rule"]["accepted"] == ["dutch", "english"]
    assert "text" in languages["fallbacks"]
    assert questions[5]["rule"]["threshold"] == 35


def test_evaluation_passes(api, role):  # noqa: F811
    response = api.post(EVALUATE, {"answers": GOOD}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert body["passed"] is True
    assert body["score"] == {"met": 2, "of": 2}
    assert [r["status"] for r in body["results"]] == [
        "passed",
        "passed",
        "passed",
        "passed",
        "scored",
        "scored",
        "recorded",
    ]


def test_evaluation_fails_on_a_knockout_with_the_reason_in_the_language(api, role):  # noqa: F811
    response = api.post(
        f"{EVALUATE}?lang=de", {"answers": {**GOOD, "weekends": False}}, format="json"
    )
    body = response.json()
    assert body["passed"] is False
    assert body["knockouts_failed"] == ["weekends"]
    weekends = body["results"][1]
    assert weekends == {
        "code": "weekends",
        "status": "failed",
        "knockout": True,
        "met": False,
        "answer": False,
        "reason": "Mit Nein beantwortet; erforderlich ist Ja.",
    }


def test_malformed_answers_are_a_400_naming_each(api, role):  # noqa: F811
    response = api.post(
        EVALUATE, {"answers": {**GOOD, "months": "lots", "education": "phd", "x": 1}}, format="json"
    )
    assert response.status_code == 400
    fields = {e["field"]: e["message"] for e in response.json()["errors"]}
    assert fields == {
        "answers.months": "Must be a whole number.",
        "answers.education": "Must be one of: none, secondary, degree.",
        "answers.x": "Not a question of this role's questionnaire.",
    }


@pytest.mark.parametrize("body", [{}, {"answers": []}, {"answers": "yes"}, [1, 2]])
def test_a_body_without_an_answers_object_is_a_400(api, role, body):  # noqa: F811
    response = api.post(EVALUATE, body, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] in ("answers", None)


def test_screening_needs_authentication_and_a_known_role(api, role):  # noqa: F811
    assert APIClient().get(URL).status_code == 401
    assert APIClient().post(EVALUATE, {"answers": GOOD}, format="json").status_code == 401
    assert api.get("/api/v1/roles/nobody/screening/").status_code == 404


def test_a_read_only_application_may_evaluate(api, role):  # noqa: F811
    # Evaluating changes nothing, so it needs no write permission.
    assert api.post(EVALUATE, {"answers": GOOD}, format="json").status_code == 200


def test_screening_query_counts(api, role, django_assert_num_queries):  # noqa: F811
    # token+user, role, questionnaire items with questions, options
    with django_assert_num_queries(4):
        assert api.get(URL).status_code == 200
    # the token is remembered now: role, items, options
    with django_assert_num_queries(3):
        assert api.post(EVALUATE, {"answers": GOOD}, format="json").status_code == 200


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(10**20), 10**20)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=10,
)
answer_values = st.one_of(
    json_values,
    st.sampled_from([True, False, 0, 6, 600, 601, -1, "none", "secondary", "degree"]),
    st.lists(st.sampled_from(["dutch", "english", "german", "zendesk", "salesforce", "other"])),
)
payloads = st.one_of(
    json_values,
    st.fixed_dictionaries(
        {
            "answers": st.dictionaries(
                st.sampled_from([*GOOD, "unknown", ""]) | st.text(max_size=8),
                answer_values,
                max_size=9,
            )
        }
    ),
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(payload=payloads)
def test_random_payloads_never_cause_a_500(api, role, payload):  # noqa: F811
    response = api.post(EVALUATE, payload, format="json")
    assert response.status_code in (200, 400), response.content
    body = response.json()
    if response.status_code == 400:
        assert body["errors"] and all("message" in e for e in body["errors"])
    else:
        assert isinstance(body["passed"], bool)


def test_non_standard_json_numbers_are_a_400(api, role):  # noqa: F811
    response = api.post(
        EVALUATE, data='{"answers": {"months": NaN}}', content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"
