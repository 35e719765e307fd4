"""The permission matrix: every endpoint and method, for every kind of caller.

Callers: anonymous; a read-only application token (a user without
permissions); an interviewer (the Interviewer group) by token and by admin
session; a recruiter (the Recruiter group) by token; a superuser by session.
Nothing is readable without authentication, bank writes need the recruiter's
model permissions, assembling a kit needs `add_kit`, and a method an endpoint
does not offer is 405 for everyone who is logged in.
"""

import io

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from questionbank import kits
from questionbank.models import Question, Role
from tests.factories import CompetencyFactory, QuestionFactory, RoleCompetencyFactory
from tests.test_api_write import new_question
from tests.test_screening import GOOD, role  # noqa: F401  (role "agent" with a questionnaire)

pytestmark = pytest.mark.django_db

CALLERS = ["anonymous", "read-only", "interviewer", "interviewer-session", "recruiter", "superuser"]


@pytest.fixture
def bank(role):  # noqa: F811
    empathy = CompetencyFactory(slug="empathy")
    RoleCompetencyFactory(role=role, competency=empathy, weight=5)
    QuestionFactory(code="q1", competency=empathy, levels=["entry"])
    QuestionFactory.create_batch(4, competency=empathy, levels=["entry"])
    kit = kits.store_kit(kits.assemble_kit(role=Role.objects.get(slug="agent"), stage="final"))
    return {"kit": str(kit.pk)}


@pytest.fixture
def callers(django_user_model):
    call_command("setup_groups", stdout=io.StringIO())

    def user(name, group=None, **extra):
        user = django_user_model.objects.create_user(name, password="pw-12345!", **extra)
        if group:
            user.groups.add(Group.objects.get(name=group))
        return user

    def by_token(user):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
        return client

    def by_session(user):
        client = APIClient()
        client.force_login(user)
        return client

    return {
        "anonymous": APIClient(),
        "read-only": by_token(user("ats")),
        "interviewer": by_token(user("interviewer", "Interviewer")),
        "interviewer-session": by_session(user("panel", "Interviewer", is_staff=True)),
        "recruiter": by_token(user("recruiter", "Recruiter", is_staff=True)),
        "superuser": by_session(
            django_user_model.objects.create_superuser("root", "root@example.com", "pw-12345!")
        ),
    }


def expect(anonymous, read_only, interviewer, recruiter, superuser):
    return {
        "anonymous": anonymous,
        "read-only": read_only,
        "interviewer": interviewer,
        "interviewer-session": interviewer,
        "recruiter": recruiter,
        "superuser": superuser,
    }


READ = expect(401, 200, 200, 200, 200)
BANK_WRITE = expect(401, 403, 403, None, None)  # None: the success code of the row
MATRIX = [
    ("get", "/api/v1/roles/", None, READ),
    ("get", "/api/v1/roles/agent/", None, READ),
    ("get", "/api/v1/competencies/", None, READ),
    ("get", "/api/v1/competencies/empathy/", None, READ),
    ("get", "/api/v1/questions/", None, READ),
    ("get", "/api/v1/questions/q1/", None, READ),
    ("get", "/api/v1/kits/", None, READ),
    ("get", "/api/v1/kits/{kit}/", None, READ),
    ("get", "/api/v1/kits/{kit}/?format=pdf", None, READ),
    ("get", "/api/v1/roles/agent/kit-preview/?stage=final", None, READ),
    ("get", "/api/v1/roles/agent/screening/", None, READ),
    ("get", "/api/schema/", None, READ),
    ("get", "/api/docs/", None, READ),
    ("post", "/api/v1/questions/", new_question(competency="empathy"), {**BANK_WRITE, "ok": 201}),
    ("patch", "/api/v1/questions/q1/", {"expected_minutes": 7}, {**BANK_WRITE, "ok": 200}),
    ("post", "/api/v1/questions/q1/retire/", {}, {**BANK_WRITE, "ok": 200}),
    ("delete", "/api/v1/questions/q1/", None, expect(401, 405, 405, 405, 405)),
    ("post", "/api/v1/kits/", {"role": "agent", "stage": "final"}, expect(401, 403, 201, 201, 201)),
    ("delete", "/api/v1/kits/{kit}/", None, expect(401, 405, 405, 405, 405)),
    ("put", "/api/v1/roles/agent/", {}, expect(401, 405, 405, 405, 405)),
    ("post", "/api/v1/roles/agent/screening/evaluate/", {"answers": GOOD}, READ),
]


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize(
    "method,url,body,expected", MATRIX, ids=[f"{m.upper()} {u}" for m, u, _, _ in MATRIX]
)
def test_permission_matrix(bank, callers, caller, method, url, body, expected):
    status = expected[caller] if expected[caller] is not None else expected["ok"]
    before = list(Question.objects.values_list("code", "status", "expected_minutes"))
    response = getattr(callers[caller], method)(url.format(**bank), body, format="json")
    assert response.status_code == status, (caller, method, url, response.content[:300])
    if status >= 400:
        # A refused request changes nothing.
        assert list(Question.objects.values_list("code", "status", "expected_minutes")) == before


def test_a_revoked_token_fails_at_once_even_after_use(bank, callers):
    recruiter = callers["recruiter"]
    assert recruiter.get("/api/v1/questions/").status_code == 200
    Token.objects.filter(user__username="recruiter").delete()
    assert recruiter.get("/api/v1/questions/").status_code == 401
    assert recruiter.post("/api/v1/kits/", {"role": "agent", "stage": "final"}).status_code == 401
