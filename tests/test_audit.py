"""The audit trail: API writes and API token changes, with who, what and when."""

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from questionbank.models import AuditEvent
from tests.factories import CompetencyFactory, QuestionFactory, RoleCompetencyFactory, RoleFactory
from tests.test_api_write import new_question

pytestmark = pytest.mark.django_db


def trail():
    return [(e.actor_name, e.action, e.target, e.via) for e in AuditEvent.objects.order_by("id")]


def test_question_writes_over_the_api_are_recorded(recruiter_api, recruiter):
    CompetencyFactory(slug="empathy")
    AuditEvent.objects.all().delete()  # the fixture's token
    assert (
        recruiter_api.post("/api/v1/questions/", new_question(), format="json").status_code == 201
    )
    patch = {"expected_minutes": 7}
    assert (
        recruiter_api.patch("/api/v1/questions/empathy-42/", patch, format="json").status_code
        == 200
    )
    assert recruiter_api.post("/api/v1/questions/empathy-42/retire/").status_code == 200
    assert trail() == [
        ("writer", "question.created", "question empathy-42", "api"),
        ("writer", "question.updated", "question empathy-42", "api"),
        ("writer", "question.retired", "question empathy-42", "api"),
    ]
    event = AuditEvent.objects.first()
    assert event.actor == recruiter and event.ip == "127.0.0.1" and event.at is not None


def test_refused_and_read_requests_leave_no_trace(api, recruiter_api):
    QuestionFactory(code="q1")
    AuditEvent.objects.all().delete()
    assert (
        api.patch("/api/v1/questions/q1/", {"expected_minutes": 7}, format="json").status_code
        == 403
    )
    assert (
        recruiter_api.patch(
            "/api/v1/questions/q1/", {"expected_minutes": 999}, format="json"
        ).status_code
        == 400
    )
    assert api.get("/api/v1/questions/q1/").status_code == 200
    assert trail() == []


def test_kits_assembled_over_the_api_are_recorded(interviewer_api):
    role = RoleFactory(slug="agent")
    link = RoleCompetencyFactory(role=role)
    QuestionFactory.create_batch(3, competency=link.competency)
    AuditEvent.objects.all().delete()
    response = interviewer_api.post(
        "/api/v1/kits/", {"role": "agent", "stage": "final"}, format="json"
    )
    assert trail() == [("interviewer", "kit.created", f"kit {response.json()['id']}", "api")]


@pytest.mark.django_db(transaction=True)  # real commits: nothing half-written survives
def test_a_kit_is_never_stored_without_its_audit_record(interviewer_api, monkeypatch):
    from django.db import IntegrityError

    from questionbank import audit
    from questionbank.models import Kit, KitQuestion

    role = RoleFactory(slug="agent")
    link = RoleCompetencyFactory(role=role)
    QuestionFactory.create_batch(3, competency=link.competency)
    make_event = audit.event

    def refused_by_the_database(*args, **kwargs):
        event = make_event(*args, **kwargs)
        event.action = None  # NOT NULL: the database refuses the row
        return event

    monkeypatch.setattr(audit, "event", refused_by_the_database)
    with pytest.raises(IntegrityError):
        interviewer_api.post("/api/v1/kits/", {"role": "agent", "stage": "final"}, format="json")
    assert not Kit.objects.exists()
    assert not KitQuestion.objects.exists()
    assert not AuditEvent.objects.filter(action="kit.created").exists()


def test_tokens_created_and_revoked_are_recorded_without_the_key(django_user_model, admin_client):
    user = django_user_model.objects.create_user("ats", password="pw-12345!")
    response = APIClient().post(
        "/api/v1/auth/token/", {"username": "ats", "password": "pw-12345!"}, format="json"
    )
    key = response.json()["token"]
    token = Token.objects.get(key=key)
    admin_client.post(f"/admin/authtoken/tokenproxy/{user.pk}/delete/", {"post": "yes"})
    assert not Token.objects.filter(key=key).exists()
    events = trail()
    assert events == [
        ("ats", "token.created", f"token {key[:6]}… of ats", "api"),
        ("recruiter", "token.revoked", f"token {key[:6]}… of ats", "admin"),
    ]
    assert not AuditEvent.objects.filter(target__contains=token.key).exists()


def test_the_trail_is_read_only_in_the_admin(admin_client, api):
    event = AuditEvent.objects.get(action="token.created")
    assert admin_client.get("/admin/questionbank/auditevent/").status_code == 200
    assert admin_client.get(f"/admin/questionbank/auditevent/{event.pk}/change/").status_code == 200
    assert admin_client.get("/admin/questionbank/auditevent/add/").status_code == 403
    response = admin_client.post(
        f"/admin/questionbank/auditevent/{event.pk}/delete/", {"post": "yes"}
    )
    assert response.status_code == 403
    assert AuditEvent.objects.filter(pk=event.pk).exists()
