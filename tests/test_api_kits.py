"""Kits over the API: assemble and store, fetch, list, preview, shortfalls, immutability."""

import pytest
from django.utils import timezone

from questionbank.models import Kit, Question
from tests.factories import CompetencyFactory, QuestionFactory, RoleCompetencyFactory, RoleFactory

pytestmark = pytest.mark.django_db


def build_role(slug="agent", per_competency=4, competencies=3):
    role = RoleFactory(slug=slug, level="entry", title_en="Agent", title_nl="Medewerker")
    for weight in range(competencies, 0, -1):
        competency = CompetencyFactory(slug=f"{slug}-c{weight}")
        RoleCompetencyFactory(role=role, competency=competency, weight=weight)
        for i in range(per_competency):
            QuestionFactory(
                code=f"{slug}-c{weight}-{i}",
                competency=competency,
                type=["behavioural", "situational"][i % 2],
                text_nl=f"Vraag {weight}-{i}",
            )
    return role


@pytest.fixture
def role():
    return build_role()


def post_kit(client, **payload):
    return client.post(
        "/api/v1/kits/", {"role": "agent", "stage": "first_interview", **payload}, format="json"
    )


def test_creating_a_kit_returns_201_with_location_and_the_full_kit(interviewer_api, role):
    response = post_kit(interviewer_api, seed=7, language="nl")
    assert response.status_code == 201, response.json()
    body = response.json()
    kit = Kit.objects.get()
    assert response["Location"].endswith(f"/api/v1/kits/{kit.pk}/")
    assert body["id"] == str(kit.pk)
    assert body["role"] == {"slug": "agent", "title": "Medewerker"}
    assert body["stage"] == "first_interview"
    assert body["language"] == "nl"
    assert body["seed"] == 7
    assert body["created_by"] == "interviewer"
    assert [s["competency"]["slug"] for s in body["sections"]] == [
        "agent-c3",
        "agent-c2",
        "agent-c1",
    ]
    assert [len(s["questions"]) for s in body["sections"]] == [2, 2, 2]
    first = body["sections"][0]["questions"][0]
    assert first["text"].startswith("Vraag 3-")
    assert [level["score"] for level in first["rubric"]] == [1, 2, 3, 4, 5]
    assert [row["competency"] for row in body["scoring_sheet"]] == [
        "agent-c3",
        "agent-c2",
        "agent-c1",
    ]
    assert body["warnings"] == []
    chosen = [q["code"] for s in body["sections"] for q in s["questions"]]
    assert {f"questions.{code}.guidance" for code in chosen} <= set(body["fallbacks"])
    assert not any(f"questions.{code}.text" in body["fallbacks"] for code in chosen)
    assert body["total_minutes"] == 30
    assert body["parameters"]["time_budget_minutes"] == 45


def test_the_kit_language_defaults_to_the_request_language(interviewer_api, role):
    response = interviewer_api.post(
        "/api/v1/kits/?lang=nl", {"role": "agent", "stage": "final"}, format="json"
    )
    assert response.json()["language"] == "nl"


def test_the_same_seed_gives_the_same_kit(interviewer_api, role):
    first = post_kit(interviewer_api, seed=99).json()
    second = post_kit(interviewer_api, seed=99).json()
    assert first["id"] != second["id"]
    assert first["sections"] == second["sections"]


def test_a_stored_kit_is_returned_unchanged_after_the_bank_changes(api, interviewer_api, role):
    created = post_kit(interviewer_api, seed=1).json()
    Question.objects.update(text_en="Reworded later", status=Question.Status.RETIRED)
    fetched = api.get(f"/api/v1/kits/{created['id']}/")
    assert fetched.status_code == 200
    assert fetched.json()["sections"] == created["sections"]
    assert "Reworded later" not in fetched.content.decode()


def test_later_rounds_exclude_earlier_kits(interviewer_api, role):
    first = post_kit(interviewer_api, stage="phone_screen", seed=1).json()
    asked = {q["code"] for s in first["sections"] for q in s["questions"]}
    second = post_kit(interviewer_api, seed=1, exclude_kits=[first["id"]]).json()
    again = {q["code"] for s in second["sections"] for q in s["questions"]}
    assert asked and again
    assert asked.isdisjoint(again)


def test_shortfalls_are_warnings_by_default(interviewer_api):
    build_role(per_competency=1)
    response = post_kit(interviewer_api, questions_per_competency=2)
    assert response.status_code == 201
    assert [w["code"] for w in response.json()["warnings"]] == ["not_enough_questions"] * 3


def test_strict_shortfalls_are_a_422_listing_each_and_store_nothing(interviewer_api):
    build_role(per_competency=1)
    response = post_kit(interviewer_api, questions_per_competency=2, strict=True)
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "kit_shortfall"
    assert [s["competency"] for s in body["shortfalls"]] == ["agent-c3", "agent-c2", "agent-c1"]
    assert all(e["field"] == "competencies" for e in body["errors"])
    assert not Kit.objects.exists()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"role": "astronaut"}, "role"),
        ({"role": ["agent"]}, "role"),
        ({"role": {"slug": "agent"}}, "role"),
        ({"role": 12}, "role"),
        ({"role": True}, "role"),
        ({"role": None}, "role"),
        ({"stage": "coffee"}, "stage"),
        ({"competencies": ["nope"]}, "competencies"),
        ({"questions_per_competency": 11}, "questions_per_competency"),
        ({"time_budget_minutes": 0}, "time_budget_minutes"),
        ({"question_types": ["essay"]}, "question_types"),
        ({"language": "fr"}, "language"),
        ({"seed": -1}, "seed"),
        ({"exclude_questions": ["no-such-code"]}, "exclude_questions"),
        ({"exclude_kits": ["not-a-uuid"]}, "exclude_kits"),
        ({"exclude_kits": ["6f1c1c3e-3a55-4f43-9a36-8d1c7d0f0000"]}, "exclude_kits"),
        ({"strict": "perhaps"}, "strict"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(interviewer_api, role, payload, field):
    response = post_kit(interviewer_api, **payload)
    assert response.status_code == 400, response.json()
    assert [e["field"] for e in response.json()["errors"]] == [field]
    assert not Kit.objects.exists()


def test_a_read_only_token_cannot_create_kits_but_can_read_them(api, interviewer_api, role):
    assert post_kit(api).status_code == 403
    kit_id = post_kit(interviewer_api).json()["id"]
    assert api.get(f"/api/v1/kits/{kit_id}/").status_code == 200
    assert Kit.objects.count() == 1


def test_anonymous_gets_401(client, role):
    assert client.get("/api/v1/kits/").status_code == 401
    assert client.get("/api/v1/roles/agent/kit-preview/?stage=final").status_code == 401


def test_kits_are_immutable_over_the_api(interviewer_api, role):
    kit_id = post_kit(interviewer_api).json()["id"]
    for method in ("put", "patch", "delete"):
        assert getattr(interviewer_api, method)(f"/api/v1/kits/{kit_id}/", {}).status_code == 405


def test_an_unknown_kit_is_404(api):
    assert api.get("/api/v1/kits/6f1c1c3e-3a55-4f43-9a36-8d1c7d0f0000/").status_code == 404
    assert api.get("/api/v1/kits/not-a-uuid/").status_code == 404


def test_kit_list_filters_by_role_stage_and_date(api, interviewer_api, role):
    build_role(slug="leader")
    post_kit(interviewer_api)
    post_kit(interviewer_api, stage="final")
    post_kit(interviewer_api, role="leader")
    body = api.get("/api/v1/kits/", {"role": "agent"}).json()
    assert body["count"] == 2
    assert {k["stage"] for k in body["results"]} == {"first_interview", "final"}
    assert api.get("/api/v1/kits/", {"stage": "final"}).json()["count"] == 1
    summary = api.get("/api/v1/kits/", {"role": "leader"}).json()["results"][0]
    assert summary["question_count"] == 6
    assert summary["warning_count"] == 0
    tomorrow = (timezone.now() + timezone.timedelta(days=1)).isoformat()
    assert api.get("/api/v1/kits/", {"created_after": tomorrow}).json()["count"] == 0
    assert api.get("/api/v1/kits/", {"created_before": tomorrow}).json()["count"] == 3
    bad = api.get("/api/v1/kits/", {"created_after": "yesterday"})
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["field"] == "created_after"


def test_kit_preview_assembles_without_storing(api, role):
    response = api.get(
        "/api/v1/roles/agent/kit-preview/",
        {"stage": "final", "seed": 3, "lang": "nl", "competencies": "agent-c1,agent-c2"},
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["seed"] == 3
    assert body["language"] == "nl"
    assert [s["competency"]["slug"] for s in body["sections"]] == ["agent-c2", "agent-c1"]
    assert not Kit.objects.exists()


def test_kit_preview_is_the_kit_post_would_store(api, interviewer_api, role):
    preview = api.get("/api/v1/roles/agent/kit-preview/", {"stage": "final", "seed": 5}).json()
    stored = post_kit(interviewer_api, stage="final", seed=5).json()
    assert preview["sections"] == stored["sections"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"stage": "x"}, "stage"),
        ({}, "stage"),
        ({"stage": "final", "seed": "abc"}, "seed"),
        ({"stage": "final", "competencies": "nope"}, "competencies"),
        ({"stage": "final", "question_types": "essay"}, "question_types"),
        ({"stage": "final", "colour": "red"}, "colour"),
    ],
)
def test_kit_preview_bad_parameters_are_a_400(api, role, params, field):
    response = api.get("/api/v1/roles/agent/kit-preview/", params)
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == [field]


def test_kit_preview_strict_shortfall_is_a_422(api):
    build_role(per_competency=1)
    response = api.get(
        "/api/v1/roles/agent/kit-preview/",
        {"stage": "final", "questions_per_competency": 3, "strict": "true"},
    )
    assert response.status_code == 422
    assert len(response.json()["shortfalls"]) == 3


def test_kit_preview_for_an_unknown_role_is_404(api):
    assert api.get("/api/v1/roles/nope/kit-preview/", {"stage": "final"}).status_code == 404


def test_the_stored_kit_body_is_what_the_kit_serializer_gives(content_pack, interviewer):
    """The API writes kits without running KitSerializer per field: the shapes must agree."""
    from rest_framework.renderers import JSONRenderer

    from questionbank.api.serializers import KitSerializer, kit_body, kit_payload, new_kit_body
    from questionbank.kits import assemble_kit, store_kit
    from questionbank.models import Role

    role = Role.objects.filter(screening_items__isnull=False).order_by("slug").first()
    assembled = assemble_kit(
        role=role,
        stage="first_interview",
        language="it",
        include_screening=True,
        questions_per_competency=3,
        time_budget_minutes=20,
        seed=3,
    )
    stored = store_kit(assembled, created_by=interviewer)
    kit = Kit.objects.select_related("created_by").get(pk=stored.pk)
    assert kit.content["screening"] and kit.warnings  # every part of the shape is present
    assert kit_body(kit) == KitSerializer(kit_payload(kit)).data
    # The same bytes as created and as read back (PostgreSQL's jsonb reorders keys).
    read_back = JSONRenderer().render(kit_body(kit))
    assert JSONRenderer().render(kit_body(stored)) == read_back
    assert JSONRenderer().render(new_kit_body(stored)) == read_back  # what POST answers


def test_the_created_kit_is_the_kit_fetched_later(api, interviewer_api, role):
    from django.core.cache import cache

    created = interviewer_api.post(
        "/api/v1/kits/", {"role": "agent", "stage": "final"}, format="json"
    )
    cache.clear()  # fetched from the database, not the body the POST cached
    fetched = api.get(f"/api/v1/kits/{created.json()['id']}/")
    assert fetched.content == created.content


def test_request_serializers_keep_their_own_fields_and_context(role):
    """Fields are copied from the declared ones (not deep-copied): each serializer reads its
    own context, two at once included, and the declared fields stay unbound."""
    from questionbank.api.serializers import KitRequestSerializer

    class Bank:
        def __init__(self, roles):
            self.roles = roles

        def role(self, slug):
            return self.roles.get(slug)

    other = build_role(slug="supervisor")
    first = KitRequestSerializer(
        data={"role": "agent", "stage": "final", "exclude_questions": ["nope"]},
        context={"bank": Bank({"agent": role})},
    )
    second = KitRequestSerializer(
        data={"role": "agent", "stage": "final"}, context={"bank": Bank({"agent": other})}
    )
    assert first.fields["role"] is not second.fields["role"]
    assert second.is_valid() and second.validated_data["role"] == other
    assert not first.is_valid()
    assert "nope" in str(first.errors["exclude_questions"][0])  # the many=True child's error
    assert (
        first.fields["exclude_questions"].child_relation.parent is first.fields["exclude_questions"]
    )
    for declared in KitRequestSerializer._declared_fields.values():
        assert declared.field_name is None and declared.parent is None


REQUESTS = [
    {"role": "agent", "stage": "final"},
    {
        "role": "agent",
        "stage": "first_interview",
        "competencies": ["agent-c1", "agent-c3"],
        "questions_per_competency": 2,
        "time_budget_minutes": 30,
        "question_types": ["behavioural"],
        "language": "de",
        "seed": 7,
        "exclude_questions": ["agent-c1-0"],
        "exclude_kits": [],
        "strict": True,
        "include_screening": None,
    },
    {},
    {"role": "nobody", "stage": "lunch"},
    {"role": 5, "stage": "final", "seed": -1, "strict": "perhaps"},
    {"role": "agent", "stage": "final", "competencies": "agent-c1"},
    {"role": "agent", "stage": "final", "competencies": ["nope"], "question_types": []},
    {"role": "agent", "stage": "final", "exclude_kits": ["not-a-uuid"], "language": "fr"},
    {"role": "agent", "stage": "final", "something": "else", "seed": None},
    [{"role": "agent"}],
    "agent",
]


@pytest.mark.parametrize("body", REQUESTS, ids=range(len(REQUESTS)))
def test_a_request_validates_as_with_every_field_built(role, body):
    """A JSON body gets only the fields it names, the required ones and those with a default:
    the same validated data and the same errors as DRF's serializer with all twelve."""
    import copy

    from questionbank import bank_cache
    from questionbank.api.serializers import KitRequestSerializer

    class EveryField(KitRequestSerializer):
        def get_fields(self):  # DRF's own
            return copy.deepcopy(self._declared_fields)

    def outcome(serializer_class):
        serializer = serializer_class(data=body, context={"bank": bank_cache.current()})
        if serializer.is_valid():
            return dict(serializer.validated_data)
        return serializer.errors

    assert outcome(KitRequestSerializer) == outcome(EveryField)


def test_a_two_key_request_builds_four_fields(role):
    from questionbank.api.serializers import KitRequestSerializer

    serializer = KitRequestSerializer(data={"role": "agent", "stage": "final"})
    assert list(serializer.fields) == ["role", "stage", "strict", "include_screening"]
    assert len(KitRequestSerializer().fields) == 12


def test_kit_request_serializers_each_get_their_own_copies_of_the_fields():
    from questionbank.api.serializers import KitRequestSerializer

    first, second = KitRequestSerializer(), KitRequestSerializer()
    declared = KitRequestSerializer._declared_fields
    for name in ("role", "competencies", "stage"):
        assert first.fields[name] is not second.fields[name]
        assert first.fields[name] is not declared[name]
        assert first.fields[name].parent is first and second.fields[name].parent is second
        assert getattr(declared[name], "parent", None) is None  # the prototypes stay unbound
    many = first.fields["competencies"]
    assert many.child_relation is not second.fields["competencies"].child_relation
    assert many.child_relation.parent is many
    assert first.fields["stage"].choices == declared["stage"].choices


def test_the_permission_check_reads_the_declared_queryset_not_a_clone(
    interviewer_api, role, monkeypatch
):
    from questionbank.api.views import KitViewSet

    def cloned(self):
        raise AssertionError("get_queryset() called")

    monkeypatch.setattr(KitViewSet, "get_queryset", cloned)
    assert post_kit(interviewer_api).status_code == 201
